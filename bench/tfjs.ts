import * as tf from '@tensorflow/tfjs';

/**
 * Selects TF.js's pure-JS cpu backend. Its first tensor prints a banner recommending tfjs-node, a
 * native addon this comparison deliberately leaves out, so that one write happens with warnings muted.
 */
export async function useTfCpu(): Promise<void> {
  await tf.setBackend('cpu');
  await tf.ready();
  const warn = console.warn;
  console.warn = () => {};
  try {
    tf.tensor([0]).dispose();
  } finally {
    console.warn = warn;
  }
}
