/** What `save` takes and gives back: the format and what goes in the file, and the notes on what it leaves out. */

/**
 * `save`'s options: what to include and in which format.
 * @example
 * await model.save('out/model.keras'); // Keras 3's file, by the extension
 * await model.save('out/tfjs-model', { format: 'tfjs' }); // a directory TensorFlow.js loads
 */
export interface SaveOptions {
  /** Save the optimizer's state and the random generator's too (default true when compiled), for resuming. */
  includeOptimizer?: boolean;
  /**
   * 'mnist-nn' (the default, unless `path` ends in `.keras`): one file at `path`. 'tfjs':
   * TensorFlow.js's Layers format, a directory `path` with model.json and one weight shard
   * (architecture and weights; no training state). 'keras' (the default for a `.keras` path): a
   * Keras 3 `.keras` file, which Keras's `load_model` reads (architecture, weights and compile
   * config; no optimizer state).
   */
  format?: 'mnist-nn' | 'tfjs' | 'keras';
}

/**
 * What `save` resolves to.
 * @example
 * const { notes } = await model.save('out/web', { format: 'tfjs' });
 * for (const n of notes) console.warn(n);
 */
export interface SaveResult {
  /**
   * What the file leaves out and why, one sentence each: the TensorFlow.js format leaves out the
   * layers TensorFlow.js lacks that are the identity at inference (RandomRotation and the other
   * augmentation layers), so the exported model predicts the same. Empty when nothing is left out.
   */
  notes: string[];
}
