/**
 * The callbacks of one fit as one (Keras's CallbackList): the History that fit returns first, the
 * progress logger when `verbose`, then the caller's, each hook called on each in that order and
 * awaited (a callback may return a promise, e.g. ModelCheckpoint's save).
 */
import { History, ProgbarLogger, type Callback, type CallbackModel, type Logs } from './callbacks.js';

/**
 * What fit tells its callbacks about the run (History keeps them as `params`).
 * @example
 * const params: FitParams = { epochs: 10, steps: 1500, samples: 48000, batchSize: 32, verbose: 1 };
 */
export interface FitParams {
  epochs: number;
  /** Batches per epoch. */
  steps: number;
  samples: number;
  batchSize: number;
  verbose: 0 | 1 | 2;
}

/**
 * Calls each hook on every callback of a fit, in order.
 * @example
 * const params = { epochs: 3, steps: 10, samples: 320, batchSize: 32, verbose: 0 } as const;
 * const callbacks = new CallbackList([new EarlyStopping()], params);
 * callbacks.setModel(model);
 * await callbacks.onEpochEnd(0, { loss: 0.5 });
 * callbacks.history.history.loss; // [0.5]
 */
export class CallbackList {
  /** The History of this fit, which fit returns. */
  readonly history = new History();
  private readonly callbacks: Callback[];

  constructor(callbacks: readonly Callback[], params: FitParams) {
    this.history.params = { ...params };
    const progress = params.verbose ? [new ProgbarLogger(params.verbose, params.epochs, params.steps)] : [];
    this.callbacks = [this.history, ...progress, ...callbacks];
  }

  setModel(model: CallbackModel): void {
    for (const cb of this.callbacks) cb.setModel?.(model);
  }

  onTrainBegin(logs: Logs = {}): Promise<void> {
    return this.call('onTrainBegin', logs);
  }

  onTrainEnd(logs: Logs = {}): Promise<void> {
    return this.call('onTrainEnd', logs);
  }

  onEpochBegin(epoch: number, logs: Logs = {}): Promise<void> {
    return this.call('onEpochBegin', epoch, logs);
  }

  onEpochEnd(epoch: number, logs: Logs): Promise<void> {
    return this.call('onEpochEnd', epoch, logs);
  }

  onBatchBegin(batch: number, logs: Logs): Promise<void> {
    return this.call('onBatchBegin', batch, logs);
  }

  onBatchEnd(batch: number, logs: Logs): Promise<void> {
    return this.call('onBatchEnd', batch, logs);
  }

  private async call<K extends Exclude<keyof Callback, 'setModel'>>(
    name: K,
    ...args: Parameters<NonNullable<Callback[K]>>
  ): Promise<void> {
    for (const cb of this.callbacks) await (cb[name] as ((...a: unknown[]) => unknown) | undefined)?.apply(cb, args);
  }
}
