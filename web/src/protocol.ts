/** Messages between the page (main.ts) and the training worker (train-worker.ts). */

/** `threads`: the kernels' threads (the page's ?threads=N, for comparing); default every core. */
export type ToWorker = { type: 'train'; epochs: number; batchSize: number; threads?: number } | { type: 'stop' };

export type FromWorker =
  | { type: 'ready'; trainDigits: number; testDigits: number; backend: string; threads: number }
  /** Means over the batches since the previous report (about a fiftieth of an epoch). */
  | { type: 'batch'; epoch: number; epochs: number; batch: number; batches: number; loss: number; accuracy: number }
  | {
      type: 'epoch';
      epoch: number;
      epochs: number;
      seconds: number;
      loss: number;
      accuracy: number;
      valLoss: number;
      valAccuracy: number;
    }
  /** The trained model as a model file's bytes (loadModel reads them back). */
  | {
      type: 'done';
      model: Uint8Array;
      epochsRun: number;
      stopped: boolean;
      seconds: number;
      testAccuracy: number;
      testDigits: number;
      threads: number;
      threadTasks: number[];
    }
  | { type: 'error'; message: string };
