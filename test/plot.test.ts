// The plotting API: every chart renders to well-formed SVG carrying its text and to a PNG that
// decodes, in the colours and at the size asked; bad input is a typed error naming the option; and
// the chart packages are never imported statically, so `import 'mnist-nn'` does not load them.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { FileError, History, ShapeError, ValueError, tensor } from '../src/index.js';
import {
  Plot,
  plotClassMetrics,
  plotConfusion,
  plotDigits,
  plotHistory,
  plotProbabilities,
} from '../src/plot/plots.js';
import { countColor, decodePng, svgRoot, svgTexts } from './helpers/svg.js';

const BLUE = [0x1f, 0x77, 0xb4];
const ORANGE = [0xff, 0x7f, 0x0e];
const RED = [0xd6, 0x27, 0x28];
const dir = mkdtempSync(join(tmpdir(), 'mnist-nn-plot-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const history = {
  loss: [0.9, 0.5, 0.31, 0.22],
  accuracy: [0.71, 0.86, 0.91, 0.94],
  val_loss: [0.6, 0.42, 0.35, 0.33],
  val_accuracy: [0.82, 0.88, 0.9, 0.905],
  learning_rate: [0.001, 0.001, 0.001, 0.001],
  lr: [0.001, 0.001, 0.001, 0.001],
};

/** A 4×4 checkerboard as a one-image tensor [1, 16] of bytes (ink 255 on 0). */
const checker = tensor(
  Uint8Array.from({ length: 16 }, (_, i) => (((i >> 2) + i) % 2 ? 255 : 0)),
  [1, 16],
);

describe('plotHistory', () => {
  it('draws loss and accuracy side by side, training and validation, and a PNG of twice the size', async () => {
    const p = await plotHistory(history, { title: 'mlp: training' });
    expect(svgRoot(p.svg).name).toBe('svg');
    const texts = svgTexts(p.svg);
    for (const t of ['mlp: training', 'loss', 'accuracy', 'epoch', 'training', 'validation', '4'])
      expect(texts, t).toContain(t);
    // A constant learning rate is left out; so is the `lr` alias.
    expect(texts).not.toContain('learning_rate');
    expect(texts).not.toContain('lr');
    expect(String(p)).toBe(p.svg);
    const png = decodePng(await p.toPng());
    expect([png.width, png.height]).toEqual([2 * p.width, 2 * p.height]);
    expect(countColor(png, BLUE, 10)).toBeGreaterThan(200);
    expect(countColor(png, ORANGE, 10)).toBeGreaterThan(200);
  });

  it('takes the History fit resolves to', async () => {
    const h = new History();
    h.onEpochEnd(0, { loss: 0.5, accuracy: 0.8, val_loss: 0.4, val_accuracy: 0.85 });
    h.onEpochEnd(1, { loss: 0.3, accuracy: 0.9, val_loss: 0.35, val_accuracy: 0.88 });
    expect(svgTexts((await plotHistory(h)).svg)).toEqual(
      expect.arrayContaining(['loss', 'accuracy', 'validation', '2']),
    );
  });

  it('draws a changing learning rate, and only the metrics asked for', async () => {
    const texts = svgTexts((await plotHistory({ ...history, learning_rate: [0.001, 0.01, 0.004, 0.0001] })).svg);
    expect(texts).toContain('learning_rate');
    const only = svgTexts((await plotHistory(history, { metrics: ['accuracy'] })).svg);
    expect(only).toContain('accuracy');
    expect(only).not.toContain('loss');
    // No validation recorded: no validation curve, no legend entry for it.
    expect(svgTexts((await plotHistory({ loss: [1, 0.5] })).svg)).not.toContain('validation');
    // A diverged epoch (NaN, Infinity) leaves a gap rather than breaking the chart.
    expect(svgTexts((await plotHistory({ loss: [2, NaN, 1, Infinity, 0.5] })).svg)).toContain('loss');
  });

  it('names a metric the history lacks, and refuses unknown options', async () => {
    await expect(plotHistory(history, { metrics: ['precision'] })).rejects.toThrow(ValueError);
    await expect(plotHistory(history, { metrics: ['precision'] })).rejects.toThrow(
      /metrics names 'precision'.*it has loss, accuracy, learning_rate/,
    );
    await expect(plotHistory(history, { epochs: 3 } as never)).rejects.toThrow(/unknown option 'epochs'/);
    await expect(plotHistory(history, { width: 10 })).rejects.toThrow(/width must be an integer ≥ 50/);
    await expect(plotHistory(null as never)).rejects.toThrow(/history must be a History/);
    await expect(plotHistory([1, 2] as never)).rejects.toThrow(ValueError);
  });
});

describe('plotDigits', () => {
  const images = tensor(
    Uint8Array.from({ length: 3 * 784 }, (_, i) => (i % 784 > 300 && i % 784 < 500 ? 255 : 0)),
    [3, 28, 28],
  );

  it('captions each digit with its label, a wrong prediction in red with the truth, and the top two probabilities', async () => {
    const probs = tensor(
      [
        0.997, 0.002, 0.001, 0, 0, 0, 0, 0, 0, 0, 0.1, 0.2, 0.7, 0, 0, 0, 0, 0, 0, 0, 0.3, 0.6, 0.1, 0, 0, 0, 0, 0, 0,
        0,
      ],
      [3, 10],
    );
    const p = await plotDigits(images, [0, 2, 2], { probabilities: probs, title: 'three digits', columns: 3 });
    const texts = svgTexts(p.svg);
    expect(texts).toEqual(
      expect.arrayContaining([
        'three digits',
        '0',
        '2',
        '1 (true 2)',
        '0: 100%  1: <1%',
        '2: 70%  1: 20%',
        '1: 60%  0: 30%',
      ]),
    );
    const png = decodePng(await p.toPng());
    expect(countColor(png, RED, 30)).toBeGreaterThan(50); // the wrong one's caption
    // the ink: 200 pixels of each digit, each 2×2 on screen and 2× in the PNG
    expect(countColor(png, [0, 0, 0], 8)).toBeGreaterThan(3 * 200 * 4);
  });

  it('draws pixels as squares, not smoothed', async () => {
    // Each of the 4×4 cells is 16×16 on screen: a smoothed image would have grays along every edge.
    const png = decodePng(await (await plotDigits(checker, null, { pixels: 64 })).toPng({ scale: 1 }));
    const black = countColor(png, [0, 0, 0], 4);
    const mid = countColor(png, [128, 128, 128], 90);
    expect(black).toBe(8 * 16 * 16);
    expect(mid).toBe(0);
  });

  it('takes floats in [0, 1] and [n, 784] and [n, 28, 28, 1] alike', async () => {
    const a = (await plotDigits(images, [1, 2, 3])).svg;
    expect((await plotDigits(images.div(255), [1, 2, 3])).svg).toBe(a);
    expect((await plotDigits(images.reshape([3, 784]), [1, 2, 3])).svg).toBe(a);
    expect((await plotDigits(images.reshape([3, 28, 28, 1]), [1, 2, 3])).svg).toBe(a);
  });

  it('refuses shapes and labels that do not fit, naming them', async () => {
    await expect(plotDigits(tensor(new Float32Array(3 * 28 * 27), [3, 28, 27]))).rejects.toThrow(ShapeError);
    await expect(plotDigits(images, [1, 2])).rejects.toThrow(/labels has 2 labels, expected 3/);
    await expect(plotDigits(images, [1, 2, 3], { predictions: [1, 2.5, 3] })).rejects.toThrow(
      /predictions\[1\] is 2.5/,
    );
    await expect(plotDigits(images, null, { probabilities: tensor(new Float32Array(20), [2, 10]) })).rejects.toThrow(
      /probabilities must be \[3, classes\]/,
    );
    await expect(plotDigits(images, null, { columns: 0 })).rejects.toThrow(/columns must be an integer ≥ 1/);
  });
});

describe('plotProbabilities', () => {
  it('draws ten bars with their values, the most probable in blue', async () => {
    const probs = tensor([0.01, 0.02, 0.9, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01], [1, 10]);
    const p = await plotProbabilities(probs, { title: 'test digit 1' });
    const texts = svgTexts(p.svg);
    expect(texts).toEqual(expect.arrayContaining(['test digit 1', 'digit', 'probability', '0.90', '0.02', '9']));
    expect(countColor(decodePng(await p.toPng()), BLUE, 6)).toBeGreaterThan(2000);
    expect(svgTexts((await plotProbabilities([0.3, 0.7])).svg)).toContain('0.70');
  });

  it('refuses more than one row and values outside [0, 1]', async () => {
    await expect(plotProbabilities(tensor(new Float32Array(20), [2, 10]))).rejects.toThrow(ShapeError);
    await expect(plotProbabilities([0.5, -0.1, 0.6])).rejects.toThrow(/probs\[1\] is -0.1/);
  });
});

describe('plotConfusion and plotClassMetrics', () => {
  const yTrue = [0, 0, 1, 1, 1, 2, 2, 2, 2];
  const yPred = [0, 1, 1, 1, 1, 2, 2, 0, 2];

  it('writes every count of the matrix in its cell, with the axes named', async () => {
    const p = await plotConfusion(yTrue, yPred, { classes: 3, title: 'confusion' });
    const texts = svgTexts(p.svg);
    expect(texts).toEqual(expect.arrayContaining(['confusion', 'predicted', 'true', '3']));
    // The nine cells' counts: 1 1 0 / 0 3 0 / 1 0 3.
    const counts = texts.filter((t) => /^\d$/.test(t));
    for (const [c, n] of [
      ['3', 2],
      ['1', 3],
      ['0', 4],
    ] as const)
      expect(counts.filter((t) => t === c).length, c).toBeGreaterThanOrEqual(n);
    decodePng(await p.toPng({ scale: 1 }));
  });

  it('draws precision and recall per class', async () => {
    const p = await plotClassMetrics(tensor(yTrue, [9], 'int32'), tensor(yPred, [9], 'int32'));
    const texts = svgTexts(p.svg);
    expect(texts).toEqual(expect.arrayContaining(['precision', 'recall', 'digit', '9'])); // 10 classes by default
    const png = decodePng(await p.toPng({ scale: 1 }));
    expect(countColor(png, BLUE, 6)).toBeGreaterThan(500);
    expect(countColor(png, ORANGE, 6)).toBeGreaterThan(500);
  });

  it('refuses labels that do not pair up or exceed the classes', async () => {
    await expect(plotConfusion([0, 1], [0])).rejects.toThrow(/yPred has 1 labels, expected 2/);
    await expect(plotConfusion([0, 5], [0, 1], { classes: 3 })).rejects.toThrow(
      /yTrue\[1\] is 5, but classes is 3; a label must be one of them/,
    );
    await expect(plotConfusion([0, 1], [0, 4], { classes: 3 })).rejects.toThrow(/yPred\[1\] is 4, but classes is 3/);
    await expect(plotClassMetrics([0, -1], [0, 1])).rejects.toThrow(/yTrue\[1\] is -1/);
  });

  it('a stray label is refused before the matrix is sized by it (60000 would be gigabytes)', async () => {
    const t = [0, 1, 60000, 2];
    const q = [0, 1, 2, 2];
    for (const plot of [plotConfusion, plotClassMetrics]) {
      await expect(plot(t, q)).rejects.toThrow(ValueError);
      await expect(plot(t, q)).rejects.toThrow(
        /yTrue\[2\] is 60000, but the predictions have classes 0 to 9; .*pass classes/,
      );
    }
    // A stray prediction, or classes, beyond what a plot can draw.
    await expect(plotConfusion(q, [0, 1, 60000, 2])).rejects.toThrow(/yPred\[2\] is 60000; a plot draws at most 100/);
    await expect(plotConfusion(t, q, { classes: 60001 })).rejects.toThrow(
      /classes must be at most 100 \(a plot of more is unreadable\), got 60001/,
    );
    // A class the model has but never predicted here is plotted when classes says so.
    const p = await plotConfusion([0, 11], [0, 1], { classes: 12 });
    expect(svgTexts(p.svg)).toContain('11');
  });
});

describe('Plot.save', () => {
  it('writes SVG or PNG by the extension, and refuses another or a path it cannot write', async () => {
    const p = await plotProbabilities([0.2, 0.8]);
    expect(readFileSync(await p.save(join(dir, 'p.svg')), 'utf8')).toBe(p.svg);
    expect(decodePng(readFileSync(await p.save(join(dir, 'p.PNG'), { scale: 1 }))).width).toBe(p.width);
    await expect(p.save(join(dir, 'p.jpg'))).rejects.toThrow(ValueError);
    await expect(p.save(join(dir, 'missing', 'p.png'))).rejects.toThrow(FileError);
    expect(existsSync(join(dir, 'p.jpg'))).toBe(false);
    await expect(p.toPng({ scale: 0 })).rejects.toThrow(/scale must be a number in \(0, 8\]/);
    await expect(p.save(join(dir, 'q.png'), { dpi: 300 } as never)).rejects.toThrow(/save: unknown option 'dpi'/);
    expect(p).toBeInstanceOf(Plot);
  });
});

describe('loading', () => {
  it('imports the chart packages only dynamically: nothing reachable from the entries imports them statically', () => {
    const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../src');
    const CHART_PACKAGES = /^(vega|vega-lite|@resvg\/resvg-wasm|dejavu-fonts-ttf)(\/|$)/;
    const seen = new Set<string>();
    const offenders: string[] = [];
    const visit = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = readFileSync(file, 'utf8');
      // Static imports and re-exports (type-only ones are erased, so they load nothing).
      for (const m of text.matchAll(
        /(?:^|\n)\s*(import|export)\s+(type\s+)?[^;]*?from\s+'([^']+)'|(?:^|\n)\s*import\s+'([^']+)'/g,
      )) {
        if (m[2]) continue;
        const spec = m[3] ?? m[4];
        if (spec.startsWith('.')) visit(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
        else if (CHART_PACKAGES.test(spec)) offenders.push(`${file}: ${spec}`);
      }
    };
    visit(join(SRC, 'index.ts'));
    visit(join(SRC, 'browser.ts'));
    expect(seen.has(join(SRC, 'plot/render.ts'))).toBe(true); // the walk reaches the renderer
    expect(offenders).toEqual([]);
  });
});
