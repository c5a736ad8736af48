/** TensorFlow.js as the tests' peer: its cpu backend (pure JS, exact enough for 1e-5), set up quietly. */
import * as tf from '@tensorflow/tfjs';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
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

/** Writes what TF.js saves for a model as tf.io's file handler does (model.json naming its shard); returns the dir. */
export async function savedByTfjs(theirs: tf.LayersModel, dir: string, name: string): Promise<string> {
  let saved: tf.io.ModelArtifacts | undefined;
  await theirs.save(
    tf.io.withSaveHandler((a) => {
      saved = a;
      return Promise.resolve({ modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } });
    }),
  );
  const out = join(dir, name);
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'weights.bin'), new Uint8Array(saved!.weightData as ArrayBuffer));
  writeFileSync(
    join(out, 'model.json'),
    JSON.stringify({
      format: 'layers-model',
      generatedBy: 'TensorFlow.js',
      modelTopology: saved!.modelTopology,
      weightsManifest: [{ paths: ['weights.bin'], weights: saved!.weightSpecs }],
    }),
  );
  return out;
}
