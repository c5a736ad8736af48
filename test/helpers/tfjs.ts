/** TensorFlow.js as the tests' peer: its cpu backend (pure JS, exact enough for 1e-5), set up quietly. */
import * as tf from '@tensorflow/tfjs';
import { beforeAll } from 'vitest';

/** Registers a beforeAll that selects TF.js's cpu backend and silences the banner its first use prints. */
export function useTfjsCpu(): typeof tf {
  beforeAll(async () => {
    await tf.setBackend('cpu');
    const warn = console.warn; // the cpu backend's first use recommends tfjs-node
    console.warn = () => {};
    tf.tensor([0]).dispose();
    console.warn = warn;
  });
  return tf;
}

/** What a TF.js model.json holds, as far as the tests read it: a Keras topology and the weight shards. */
export interface TfjsModelJson {
  modelTopology: { config: { layers: { class_name: string; config: Record<string, unknown> }[] } };
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
}

/** A TF.js model from a model.json object and the bytes of its one weight shard, as tf.loadLayersModel reads them. */
export function tfjsFromMemory(
  json: { modelTopology: object; weightsManifest: { weights: tf.io.WeightsManifestEntry[] }[] },
  weights: Uint8Array,
): Promise<tf.LayersModel> {
  const data = weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength) as ArrayBuffer;
  return tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest[0].weights,
      weightData: data,
    }),
  );
}
