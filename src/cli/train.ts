/** `mnist-nn train`: trains one of the seed networks on the bundled MNIST and writes the model and a report. */
import { accessSync, constants, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadMnist } from '../data/mnist.js';
import { renderReportHtml, type ReportFigure, type TrainReport } from '../report/html.js';
import { plotClassMetrics, plotConfusion, plotDigits, plotHistory, type Plot } from '../plot/plots.js';
import { UsageError, choiceFlag, intFlag, numFlag, parse } from './args.js';
import { MODEL_FILE, assess, classTable, modelInput } from './common.js';
import {
  DEFAULT_LEARNING_RATE,
  MODEL_DEFAULTS,
  MODELS,
  OPTIMIZERS,
  buildModel,
  makeOptimizer,
} from '../zoo/networks.js';

export const TRAIN_HELP = `Usage: mnist-nn train [options]

Trains a network on the bundled MNIST (pixels /255, sparse labels) with Keras's progress bar,
evaluates it on the 10,000 test digits and writes into the output directory: model.mnn,
report.json, the charts as PNGs (loss, accuracy, the learning rate when it is scheduled,
confusion, class-metrics, samples, misclassified) and index.html showing them all as SVG.

Options:
  --model NAME             ${MODELS.join(' | ')} (default mlp)
${MODELS.map((m) => `                             ${m.padEnd(14)} ${MODEL_DEFAULTS[m].from}: ${MODEL_DEFAULTS[m].about}`).join('\n')}
  --epochs N               default: the tutorial's or example's (${MODELS.map((m) => `${m} ${MODEL_DEFAULTS[m].epochs}`).join(', ')})
  --batch-size B           default: the tutorial's or example's (${MODELS.map((m) => `${m} ${MODEL_DEFAULTS[m].batchSize}`).join(', ')})
  --optimizer NAME         ${OPTIMIZERS.join(' | ')} (default adam; rmsprop for wide-mlp)
  --learning-rate L        default: Keras's (adam 0.001, rmsprop 0.001, sgd 0.01); for ${MODELS.filter((m) => MODEL_DEFAULTS[m].oneCycle).join(' and ')},
                           the peak of the one-cycle rate (${MODELS.filter((m) => MODEL_DEFAULTS[m].oneCycle)
                             .map((m) => `${m} ${MODEL_DEFAULTS[m].oneCycle}`)
                             .join(', ')})
  --validation-split V     fraction of the training digits held out for validation, in [0, 1) (default 0.1)
  --seed S                 integer seed for weights, shuffles and dropout (default 4)
  --limit N                train on the first N digits, for quick runs (the test set stays whole)
  --out DIR                output directory, created if needed (default ./mnist-nn-run)
  -h, --help               this help
`;

export async function train(argv: string[]): Promise<void> {
  const { values } = parse(
    'train',
    argv,
    {
      model: { type: 'string' },
      epochs: { type: 'string' },
      'batch-size': { type: 'string' },
      optimizer: { type: 'string' },
      'learning-rate': { type: 'string' },
      'validation-split': { type: 'string' },
      seed: { type: 'string' },
      limit: { type: 'string' },
      out: { type: 'string' },
    },
    false,
  );
  if (values.help) return void process.stdout.write(TRAIN_HELP);
  const model = choiceFlag('train', 'model', values.model as string | undefined, MODELS, 'mlp');
  const d = MODEL_DEFAULTS[model];
  const epochs = intFlag('train', 'epochs', values.epochs as string | undefined, d.epochs, 1);
  const batchSize = intFlag('train', 'batch-size', values['batch-size'] as string | undefined, d.batchSize, 1);
  const optimizer = choiceFlag('train', 'optimizer', values.optimizer as string | undefined, OPTIMIZERS, d.optimizer);
  const learningRate = numFlag(
    'train',
    'learning-rate',
    values['learning-rate'] as string | undefined,
    d.oneCycle ?? DEFAULT_LEARNING_RATE[optimizer],
    (n) => n > 0,
    'a number > 0',
  );
  const validationSplit = numFlag(
    'train',
    'validation-split',
    values['validation-split'] as string | undefined,
    0.1,
    (n) => n >= 0 && n < 1,
    'a number in [0, 1)',
  );
  const seed = intFlag('train', 'seed', values.seed as string | undefined, 4, 0, 2 ** 32 - 1);
  const limit = values.limit === undefined ? null : intFlag('train', 'limit', values.limit as string, 0, 2, 60000);
  const out = (values.out as string | undefined) ?? './mnist-nn-run';
  if (existsSync(out) && !statSync(out).isDirectory())
    throw new UsageError(`train: --out ${out} exists and is not a directory.`);
  try {
    mkdirSync(out, { recursive: true });
    accessSync(out, constants.W_OK);
  } catch (e) {
    throw new UsageError(
      `train: cannot write to --out ${out}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}.`,
    );
  }

  const started = performance.now();
  const data = loadMnist();
  const xTrainRaw = limit === null ? data.xTrain : data.xTrain.slice(0, limit);
  const yTrain = limit === null ? data.yTrain : data.yTrain.slice(0, limit);
  const net = buildModel(model, seed);
  const validationSamples = Math.round(xTrainRaw.shape[0] - Math.floor(xTrainRaw.shape[0] * (1 - validationSplit)));
  const steps =
    d.oneCycle === undefined ? undefined : epochs * Math.ceil((xTrainRaw.shape[0] - validationSamples) / batchSize);
  net.compile({
    optimizer: makeOptimizer(optimizer, learningRate, steps),
    loss: 'sparse_categorical_crossentropy',
    metrics: ['accuracy'],
  });
  if (validationSplit > 0 && (validationSamples === 0 || validationSamples === xTrainRaw.shape[0])) {
    throw new UsageError(
      `train: --validation-split ${validationSplit} of ${xTrainRaw.shape[0]} digits leaves no ${validationSamples === 0 ? 'validation' : 'training'} digits.`,
    );
  }
  console.log(
    `Training ${model} (${d.from}: ${d.about}) on ${xTrainRaw.shape[0] - validationSamples} digits, validating on ${validationSamples}; ${epochs} epochs, batch ${batchSize}, ${optimizer} ${steps === undefined ? `lr ${learningRate}` : `one-cycle lr peaking at ${learningRate}`}.`,
  );
  const history = await net.fit(modelInput(net, xTrainRaw), yTrain, { epochs, batchSize, validationSplit, verbose: 1 });
  await net.save(join(out, MODEL_FILE));

  const a = await assess(net, modelInput(net, data.xTest), data.yTest);
  const wallTimeSeconds = (performance.now() - started) / 1e3;
  console.log(`Test accuracy: ${(100 * a.accuracy).toFixed(2)}%  test loss: ${a.loss.toFixed(4)}`);
  console.log(classTable(a.classes));

  const hh = history.history as Record<string, number[] | undefined>;
  const report: TrainReport = {
    model,
    description: d.about,
    settings: { epochs, batchSize, optimizer, learningRate, validationSplit, seed, limit },
    trainSamples: xTrainRaw.shape[0] - validationSamples,
    validationSamples,
    history: {
      epoch: (hh.loss ?? []).map((_, i) => i + 1),
      loss: hh.loss ?? [],
      accuracy: hh.accuracy ?? [],
      ...(hh.val_loss ? { val_loss: hh.val_loss, val_accuracy: hh.val_accuracy ?? [] } : {}),
    },
    test: { loss: a.loss, accuracy: a.accuracy, samples: data.yTest.shape[0] },
    perClass: a.classes.map((c, digit) => ({ digit, ...c })),
    confusion: a.confusion,
    wallTimeSeconds,
    createdAt: new Date().toISOString(),
  };
  writeFileSync(join(out, 'report.json'), JSON.stringify(report, null, 2) + '\n');

  // The charts: each written as a PNG beside index.html, which has them inline as SVG.
  const labels = data.yTest;
  const wrong: number[] = [];
  for (let i = 0; i < labels.shape[0] && wrong.length < 25; i++) if (a.predicted[i] !== labels.data[i]) wrong.push(i);
  const totalWrong = labels.shape[0] - Math.round(a.accuracy * labels.shape[0]);
  const first = Array.from({ length: Math.min(25, labels.shape[0]) }, (_, i) => i);
  const curves = report.history.val_loss ? 'training and validation' : 'training (no validation split)';
  const charts: { name: string; caption: string; draw: () => Promise<Plot> }[] = [];
  const chart = (name: string, caption: string, draw: () => Promise<Plot>) => void charts.push({ name, caption, draw });
  chart('loss', `Loss per epoch, ${curves}`, () =>
    plotHistory(history, { metrics: ['loss'], title: `${model}: loss` }),
  );
  chart('accuracy', `Accuracy per epoch, ${curves}`, () =>
    plotHistory(history, { metrics: ['accuracy'], title: `${model}: accuracy` }),
  );
  if (steps !== undefined)
    chart('learning-rate', 'The one-cycle learning rate at the end of each epoch', () =>
      plotHistory(history, { metrics: ['learning_rate'], title: `${model}: learning rate` }),
    );
  chart('confusion', 'Confusion matrix on the test set: rows true digit, columns predicted', () =>
    plotConfusion(labels, a.predicted, { classes: a.probs.shape[1], title: `${model}: confusion matrix (test set)` }),
  );
  chart('class-metrics', 'Precision and recall of each digit on the test set', () =>
    plotClassMetrics(labels, a.predicted, {
      classes: a.probs.shape[1],
      title: `${model}: precision and recall per digit (test set)`,
    }),
  );
  chart(
    'samples',
    'The first 25 test digits, captioned with the predicted digit (red, with the true one, where wrong)',
    () =>
      plotDigits(data.xTest.gather(first), labels.gather(first), {
        predictions: Array.from(first, (i) => a.predicted[i]),
        columns: 5,
        title: 'First 25 test digits: predicted',
      }),
  );
  // A perfect run has no grid of misclassified digits.
  if (wrong.length > 0) {
    chart(
      'misclassified',
      `Misclassified test digits (first ${wrong.length} of ${totalWrong}): predicted (true), and the two most probable digits`,
      () =>
        plotDigits(data.xTest.gather(wrong), labels.gather(wrong), {
          probabilities: a.probs.gather(wrong),
          columns: 5,
          title: `Misclassified test digits (first ${wrong.length} of ${totalWrong})`,
        }),
    );
  }
  const figures: ReportFigure[] = [];
  for (const { name, caption, draw } of charts) {
    const p = await draw();
    await p.save(join(out, `${name}.png`));
    figures.push({ name, caption, svg: p.svg });
  }
  writeFileSync(join(out, 'index.html'), renderReportHtml(report, figures));
  console.log(
    `Wrote ${out}/: ${MODEL_FILE}, report.json, ${figures.map((f) => `${f.name}.png`).join(', ')}, index.html (${wallTimeSeconds.toFixed(1)} s).`,
  );
}
