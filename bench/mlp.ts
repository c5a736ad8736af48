/** The benchmarked MLP on our library and its data, shared by the epoch and memory benchmarks (no TF.js import). */
import { Adam, Dense, Flatten, Sequential, loadMnist, type Tensor } from 'mnist-nn';

/** The 784-128-10 MLP (Dense 128 relu, Dense 10 softmax, Adam 1e-3, sparse CE), built on the backend in use. */
export function oursModel(): Sequential {
  const m = new Sequential(
    [
      new Flatten({ inputShape: [28, 28] }),
      new Dense(128, { activation: 'relu' }),
      new Dense(10, { activation: 'softmax' }),
    ],
    { seed: 1 },
  );
  m.compile({ optimizer: new Adam({ learningRate: 1e-3 }), loss: 'sparse_categorical_crossentropy' });
  return m;
}

/**
 * The first n training digits /255 (a plain float32 tensor: fit gathers each batch into the backend's memory) and their
 * labels.
 */
export function mnistSlice(samples: number): { n: number; x: Tensor; y: Tensor } {
  const { xTrain, yTrain } = loadMnist();
  const n = Math.min(samples, xTrain.shape[0]);
  return { n, x: xTrain.slice(0, n).div(255), y: yTrain.slice(0, n) };
}
