/**
 * The page's training, off the main thread: loads the MNIST subset bundled with the page (IDX files
 * in build/mnist/), trains the first tutorial's MLP with fit, and reports each batch and epoch.
 */
import {
  Dense,
  Flatten,
  Sequential,
  getBackend,
  getThreads,
  getThreadTasks,
  modelToBytes,
  setThreads,
  parseIdx,
  type Tensor,
} from '../../src/browser.js';
import type { FromWorker, ToWorker } from './protocol.js';

const scope = self as unknown as {
  postMessage(msg: FromWorker, transfer?: Transferable[]): void;
  onmessage: ((e: MessageEvent<ToWorker>) => void) | null;
};
const post = (msg: FromWorker, transfer?: Transferable[]): void => scope.postMessage(msg, transfer);
let model: Sequential | undefined;
let stopRequested = false;

async function idx(name: string): Promise<Tensor> {
  const url = new URL(`./mnist/${name}`, import.meta.url);
  const response = await fetch(url);
  if (!response.ok) throw new Error(`cannot fetch ${url.pathname}: HTTP ${response.status}`);
  return parseIdx(new Uint8Array(await response.arrayBuffer()), url.pathname);
}

async function train(epochs: number, batchSize: number): Promise<void> {
  const started = performance.now();
  const [xTrain, yTrain, xTest, yTest] = await Promise.all(
    ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'].map(idx),
  );
  const x = xTrain.div(255);
  const xt = xTest.div(255);
  // In a cross-origin isolated page this worker runs the kernels' own worker pool: every core.
  post({
    type: 'ready',
    trainDigits: x.shape[0],
    testDigits: xt.shape[0],
    backend: getBackend(),
    threads: getThreads(),
  });

  model = new Sequential([
    new Flatten({ inputShape: [28, 28] }),
    new Dense(128, { activation: 'relu' }),
    new Dense(10, { activation: 'softmax' }),
  ]);
  model.compile({ loss: 'sparse_categorical_crossentropy', optimizer: 'adam', metrics: ['accuracy'] });
  const n = x.shape[0];
  const batches = Math.ceil(n / batchSize);
  let prev = { seen: 0, loss: 0, accuracy: 0 };
  let epoch = 0;
  let epochStart = performance.now();
  const every = Math.max(1, Math.floor(batches / 50));
  let epochsRun = 0;
  let testAccuracy = NaN; // the validation set is the test subset: its last figure is the test accuracy
  await model.fit(x, yTrain, {
    epochs,
    batchSize,
    validationData: [xt, yTest],
    verbose: 0,
    callbacks: [
      {
        onTrainBegin: () => {
          model!.stopTraining = stopRequested; // Stop pressed while the digits were loading
        },
        onEpochBegin: (e: number) => {
          epoch = e;
          epochStart = performance.now();
          prev = { seen: 0, loss: 0, accuracy: 0 };
        },
        onBatchEnd: (b: number, logs: Record<string, number>) => {
          // About 50 points an epoch however fast it runs, and always the last batch before an epoch ends or a stop.
          if (b % every !== 0 && b !== batches - 1 && !model!.stopTraining) return;
          // fit's logs are running means over the epoch; report the mean over the batches since the last report.
          const seen = Math.min((b + 1) * batchSize, n);
          const mean = (key: 'loss' | 'accuracy'): number =>
            (logs[key] * seen - prev[key] * prev.seen) / (seen - prev.seen);
          post({ type: 'batch', epoch, epochs, batch: b, batches, loss: mean('loss'), accuracy: mean('accuracy') });
          prev = { seen, loss: logs.loss, accuracy: logs.accuracy };
        },
        onEpochEnd: (e: number, logs: Record<string, number>) => {
          epochsRun = e + 1;
          testAccuracy = logs.val_accuracy;
          post({
            type: 'epoch',
            epoch: e,
            epochs,
            seconds: (performance.now() - epochStart) / 1e3,
            loss: logs.loss,
            accuracy: logs.accuracy,
            valLoss: logs.val_loss,
            valAccuracy: logs.val_accuracy,
          });
        },
      },
    ],
  });
  const bytes = modelToBytes(model, { includeOptimizer: false });
  post(
    {
      type: 'done',
      model: bytes,
      epochsRun,
      stopped: stopRequested,
      seconds: (performance.now() - started) / 1e3,
      testAccuracy,
      testDigits: xt.shape[0],
      threads: getThreads(),
      threadTasks: getThreadTasks(),
    },
    [bytes.buffer],
  );
}

scope.onmessage = (e) => {
  const msg = e.data;
  if (msg.type === 'stop') {
    stopRequested = true;
    if (model) model.stopTraining = true;
  } else if (msg.type === 'train') {
    // setThreads inside the chain, so that a bad ?threads= ends as an error message, not a hung run.
    Promise.resolve()
      .then(() => {
        if (msg.threads !== undefined) setThreads(msg.threads);
        return train(msg.epochs, msg.batchSize);
      })
      .catch((err: unknown) => post({ type: 'error', message: err instanceof Error ? err.message : String(err) }));
  }
};
