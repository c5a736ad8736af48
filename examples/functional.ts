/**
 * The functional API (Keras's `keras.Model(inputs, outputs)`): a small residual convnet with two heads,
 * trained on MNIST.
 *   image [28, 28, 1] → Conv2D 8 3×3 relu → residual block: Conv2D 8 relu → Conv2D 8, Add with the
 *   block's input, ReLU → MaxPooling2D 2 → Flatten → Dense 32 relu → two heads:
 *     digit: Dense 10 softmax, sparse categorical cross-entropy;
 *     even:  Dense 1 sigmoid ("is the digit even?"), binary cross-entropy.
 * Adam, batch 64, 2 epochs on the first 20,000 training digits (TRAIN=n for another count), 10% of them
 * for validation: about 12 s on two cores, 96.9% and 97.9% on the test set (all 60,000: 30 s, 97.9% and
 * 98.8%). Prints the summary with what each layer is connected to, the history under Keras's keys (loss,
 * digit_loss, even_accuracy, val_…) and both heads' test accuracy; saves the model in our file and reads
 * it back (the same predictions, bit for bit); plots both heads' curves. Writes to out/functional/ (PLOTS=dir
 * for another).
 * Run: npx tsx examples/functional.ts (EPOCHS=n, TRAIN=n; seed 4 unless SEED=n, or SEED=random)
 */
import { mkdirSync } from 'node:fs';
import {
  Add,
  Conv2D,
  Dense,
  Flatten,
  Input,
  MaxPooling2D,
  Model,
  ReLU,
  Tensor,
  loadMnist,
  loadModel,
  plotHistory,
} from 'mnist-nn';

const epochs = Number(process.env.EPOCHS ?? 2);
const nTrain = Number(process.env.TRAIN ?? 20000);
// Seed 4 by default, as in the other examples. SEED=n for another run, SEED=random for an unseeded one.
const seed = process.env.SEED === 'random' ? undefined : Number(process.env.SEED ?? 4);
const started = performance.now();

const { xTrain, yTrain, xTest, yTest } = loadMnist();
const x = xTrain.slice(0, nTrain).reshape([nTrain, 28, 28, 1]).div(255);
const digits = yTrain.slice(0, nTrain);
const xt = xTest.reshape([10000, 28, 28, 1]).div(255);
// The second head's targets: 1 where the digit is even, as [n, 1] to match its one sigmoid unit.
const evenOf = (y: Tensor) =>
  new Tensor(
    Float32Array.from(y.data, (d) => (d % 2 === 0 ? 1 : 0)),
    [y.size, 1],
  );

const image = Input({ shape: [28, 28, 1], name: 'image' });
const stem = new Conv2D(8, 3, { padding: 'same', activation: 'relu', name: 'stem' }).apply(image);
// The residual block: two convolutions whose sum with the block's input goes through the ReLU.
const branch = new Conv2D(8, 3, { padding: 'same', name: 'block_conv2' }).apply(
  new Conv2D(8, 3, { padding: 'same', activation: 'relu', name: 'block_conv1' }).apply(stem),
);
const block = new ReLU({ name: 'block_relu' }).apply(new Add({ name: 'block_add' }).apply([stem, branch]));
const features = new Dense(32, { activation: 'relu', name: 'features' }).apply(
  new Flatten().apply(new MaxPooling2D(2).apply(block)),
);
const digit = new Dense(10, { activation: 'softmax', name: 'digit' }).apply(features);
const even = new Dense(1, { activation: 'sigmoid', name: 'even' }).apply(features);
const model = new Model({ inputs: image, outputs: [digit, even], name: 'residual_two_heads', seed });
model.summary();

model.compile({
  optimizer: 'adam',
  loss: { digit: 'sparseCategoricalCrossentropy', even: 'binaryCrossentropy' },
  metrics: { digit: ['accuracy'], even: ['accuracy'] },
});
const history = await model.fit(
  x,
  { digit: digits, even: evenOf(digits) },
  { epochs, batchSize: 64, validationSplit: 0.1, verbose: 2 },
);
// The learning rate is constant here: the heads' keys only.
for (const [key, values] of Object.entries(history.history))
  if (!['lr', 'learning_rate'].includes(key)) console.log(`history.${key}:`, values.map((v) => v.toFixed(4)).join(' '));

const test = await model.evaluate(xt, { digit: yTest, even: evenOf(yTest) }, { batchSize: 500 });
console.log(
  `Test loss: ${test.loss.toFixed(4)} (digit ${test.digit_loss.toFixed(4)}, even ${test.even_loss.toFixed(4)})`,
);

// Our model file keeps the graph (each layer's inputs), the weights and the compile settings.
const dir = process.env.PLOTS ?? 'out/functional';
mkdirSync(dir, { recursive: true });
const file = `${dir}/model.mnn`;
await model.save(file);
const reloaded = await loadModel(file);
const sample = xt.slice(0, 1000);
const [ours, theirs] = [(await model.predict(sample)) as Tensor[], (await reloaded.predict(sample)) as Tensor[]];
const same =
  theirs.length === ours.length && ours.every((t, i) => t.data.every((v, j) => Object.is(v, theirs[i].data[j])));
console.log(
  `Saved ${file}; reloaded, its predictions on 1000 test digits are ${same ? 'the same, bit for bit' : 'DIFFERENT'}.`,
);
if (!same) process.exitCode = 1;

// The curves of each head: the two losses side by side, then the two accuracies.
const saved = [
  await (
    await plotHistory(history, { metrics: ['digit_loss', 'even_loss'], title: 'Loss of each head' })
  ).save(`${dir}/loss.png`),
  await (
    await plotHistory(history, { metrics: ['digit_accuracy', 'even_accuracy'], title: 'Accuracy of each head' })
  ).save(`${dir}/accuracy.png`),
];
console.log(`Plots: ${saved.join(', ')}`);
console.log(`Wall time: ${((performance.now() - started) / 1e3).toFixed(1)} s`);
console.log(
  `Test accuracy: digit ${(100 * test.digit_accuracy).toFixed(2)}%, even ${(100 * test.even_accuracy).toFixed(2)}%`,
);
