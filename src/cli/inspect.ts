/** `mnist-nn evaluate`, `predict` and `show`: looking at a trained model and at the data. */
import { loadMnist } from '../data/mnist.js';
import { MnistNnError, ValueError } from '../errors.js';
import { loadImageFile } from '../image/codecs.js';
import { Tensor } from '../tensor/tensor.js';
import { plotDigits } from '../plot/plots.js';
import { UsageError, choiceFlag, intFlag, parse } from './args.js';
import { assess, classTable, confusionTable, loadModelFrom, modelInput } from './common.js';

export const EVALUATE_HELP = `Usage: mnist-nn evaluate MODEL

MODEL is a model file, told by content: mnist-nn's (model.mnn, as written by mnist-nn train),
Keras's (.keras, or the legacy .h5) or a TensorFlow.js Layers model.json; or a directory holding
model.mnn, model.json, model.keras or model.h5. The model must take 28×28 digits and end in a
softmax over 10 classes. Prints its accuracy and loss on the 10,000 MNIST test digits, per-class precision, recall and F1,
and the confusion matrix (rows true digit, columns predicted).

Options:
  -h, --help   this help
`;

export const PREDICT_HELP = `Usage: mnist-nn predict MODEL IMAGE...

Classifies PNG or JPEG images of any size, colour and background with MODEL (a model file:
mnist-nn's .mnn, Keras's .keras or .h5, a TensorFlow.js model.json; or a directory holding one as
model.mnn, model.json, model.keras or model.h5), read 128 at a time. Each image is made MNIST-like first:
grayscale, white digit on black, cropped to the digit, scaled to fit 20×20 and centred by centre of
mass in 28×28. In a photo the digit is found as a document scanner finds it: its own strokes decide
whether the ink is dark or light, and the desk, rules, printed boxes, shadows and specks around it
are left out. Images up to 100 megapixels are read (a 50 MP phone photo decodes in about 5 s).

Prints one line per image:  FILE: DIGIT  p0 p1 ... p9  (the ten probabilities).
An image that is missing or unreadable gets a one-line error on stderr naming it; the other images
are still classified, and the exit code is then 2.

Options:
  -h, --help   this help
`;

export const SHOW_HELP = `Usage: mnist-nn show [options]

Writes a grid of the first MNIST digits captioned with their labels, as PNG or SVG (by --out's extension).

Options:
  --split train|test   which set (default train)
  --count N            how many digits, 1 to 400 (default 49)
  --out FILE           the .png or .svg to write (default digits.png)
  -h, --help           this help
`;

export async function evaluate(argv: string[]): Promise<void> {
  const { values, positionals } = parse('evaluate', argv, {}, true);
  if (values.help) return void process.stdout.write(EVALUATE_HELP);
  if (positionals.length !== 1)
    throw new UsageError(
      `evaluate: expected one model (a file or a directory), got ${positionals.length} arguments (see mnist-nn evaluate --help)`,
    );
  const model = await loadModelFrom('evaluate', positionals[0]);
  const { xTest, yTest } = loadMnist();
  const a = await assess(model, modelInput(model, xTest), yTest);
  console.log(
    `Test accuracy: ${(100 * a.accuracy).toFixed(2)}%  (${Math.round(a.accuracy * yTest.shape[0])}/${yTest.shape[0]})`,
  );
  console.log(`Test loss: ${a.loss.toFixed(4)}`);
  console.log('');
  console.log(classTable(a.classes));
  console.log('');
  console.log('Confusion matrix (rows true digit, columns predicted):');
  console.log(confusionTable(a.confusion));
}

/**
 * Images are read and predicted this many at a time: one model call per chunk instead of one per
 * image (10,000 digits: one call per image costs the per-call overhead 10,000 times), while memory
 * stays bounded by the chunk ([128, 28, 28] floats), however many files are named.
 */
export const PREDICT_CHUNK = 128;

/** Resolves to the exit code: 0, or 2 when some image could not be read. */
export async function predict(argv: string[]): Promise<number> {
  const { values, positionals } = parse('predict', argv, {}, true);
  if (values.help) return (void process.stdout.write(PREDICT_HELP), 0);
  if (positionals.length < 2)
    throw new UsageError(
      'predict: expected a model (a file or a directory) and at least one image (see mnist-nn predict --help)',
    );
  const [dir, ...files] = positionals;
  const model = await loadModelFrom('predict', dir);
  let failed = 0;
  for (let lo = 0; lo < files.length; lo += PREDICT_CHUNK) {
    // The chunk's readable images, each [28, 28], stacked into x [k, 28, 28].
    const read: string[] = [];
    const x = new Float32Array(PREDICT_CHUNK * 784);
    for (const file of files.slice(lo, lo + PREDICT_CHUNK)) {
      try {
        x.set(loadImageFile(file).data, read.length * 784);
      } catch (e) {
        if (!(e instanceof MnistNnError)) throw e;
        process.stderr.write(`mnist-nn predict: ${e.message.split('\n')[0]}\n`);
        failed++;
        continue;
      }
      read.push(file);
    }
    if (read.length === 0) continue;
    const images = new Tensor(x.subarray(0, read.length * 784), [read.length, 28, 28]);
    const probs = (await model.predict(modelInput(model, images, 1), { batchSize: PREDICT_CHUNK })) as Tensor;
    read.forEach((file, i) => {
      const p = Array.from(probs.data.subarray(i * 10, (i + 1) * 10));
      if (!p.every(Number.isFinite))
        throw new ValueError(
          `predict: the model gave non-finite probabilities for ${file} (${p.join(', ')}): its weights have overflowed.`,
        );
      const digit = p.indexOf(Math.max(...p));
      console.log(`${file}: ${digit}  ${p.map((v) => v.toFixed(4)).join(' ')}`);
    });
  }
  return failed > 0 ? 2 : 0;
}

export async function show(argv: string[]): Promise<void> {
  const { values } = parse(
    'show',
    argv,
    { split: { type: 'string' }, count: { type: 'string' }, out: { type: 'string' } },
    false,
  );
  if (values.help) return void process.stdout.write(SHOW_HELP);
  const split = choiceFlag('show', 'split', values.split as string | undefined, ['train', 'test'] as const, 'train');
  const count = intFlag('show', 'count', values.count as string | undefined, 49, 1, 400);
  const out = (values.out as string | undefined) ?? 'digits.png';
  const data = loadMnist();
  const [x, y] = split === 'train' ? [data.xTrain, data.yTrain] : [data.xTest, data.yTest];
  const plot = await plotDigits(x.slice(0, count), y.slice(0, count), {
    columns: Math.ceil(Math.sqrt(count)),
    title: `The first ${count} MNIST ${split} digits and their labels`,
  });
  try {
    await plot.save(out);
  } catch (e) {
    if (!(e instanceof MnistNnError)) throw e;
    throw new UsageError(`show: cannot write --out ${out}: ${e.message.replace(/^save: /, '')}`);
  }
  console.log(`Wrote ${out} (${count} ${split} digits).`);
}
