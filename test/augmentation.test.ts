// The augmentation layers' Keras semantics: identity at inference, the direction of each transform
// on images where the answer is known, the zoom's shared draw, the Keras mapping, and a seeded fit
// that repeats bit for bit.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  Conv2D,
  Dense,
  Flatten,
  RandomRotation,
  RandomTranslation,
  RandomZoom,
  Sequential,
  Tensor,
  loadModel,
  type FloatTensor,
  type Layer,
} from '../src/index.js';
import { registration } from '../src/layers/registry.js';
import { Rng } from '../src/tensor/random.js';

/** A built float64 layer and a batch of B images H×W×1 whose pixel (r, c) holds 10·r + c. */
function setup(
  layer: Layer,
  B: number,
  H: number,
  W: number,
): { x: FloatTensor; at: (t: FloatTensor, b: number, r: number, c: number) => number } {
  layer.build([H, W, 1], { dtype: 'float64', rng: new Rng(1) });
  const x = new Tensor(
    Float64Array.from({ length: B * H * W }, (_, k) => 10 * Math.floor((k % (H * W)) / W) + (k % W)),
    [B, H, W, 1],
  );
  return { x, at: (t, b, r, c) => t.data[(b * H + r) * W + c] };
}
const training = (seed = 5) => ({ training: true, rng: new Rng(seed) });

describe('augmentation layers', () => {
  const layers = (): Layer[] => [
    new RandomRotation(0.3),
    new RandomTranslation(0.3, 0.2),
    new RandomZoom(0.4, [-0.2, 0.3]),
  ];

  it('are the identity at inference and change the images in training', () => {
    for (const layer of layers()) {
      const { x } = setup(layer, 4, 6, 5);
      expect(layer.forward(x, { training: false, rng: new Rng(1) })).toBe(x);
      expect(layer.backward(x, { needInputGrad: true })).toBe(x); // and so is their backward
      const y = layer.forward(x, training());
      expect(Array.from(y.data)).not.toEqual(Array.from(x.data));
      // the same generator state draws the same transforms
      expect(Array.from(layer.forward(x, training()).data)).toEqual(Array.from(y.data));
    }
  });

  it('RandomRotation by a quarter turn turns counter-clockwise (the top-right corner goes to the top left)', () => {
    const layer = new RandomRotation([0.25, 0.25], { interpolation: 'nearest' });
    const { x, at } = setup(layer, 2, 5, 5);
    const y = layer.forward(x, training());
    for (let b = 0; b < 2; b++)
      for (let i = 0; i < 5; i++) for (let j = 0; j < 5; j++) expect(at(y, b, i, j)).toBe(at(x, b, j, 4 - i));
    // bilinear reads the same pixels (cos 90° is 6e-17 in floating point, not 0)
    const bl = new RandomRotation([0.25, 0.25]);
    setup(bl, 2, 5, 5);
    const z = bl.forward(x, training());
    for (let i = 0; i < 5; i++) for (let j = 0; j < 5; j++) expect(at(z, 1, i, j)).toBeCloseTo(at(x, 1, j, 4 - i), 12);
  });

  it('RandomTranslation shifts by fractions of the size, positive down and right, filling as asked', () => {
    const layer = new RandomTranslation([0.5, 0.5], [-0.25, -0.25], { fillMode: 'constant', fillValue: -1 });
    const { x, at } = setup(layer, 1, 4, 4);
    const y = layer.forward(x, training());
    for (let i = 0; i < 4; i++)
      for (let j = 0; j < 4; j++) expect(at(y, 0, i, j)).toBe(i - 2 < 0 || j + 1 > 3 ? -1 : at(x, 0, i - 2, j + 1));
  });

  it('RandomZoom: a positive factor zooms out about the centre, a negative one in; no widthFactor zooms both axes alike', () => {
    const draw = (layer: RandomZoom, seed: number) => {
      const t = new Float64Array(6);
      (
        layer as unknown as { drawTransform(r: Rng, h: number, w: number, t: Float64Array, o: number): void }
      ).drawTransform(new Rng(seed), 5, 7, t, 0);
      return t;
    };
    const out = new RandomZoom([0.5, 0.5], null, { fillMode: 'constant', interpolation: 'nearest' });
    const { x, at } = setup(out, 1, 5, 5);
    const y = out.forward(x, training());
    // zoom 1.5: output (i, j) reads input (1.5i − 1, 1.5j − 1); the centre stays, the corners read outside
    expect(at(y, 0, 2, 2)).toBe(at(x, 0, 2, 2));
    expect(at(y, 0, 0, 0)).toBe(0);
    expect(at(y, 0, 4, 4)).toBe(0);
    expect(at(y, 0, 1, 3)).toBe(at(x, 0, 1, 4)); // (0.5 → 1 rounding half up, 3.5 → 4)
    // in: a smaller region, magnified
    expect(Array.from(draw(new RandomZoom([-0.5, -0.5]), 1))).toEqual([0.5, 0, 1.5, 0, 0.5, 1]);
    for (let seed = 0; seed < 20; seed++) {
      const same = draw(new RandomZoom(0.3), seed);
      expect(same[0]).toBe(same[4]);
      expect(Math.abs(same[0] - 1)).toBeLessThanOrEqual(0.3);
      const apart = draw(new RandomZoom(0.3, [0.5, 0.9]), seed);
      expect(apart[0]).toBeGreaterThanOrEqual(1.5);
      expect(apart[4]).toBeLessThanOrEqual(1.3);
    }
  });

  it("map to Keras 3's configs and back (a pair upside down in a Keras file is sorted, as Keras sorts it)", () => {
    const cases: [Layer, Record<string, unknown>][] = [
      [
        new RandomRotation([-0.1, 0.2], { fillMode: 'constant', fillValue: 3 }),
        { factor: [-0.1, 0.2], fill_mode: 'constant', interpolation: 'bilinear', fill_value: 3 },
      ],
      [
        new RandomTranslation(0.1, [-0.2, 0], { interpolation: 'nearest' }),
        { height_factor: 0.1, width_factor: [-0.2, 0], fill_mode: 'reflect', interpolation: 'nearest', fill_value: 0 },
      ],
      [
        new RandomZoom(0.2),
        { height_factor: 0.2, width_factor: null, fill_mode: 'reflect', interpolation: 'bilinear', fill_value: 0 },
      ],
    ];
    for (const [layer, keras] of cases) {
      const reg = registration(layer.className)!;
      expect(reg.keras?.className).toBe(layer.className);
      expect(reg.keras?.tfjsOmits).toBe(true);
      const own = { ...layer.getConfig() };
      delete own.name;
      const k = reg.keras!.toKeras(layer.getConfig());
      expect(k).toEqual({ ...keras, seed: null, data_format: 'channels_last' });
      expect(reg.keras!.fromKeras(k, () => {})).toEqual(own);
    }
    const rot = registration('RandomRotation')!.keras!.fromKeras({ factor: [0.3, -0.1] }, () => {});
    expect(rot).toEqual({ factor: [-0.1, 0.3], fillMode: 'reflect', interpolation: 'bilinear', fillValue: 0 });
  });

  it('a model.json naming them in Keras spelling (as a converted Keras model would) loads with them in place', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mnist-nn-aug-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const layers = [
      {
        class_name: 'RandomRotation',
        config: {
          name: 'rot',
          factor: [0.2, -0.1],
          fill_mode: 'constant',
          fill_value: 1,
          interpolation: 'nearest',
          seed: 7,
          data_format: 'channels_last',
          batch_input_shape: [null, 6, 6, 1],
        },
      },
      { class_name: 'RandomTranslation', config: { name: 'shift', height_factor: 0.1, width_factor: [-0.2, 0.1] } },
      {
        class_name: 'RandomZoom',
        config: { name: 'zoom', height_factor: [-0.3, 0.2], width_factor: null, fill_mode: 'wrap' },
      },
      { class_name: 'Flatten', config: { name: 'flat' } },
    ];
    writeFileSync(
      join(dir, 'model.json'),
      JSON.stringify({
        modelTopology: { class_name: 'Sequential', config: { layers } },
        weightsManifest: [{ paths: ['w.bin'], weights: [] }],
      }),
    );
    writeFileSync(join(dir, 'w.bin'), new Uint8Array(0));
    const m = await loadModel(dir);
    expect(m.layers.map((l) => l.getConfig())).toEqual([
      { name: 'rot', factor: [-0.1, 0.2], fillMode: 'constant', fillValue: 1, interpolation: 'nearest' },
      {
        name: 'shift',
        heightFactor: 0.1,
        widthFactor: [-0.2, 0.1],
        fillMode: 'reflect',
        fillValue: 0,
        interpolation: 'bilinear',
      },
      {
        name: 'zoom',
        heightFactor: [-0.3, 0.2],
        widthFactor: null,
        fillMode: 'wrap',
        fillValue: 0,
        interpolation: 'bilinear',
      },
      { name: 'flat' },
    ]);
    expect(m.inputShape).toEqual([6, 6, 1]);
  });

  it('a seeded fit with all three in front of a small CNN repeats bit for bit, and differs from one without them', async () => {
    const rng = new Rng(3);
    const x = new Tensor(
      Float32Array.from({ length: 16 * 8 * 8 }, () => rng.next()),
      [16, 8, 8, 1],
    );
    const y = new Tensor(
      Int32Array.from({ length: 16 }, () => rng.int(3)),
      [16],
    );
    const run = async (augment: boolean) => {
      const m = new Sequential(
        [
          ...(augment ? [new RandomRotation(0.1), new RandomTranslation(0.1, 0.1), new RandomZoom(0.1)] : []),
          new Conv2D(2, 3, { activation: 'relu' }),
          new Flatten(),
          new Dense(3, { activation: 'softmax' }),
        ],
        { seed: 9 },
      );
      m.build([null, 8, 8, 1]);
      m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
      const h = await m.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0 });
      return { loss: h.history.loss, weights: m.getWeights().map((w) => Array.from(w.data)) };
    };
    const [a, b, plain] = [await run(true), await run(true), await run(false)];
    expect(b).toEqual(a);
    expect(plain.loss).not.toEqual(a.loss);
  });
});
