/**
 * Beyond the tutorials: what a Keras user reaches for after the simple convnet, to 99.5% on MNIST.
 *   - augmentation: RandomRotation (±10°), RandomTranslation (±10%), RandomZoom (±10%), black fill,
 *     active only while training;
 *   - Conv2D → BatchNormalization → ReLU blocks (the convolutions without a bias: β is one), 32, 32
 *     and 64 filters with two poolings, then Dense 128 → BatchNormalization → ReLU → Dropout 0.25 →
 *     Dense 10;
 *   - Adam on a one-cycle learning rate peaking at 0.01, 15 epochs of batch 128 on all 60,000 digits.
 * The same network is `mnist-nn train --model cnn-batchnorm`.
 * Run: npx tsx examples/cnn-batchnorm.ts (seed 4 unless SEED=n; EPOCHS=n to change the 15 epochs)
 */
import {
  Adam,
  BatchNormalization,
  Conv2D,
  Dense,
  Dropout,
  Flatten,
  MaxPooling2D,
  OneCycle,
  RandomRotation,
  RandomTranslation,
  RandomZoom,
  ReLU,
  Sequential,
  loadMnist,
} from 'mnist-nn';

const seed = Number(process.env.SEED ?? 4);
const epochs = Number(process.env.EPOCHS ?? 15);
const batchSize = 128;
const started = performance.now();

const { xTrain, yTrain, xTest, yTest } = loadMnist();
const x = xTrain.reshape([60000, 28, 28, 1]).div(255);
const xt = xTest.reshape([10000, 28, 28, 1]).div(255);

const fill = { fillMode: 'constant' } as const; // black outside the image, as the digits' background
const convBlock = (filters: number, padding: 'valid' | 'same' = 'valid') => [
  new Conv2D(filters, 3, { useBias: false, padding }),
  new BatchNormalization(),
  new ReLU(),
];
const model = new Sequential(
  [
    new RandomRotation(10 / 360, { ...fill, inputShape: [28, 28, 1] }),
    new RandomTranslation(0.1, 0.1, fill),
    new RandomZoom(0.1, null, fill),
    ...convBlock(32, 'same'),
    new MaxPooling2D(2),
    ...convBlock(32),
    ...convBlock(64),
    new MaxPooling2D(2),
    new Flatten(),
    new Dense(128, { useBias: false }),
    new BatchNormalization(),
    new ReLU(),
    new Dropout(0.25),
    new Dense(10, { activation: 'softmax' }),
  ],
  { seed },
);
model.summary();
const totalSteps = epochs * Math.ceil(60000 / batchSize);
model.compile({
  optimizer: new Adam({ learningRate: new OneCycle({ maxLearningRate: 0.01, totalSteps, pctStart: 0.25 }) }),
  loss: 'sparseCategoricalCrossentropy',
  metrics: ['accuracy'],
});
const history = await model.fit(x, yTrain, { epochs, batchSize, verbose: 2 });
console.log('learning rate at the end of each epoch:', history.history.lr.map((v) => v.toExponential(2)).join(' '));

const { loss, accuracy } = await model.evaluate(xt, yTest, { batchSize: 1000 });
console.log(`Test loss: ${loss.toFixed(4)}`);
console.log(`Wall time: ${((performance.now() - started) / 1e3).toFixed(1)} s`);
console.log(`Test accuracy: ${(100 * accuracy).toFixed(2)}%`);
