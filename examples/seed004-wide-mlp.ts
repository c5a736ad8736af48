/**
 * Seed 004 ("Introduction to MNIST", Deep Learning with Python ch. 2): Dense 512 relu → Dense 10
 * softmax with no input shape (the model is built when fit first sees data, as in Keras), RMSprop,
 * sparse categorical cross-entropy; images reshaped to [60000, 784] and scaled by /255; fit 5 epochs
 * with batch 128; predicts test_images[0:10] and prints predictions[0]; evaluates on the test set.
 * The seed reports test_acc: 0.9805999994277954 (98.06%).
 *
 * Saves predictions[0] as bars to out/seed004/predictions-0.png (PLOTS=dir for another).
 *
 * Run: npx tsx examples/seed004-wide-mlp.ts   (EPOCHS=1 for a quick run; seed 4 unless SEED=n, or SEED=random)
 */
import { mkdirSync } from 'node:fs';
import { Dense, Sequential, loadMnist, plotProbabilities } from 'mnist-nn';

const epochs = Number(process.env.EPOCHS ?? 5);
// Seed 4 by default, so a run prints the same figures: over seeds 0–7 it gives a median run of every
// example (README). SEED=n for another run, SEED=random for an unseeded one.
const seed = process.env.SEED === 'random' ? undefined : Number(process.env.SEED ?? 4);
const started = performance.now();

/** A shape as Python prints it: (60000, 28, 28), (60000,). */
const pyShape = (s: number[]): string => (s.length === 1 ? `(${s[0]},)` : `(${s.join(', ')})`);

// Loading MNIST.
const { xTrain, yTrain: trainLabels, xTest, yTest: testLabels } = loadMnist();
console.log(`train_images.shape: ${pyShape(xTrain.shape)}`);
console.log(`test_images.shape: ${pyShape(xTest.shape)}`);

// The network architecture: no inputShape, so the model is built by fit.
const model = new Sequential([new Dense(512, { activation: 'relu' }), new Dense(10, { activation: 'softmax' })], {
  seed,
});

// Compilation step.
model.compile({ optimizer: 'rmsprop', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });

// Preparing the image data: [60000, 28, 28] uint8 → [60000, 784] in [0, 1].
const trainImages = xTrain.reshape([60000, 28 * 28]).div(255);
const testImages = xTest.reshape([10000, 28 * 28]).div(255);

// Fitting the model.
await model.fit(trainImages, trainLabels, { epochs, batchSize: 128 });
model.summary();

// Prediction of the model.
const testDigits = testImages.slice(0, 10);
const predictions = await model.predict(testDigits);
const p0 = Array.from(predictions.slice(0, 1).data);
console.log(`predictions[0]: [${p0.map((v) => v.toExponential(7).replace(/e([+-])(\d)$/, 'e$10$2')).join(', ')}]`);
console.log(`argmax predictions[0]: ${predictions.argMax(-1).data[0]} (label ${testLabels.data[0]})`);
// predictions[0] as bars: the ten probabilities of the first test digit.
const dir = process.env.PLOTS ?? 'out/seed004';
mkdirSync(dir, { recursive: true });
const plot = await plotProbabilities(predictions.slice(0, 1), {
  title: `predictions[0]: the first test digit (label ${testLabels.data[0]})`,
});
console.log(`Plot: ${await plot.save(`${dir}/predictions-0.png`)}`);

// Evaluating the model on new data.
const { accuracy: testAcc } = await model.evaluate(testImages, testLabels);
console.log(`test_acc: ${testAcc}`);

console.log(`Wall time: ${((performance.now() - started) / 1e3).toFixed(1)} s`);
console.log(`Test accuracy: ${(100 * testAcc).toFixed(2)}%`);
