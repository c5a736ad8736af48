// The mnist-nn command: the metrics behind its report, and each subcommand run end to end.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Conv2D,
  Dense,
  Flatten,
  Sequential,
  encodePng,
  loadImageFile,
  loadMnist,
  loadModel,
  tensor,
  type Tensor,
} from '../src/index.js';
import { loadModelFrom } from '../src/cli/common.js';
import { UsageError } from '../src/cli/args.js';
import { PREDICT_CHUNK, show } from '../src/cli/inspect.js';
import { train as trainCommand } from '../src/cli/train.js';
import { accuracyOf, confusionMatrix, perClass } from '../src/metrics/classification.js';
import { escapeHtml, type TrainReport } from '../src/report/html.js';
import { svgTexts } from './helpers/svg.js';

const MAIN = join(import.meta.dirname, '..', 'src', 'cli', 'main.ts');

function cli(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    encoding: 'utf8',
    cwd: join(import.meta.dirname, '..'),
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const PNG_MAGIC = '89504e470d0a1a0a';
/** The charts every `train` writes, in the report's order. */
const CHARTS = ['loss', 'accuracy', 'confusion', 'class-metrics', 'samples', 'misclassified'];
const isPng = (path: string) => Buffer.from(readFileSync(path).subarray(0, 8)).toString('hex') === PNG_MAGIC;

describe('metrics', () => {
  // 3 classes; true 0: 3 right, 1 as 1. true 1: 2 right, 1 as 2. true 2: none (class never present), 1 predicted as 2
  // from class 1.
  const yTrue = [0, 0, 0, 0, 1, 1, 1];
  const yPred = [0, 0, 0, 1, 1, 1, 2];
  const m = confusionMatrix(yTrue, yPred, 3);

  it('counts rows true, columns predicted', () => {
    expect(m).toEqual([
      [3, 1, 0],
      [0, 2, 1],
      [0, 0, 0],
    ]);
    expect(accuracyOf(m)).toBeCloseTo(5 / 7, 12);
  });

  it('gives precision, recall, F1 and support, 0 where undefined', () => {
    const c = perClass(m);
    expect(c[0]).toEqual({ precision: 1, recall: 0.75, f1: (2 * 0.75) / 1.75, support: 4 });
    expect(c[1].precision).toBeCloseTo(2 / 3, 12);
    expect(c[1].recall).toBeCloseTo(2 / 3, 12);
    expect(c[1].f1).toBeCloseTo(2 / 3, 12);
    expect(c[1].support).toBe(3);
    expect(c[2]).toEqual({ precision: 0, recall: 0, f1: 0, support: 0 });
    expect(
      perClass([
        [0, 0],
        [0, 0],
      ]),
    ).toEqual([
      { precision: 0, recall: 0, f1: 0, support: 0 },
      { precision: 0, recall: 0, f1: 0, support: 0 },
    ]);
  });

  it('rejects labels outside the classes and mismatched lengths', () => {
    expect(() => confusionMatrix([0, 3], [0, 1], 3)).toThrow(/sample 1/);
    expect(() => confusionMatrix([0], [0, 1], 3)).toThrow(/1 true labels but 2/);
  });

  it('escapes HTML', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
});

describe('mnist-nn command', () => {
  let dir: string;
  let train: ReturnType<typeof cli>;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'mnist-nn-cli-'));
    train = cli('train', '--model', 'mlp', '--epochs', '1', '--limit', '2000', '--out', join(dir, 'run'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('train writes the model and every report file', () => {
    expect(train.stderr).toBe('');
    expect(train.code).toBe(0);
    expect(train.stdout).toMatch(/Test accuracy: \d+\.\d\d%/);
    const run = join(dir, 'run');
    for (const f of ['model.mnn', 'report.json', 'index.html']) expect(existsSync(join(run, f)), f).toBe(true);
    for (const f of CHARTS) expect(isPng(join(run, `${f}.png`)), f).toBe(true);
    expect(existsSync(join(run, 'learning-rate.png'))).toBe(false); // a constant rate is not charted
    const report = JSON.parse(readFileSync(join(run, 'report.json'), 'utf8')) as TrainReport;
    expect(report.model).toBe('mlp');
    expect(report.settings).toMatchObject({
      epochs: 1,
      batchSize: 32,
      optimizer: 'adam',
      learningRate: 0.001,
      validationSplit: 0.1,
      seed: 4,
      limit: 2000,
    });
    expect(report.trainSamples).toBe(1800);
    expect(report.validationSamples).toBe(200);
    for (const k of ['loss', 'accuracy', 'val_loss', 'val_accuracy'] as const)
      expect(report.history[k]).toHaveLength(1);
    expect(report.test.accuracy).toBeGreaterThan(0.7);
    expect(report.test.loss).toBeGreaterThan(0);
    expect(report.perClass).toHaveLength(10);
    expect(Object.keys(report.perClass[0]).sort()).toEqual(['digit', 'f1', 'precision', 'recall', 'support']);
    expect(report.confusion.flat().reduce((a, b) => a + b, 0)).toBe(10000);
    expect(report.wallTimeSeconds).toBeGreaterThan(0);
  });

  it("train's index.html has every chart inline as SVG, its text real text, linking to its PNG, ids unique", () => {
    const html = readFileSync(join(dir, 'run', 'index.html'), 'utf8');
    const svgs = [
      ...html.matchAll(
        /<figure id="([^"]+)">\n(<svg[\s\S]*?<\/svg>)\n<figcaption>[^<]*\(<a href="([^"]+)">PNG<\/a>\)/g,
      ),
    ];
    expect(svgs.map((m) => m[1])).toEqual(CHARTS);
    for (const [, name, svg, png] of svgs) {
      expect(png).toBe(`${name}.png`);
      const texts = svgTexts(svg);
      expect(texts.length, name).toBeGreaterThan(5);
      if (name === 'loss')
        expect(texts).toEqual(expect.arrayContaining(['mlp: loss', 'epoch', 'training', 'validation']));
      if (name === 'confusion') expect(texts).toEqual(expect.arrayContaining(['predicted', 'true']));
      if (name === 'class-metrics') expect(texts).toEqual(expect.arrayContaining(['precision', 'recall']));
      if (name === 'misclassified')
        expect(
          texts.some((t) => /^\d \(true \d\)$/.test(t)) && texts.some((t) => /^\d: \d+% {2}\d: \d+%$/.test(t)),
        ).toBe(true);
    }
    const ids = [...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
    for (const [, ref] of html.matchAll(/url\(#([^)]+)\)/g)) expect(ids).toContain(ref);
  });

  it('a scheduled run charts its learning rate', () => {
    const run = join(dir, 'speedrun');
    const r = cli('train', '--model', 'speedrun', '--epochs', '2', '--limit', '300', '--out', run);
    expect(r.code, r.stderr).toBe(0);
    expect(isPng(join(run, 'learning-rate.png'))).toBe(true);
    expect(readFileSync(join(run, 'index.html'), 'utf8')).toContain('<figure id="learning-rate">');
  });

  it('train without a validation split says so under its curves', () => {
    const run = join(dir, 'nosplit');
    const r = cli(
      'train',
      '--model',
      'deep-mlp',
      '--epochs',
      '1',
      '--limit',
      '500',
      '--validation-split',
      '0',
      '--out',
      run,
    );
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(readFileSync(join(run, 'report.json'), 'utf8')) as TrainReport;
    expect(Object.keys(report.history)).not.toContain('val_loss');
    const html = readFileSync(join(run, 'index.html'), 'utf8');
    expect(html).toContain('Loss per epoch, training (no validation split)');
    expect(html).not.toContain('validation<');
    expect(readFileSync(join(dir, 'run', 'index.html'), 'utf8')).toContain('Loss per epoch, training and validation');
  });

  it('evaluate into a pipe closed early (| head -1) ends quietly', () => {
    const r = spawnSync(
      'bash',
      [
        '-c',
        `"${process.execPath}" --import tsx "${MAIN}" evaluate "${join(dir, 'run')}" | head -1; echo "status \${PIPESTATUS[0]}"`,
      ],
      { encoding: 'utf8', cwd: join(import.meta.dirname, '..') },
    );
    expect(r.stdout).toMatch(/^Test accuracy: \d+\.\d\d% [^\n]*\nstatus 0\n$/);
    expect(r.stderr).toBe('');
  });

  it('evaluate prints accuracy, per-class figures and the confusion matrix', () => {
    const r = cli('evaluate', join(dir, 'run'));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Test accuracy: \d+\.\d\d%/m);
    expect(r.stdout).toMatch(/^Test loss: \d+\.\d{4}$/m);
    expect(r.stdout).toMatch(/precision\s+recall\s+f1\s+support/);
    expect(r.stdout).toMatch(/true\\pred/);
  });

  it('predict classifies a drawn PNG and names a bad file', () => {
    // Test digit 0 (a 7), upscaled 4× and inverted to black on white, as a person would draw it.
    const { xTest, yTest } = loadMnist();
    const s = 4;
    const big = new Uint8Array(28 * s * 28 * s);
    for (let y = 0; y < 28 * s; y++)
      for (let x = 0; x < 28 * s; x++) big[y * 28 * s + x] = 255 - xTest.data[((y / s) | 0) * 28 + ((x / s) | 0)];
    const png = join(dir, 'seven.png');
    writeFileSync(png, encodePng(28 * s, 28 * s, big));
    const notImage = join(dir, 'notes.txt');
    writeFileSync(notImage, 'not an image');

    const r = cli('predict', join(dir, 'run'), png, notImage, join(dir, 'missing.png'));
    expect(r.code).toBe(2);
    const line = r.stdout.trim().split('\n');
    expect(line).toHaveLength(1);
    const m = /^(.+): (\d) {2}((?:\d\.\d{4} ?){10})$/.exec(line[0]);
    expect(m, line[0]).not.toBeNull();
    expect(m![1]).toBe(png);
    const probs = m![3].trim().split(' ').map(Number);
    expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 2);
    expect(Number(m![2])).toBe(yTest.data[0]);
    expect(r.stderr).toContain('notes.txt');
    expect(r.stderr).toContain('missing.png');
    expect(r.stderr.trim().split('\n')).toHaveLength(2);
  });

  it('predict refuses to print a digit for non-finite probabilities', async () => {
    // The trained MLP with its weights blown up: the logits overflow to ±Infinity, and their sum to NaN.
    const model = await loadModel(join(dir, 'run', 'model.mnn'));
    model.setWeights(model.getWeights().map((w) => w.mul(w.rank === 2 ? 1e36 : 1)));
    mkdirSync(join(dir, 'overflow'));
    await model.save(join(dir, 'overflow', 'model.mnn'));
    const png = join(dir, 'dot.png');
    const img = new Uint8Array(28 * 28).fill(255);
    for (let y = 10; y < 18; y++) for (let x = 12; x < 16; x++) img[y * 28 + x] = 0;
    writeFileSync(png, encodePng(28, 28, img));
    const r = cli('predict', join(dir, 'overflow'), png);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      /^mnist-nn: predict: the model gave non-finite probabilities for .*dot\.png \(.*NaN.*\): its weights have overflowed\.\n$/,
    );
  });

  it('evaluate and predict read a TensorFlow.js model directory as loadModel does', async () => {
    const model = await loadModel(join(dir, 'run', 'model.mnn'));
    await model.save(join(dir, 'tfjs'), { format: 'tfjs' });
    expect(existsSync(join(dir, 'tfjs', 'model.mnn'))).toBe(false);
    const ours = cli('evaluate', join(dir, 'run'));
    const theirs = cli('evaluate', join(dir, 'tfjs'));
    expect(theirs.stderr).toBe('');
    expect(theirs.code).toBe(0);
    expect(theirs.stdout).toBe(ours.stdout); // float32 weights either way: the same predictions
    const png = join(dir, 'dot4.png');
    const img = new Uint8Array(28 * 28).fill(255);
    for (let y = 6; y < 22; y++) img[y * 28 + 14] = 0;
    writeFileSync(png, encodePng(28, 28, img));
    const a = cli('predict', join(dir, 'run'), png);
    const b = cli('predict', join(dir, 'tfjs'), png);
    expect(b.code, b.stderr).toBe(0);
    expect(b.stdout).toBe(a.stdout);
  });

  it('evaluate and predict take a Keras file; convert turns it into .keras, TensorFlow.js and mnist-nn files that evaluate the same', () => {
    const FIXTURES = join(import.meta.dirname, 'fixtures', 'keras');
    const h5 = cli('evaluate', join(FIXTURES, 'moon.h5'));
    expect(h5.stderr).toBe('');
    expect(h5.stdout).toMatch(/^Test accuracy: 99\.28% {2}\(9928\/10000\)\n/); // reference.json's accuracy
    const out = join(dir, 'converted');
    mkdirSync(out, { recursive: true });
    const toKeras = cli('convert', join(FIXTURES, 'moon.h5'), join(out, 'moon.keras'));
    expect(toKeras.stderr).toBe('');
    expect(toKeras.stdout).toBe(
      `Wrote ${join(out, 'moon.keras')} (Keras 3 .keras file): Conv2D, MaxPooling2D, Conv2D, MaxPooling2D, Flatten, Dropout, Dense; 34,826 parameters.\n`,
    );
    expect(cli('convert', join(out, 'moon.keras'), join(out, 'tfjs')).stdout).toContain('(TensorFlow.js Layers model)');
    expect(cli('convert', join(out, 'tfjs'), join(out, 'moon.mnn')).stdout).toContain('(mnist-nn model file)');
    expect(cli('convert', join(out, 'moon.mnn'), join(out, 'back'), '--format', 'keras').code).toBe(0);
    for (const m of [join(out, 'moon.keras'), join(out, 'tfjs'), join(out, 'moon.mnn'), join(out, 'back')])
      expect(cli('evaluate', m).stdout, m).toBe(h5.stdout);
    const png = join(dir, 'stroke.png');
    const img = new Uint8Array(28 * 28).fill(255);
    for (let y = 5; y < 23; y++) img[y * 28 + 13] = img[y * 28 + 14] = 0;
    writeFileSync(png, encodePng(28, 28, img));
    const a = cli('predict', join(FIXTURES, 'moon.keras'), png);
    expect(a.code, a.stderr).toBe(0);
    expect(a.stdout).toMatch(/stroke\.png: 1 {2}/);
    expect(cli('predict', join(out, 'tfjs'), png).stdout).toBe(cli('predict', join(FIXTURES, 'moon.h5'), png).stdout);
    const refused = cli('convert', join(FIXTURES, 'moon.keras'), join(out, 'm.h5'));
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe(
      `mnist-nn: convert: ${join(out, 'm.h5')}: mnist-nn writes Keras 3's .keras file, not the legacy .h5 (name the output ${join(out, 'm.keras')}).\n`,
    );
    expect(cli('convert', join(FIXTURES, 'moon.keras')).code).toBe(2);
    expect(cli('convert', join(dir, 'nowhere.keras'), join(out, 'x.mnn')).stderr).toMatch(
      /^mnist-nn: cannot read .*nowhere\.keras: no such file \(ENOENT\)\n$/,
    );
  });

  it('convert takes a run directory as evaluate does, and refuses an OUT extension no format owns (issue 29)', () => {
    const run = join(dir, 'run');
    const out = join(dir, 'from-run');
    mkdirSync(out);
    const keras = cli('convert', run, join(out, 'run.keras'));
    expect(keras.stderr).toBe('');
    expect(keras.code).toBe(0);
    expect(keras.stdout).toMatch(/^Wrote .*run\.keras \(Keras 3 \.keras file\): Flatten, Dense/);
    expect(cli('evaluate', join(out, 'run.keras')).stdout).toBe(cli('evaluate', run).stdout);
    const onnx = cli('convert', run, join(out, 'x.onnx'));
    expect(onnx.code).toBe(2);
    expect(onnx.stderr).toBe(
      `mnist-nn: convert: ${join(out, 'x.onnx')}: no format mnist-nn writes has the extension .onnx; ` +
        ".mnn is mnist-nn's file and .keras Keras 3's; an OUT without one is written as a TensorFlow.js directory.\n",
    );
    expect(cli('convert', run, join(out, 'model.json')).stderr).toMatch(
      /a TensorFlow\.js model is a directory holding model\.json/,
    );
    expect(readdirSync(out)).toEqual(['run.keras']);
    const empty = join(dir, 'empty-run');
    mkdirSync(empty);
    expect(cli('convert', empty, join(out, 'y.mnn')).stderr).toBe(
      `mnist-nn: convert: ${empty} holds no model: expected model.mnn, model.json, model.keras or model.h5 in it ` +
        `(train one: mnist-nn train --out ${empty}).\n`,
    );
  });

  it('predict says an all-white image has no ink, as it does an all-black one (issue 29)', () => {
    const files = [255, 0].map((tone) => {
      const png = join(dir, `blank-${tone}.png`);
      writeFileSync(png, encodePng(200, 200, new Uint8Array(200 * 200).fill(tone)));
      return png;
    });
    const r = cli('predict', join(dir, 'run'), ...files);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^mnist-nn predict: .*blank-255\.png: mnistFromImage: the 200×200 image has no ink: /);
    expect(lines[1]).toMatch(/^mnist-nn predict: .*blank-0\.png: mnistFromImage: the 200×200 image has no ink: /);
  });

  it('a directory without a model names what it looked for and the model files it holds', async () => {
    const ckpt = join(dir, 'ckpts');
    mkdirSync(ckpt);
    writeFileSync(join(ckpt, 'ckpt-03-0.1234.mnn'), readFileSync(join(dir, 'run', 'model.mnn')));
    const r = cli('predict', ckpt, join(dir, 'seven.png'));
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `mnist-nn: predict: ${ckpt} holds no model: expected model.mnn, model.json, model.keras or model.h5 in it; it holds ckpt-03-0.1234.mnn: give that file itself.\n`,
    );
    await expect(loadModelFrom('evaluate', join(dir, 'nosuch'))).rejects.toThrow(/nosuch: no such file or directory/);
  });

  it('evaluate and predict refuse a model that is not a 10-digit classifier, naming the file and the shapes', async () => {
    const models: [string, Sequential, RegExp][] = [
      [
        'five',
        new Sequential([new Flatten({ inputShape: [28, 28] }), new Dense(5, { activation: 'softmax' })]),
        /five.model\.mnn gives outputs of shape \[None, 5\]; a digit classifier gives \[None, 10\]/,
      ],
      [
        'colour',
        new Sequential([new Flatten({ inputShape: [32, 32, 3] }), new Dense(10, { activation: 'softmax' })]),
        /colour.model\.mnn takes inputs of shape \[None, 32, 32, 3\]; MNIST digits are 28×28/,
      ],
      [
        'logits',
        new Sequential([new Flatten({ inputShape: [28, 28] }), new Dense(10)]),
        /logits.model\.mnn ends in Dense 'dense\w*' without a softmax/,
      ],
      [
        'map',
        new Sequential([new Conv2D(10, 3, { inputShape: [28, 28, 1], activation: 'softmax' })]),
        /map.model\.mnn gives outputs of shape \[None, 26, 26, 10\]/,
      ],
    ];
    for (const [name, model, message] of models) {
      mkdirSync(join(dir, name));
      await model.save(join(dir, name, 'model.mnn'));
      await expect(loadModelFrom('evaluate', join(dir, name)), name).rejects.toThrow(message);
    }
    // [None, 784] is a digit classifier too (Keras's Dense-first MLPs take flat digits).
    const flat = new Sequential([new Dense(10, { activation: 'softmax', inputShape: [784] })]);
    mkdirSync(join(dir, 'flat'));
    await flat.save(join(dir, 'flat', 'model.mnn'));
    await expect(loadModelFrom('predict', join(dir, 'flat'))).resolves.toBeInstanceOf(Sequential);
    // End to end: one line naming the file, no stack trace.
    for (const cmd of ['evaluate', 'predict']) {
      const r = cli(cmd, join(dir, 'five'), ...(cmd === 'predict' ? [join(dir, 'seven.png')] : []));
      expect(r.code, cmd).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr, cmd).toMatch(
        new RegExp(
          `^mnist-nn: ${cmd}: .*five.model\\.mnn gives outputs of shape \\[None, 5\\]; a digit classifier gives \\[None, 10\\] \\(one probability per digit\\)\\.\\n$`,
        ),
      );
    }
  });

  it('predict reads images in chunks and keeps their order across chunk boundaries', async () => {
    // 2 chunks and a bit: test digits as drawn PNGs, an unreadable file in the middle of the second chunk.
    const { xTest } = loadMnist();
    const n = 2 * PREDICT_CHUNK + 3;
    const files: string[] = [];
    mkdirSync(join(dir, 'many'));
    for (let i = 0; i < n; i++) {
      const f = join(dir, 'many', `${i}.png`);
      writeFileSync(f, encodePng(28, 28, xTest.data.subarray(i * 784, (i + 1) * 784) as Uint8Array));
      files.push(f);
    }
    const broken = join(dir, 'many', 'broken.png');
    writeFileSync(broken, 'not a png');
    files.splice(PREDICT_CHUNK + 5, 0, broken);
    const r = cli('predict', join(dir, 'run'), ...files);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringContaining('broken.png')]);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(n);
    // Each line is what the model says about that one image on its own.
    const model = await loadModel(join(dir, 'run', 'model.mnn'));
    const good = files.filter((f) => f !== broken);
    const probs = (await model.predict(
      tensor(Float32Array.from(good.flatMap((f) => Array.from(loadImageFile(f).data))), [n, 28, 28]),
    )) as Tensor;
    good.forEach((f, i) => {
      const p = Array.from(probs.data.subarray(i * 10, (i + 1) * 10));
      expect(lines[i]).toBe(`${f}: ${p.indexOf(Math.max(...p))}  ${p.map((v) => v.toFixed(4)).join(' ')}`);
    });
  });

  it('numeric flags given a minus sign say their range, not "ambiguous"', async () => {
    // End to end for the two the issue names; the rest in-process, where the same parse runs.
    for (const [args, message] of [
      [['train', '--learning-rate', '-1'], "train: --learning-rate must be a number > 0, got '-1'."],
      [['train', '--seed', '-3'], "train: --seed must be an integer in [0, 4294967295], got '-3'."],
    ] as [string[], string][]) {
      const r = cli(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toBe(`mnist-nn: ${message}\n`);
    }
    for (const [args, message] of [
      [['--epochs', '-2'], "train: --epochs must be an integer >= 1, got '-2'."],
      [['--validation-split', '-0.1'], "train: --validation-split must be a number in [0, 1), got '-0.1'."],
      [['--learning-rate', '-1e-3'], "train: --learning-rate must be a number > 0, got '-1e-3'."],
      [['--learning-rate', '0x10'], "train: --learning-rate must be a number > 0, got '0x10'."],
      [['--limit', '-5'], "train: --limit must be an integer in [2, 60000], got '-5'."],
      [
        ['--seed', '--epochs', '3'],
        "train: --seed needs a value, got the option '--epochs' (see mnist-nn train --help)",
      ],
      [['--seed'], 'train: --seed needs a value (see mnist-nn train --help)'],
    ] as [string[], string][]) {
      await expect(trainCommand(args), args.join(' ')).rejects.toThrow(new UsageError(message));
    }
    await expect(show(['--count', '-1'])).rejects.toThrow(
      new UsageError("show: --count must be an integer in [1, 400], got '-1'."),
    );
  });

  it('show writes a grid of digits', () => {
    const out = join(dir, 'digits.png');
    const r = cli('show', '--split', 'test', '--count', '9', '--out', out);
    expect(r.code).toBe(0);
    expect(isPng(out)).toBe(true);
    const svg = join(dir, 'digits.svg');
    expect(cli('show', '--split', 'test', '--count', '4', '--out', svg).code).toBe(0);
    expect(svgTexts(readFileSync(svg, 'utf8'))).toEqual(
      expect.arrayContaining(['The first 4 MNIST test digits and their labels', '7', '2', '1', '0']),
    );
    const bad = cli('show', '--count', '4', '--out', join(dir, 'digits.jpg'));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/show: cannot write --out .*digits\.jpg: path must end in \.svg or \.png/);
  });

  it('has --help on every subcommand', () => {
    for (const c of ['train', 'evaluate', 'predict', 'show', 'convert']) {
      const r = cli(c, '--help');
      expect(r.code, c).toBe(0);
      expect(r.stdout).toContain(`Usage: mnist-nn ${c}`);
    }
    expect(cli('train', '--help').stdout).toContain('--limit N');
  });

  it('bad flags and missing files exit 2 with a one-line message', () => {
    for (const args of [
      ['train', '--bogus'],
      ['train', '--model', 'resnet'],
      ['train', '--epochs', 'two'],
      ['show', '--count', '0'],
      ['evaluate', join(dir, 'nowhere')],
      ['evaluate', dir],
      ['predict', join(dir, 'run')],
      // --out inside a file
      ['train', '--limit', '100', '--epochs', '1', '--out', join(dir, 'run', 'model.mnn', 'sub')],
      ['frobnicate'],
    ]) {
      const r = cli(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr).toMatch(/^mnist-nn: /);
      expect(r.stdout).toBe('');
    }
    expect(cli('train', '--bogus').stderr).toContain('--bogus');
    expect(cli('evaluate', join(dir, 'nowhere')).stderr).toContain('nowhere');
  });
});
