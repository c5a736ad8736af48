#!/usr/bin/env node
/** The `mnist-nn` command: train, evaluate, predict, show and convert. */
import { readFileSync } from 'node:fs';
import { MnistNnError, FormatError, escapeControls } from '../errors.js';
import { UsageError } from './args.js';
import { convert } from './convert.js';
import { evaluate, predict, show } from './inspect.js';
import { train } from './train.js';

const HELP = `Usage: mnist-nn <command> [options]

Commands:
  train [options]                 train a network on MNIST; writes the model and an HTML report
  evaluate MODEL                  test accuracy, loss, per-class figures and confusion matrix
  predict MODEL IMAGE...          the predicted digit and ten probabilities for each PNG or JPEG
  show [--split] [--count] [--out]  a PNG grid of MNIST digits with their labels
  convert IN OUT                  a model from one format to another (mnist-nn, TensorFlow.js, Keras .keras)

MODEL is a run directory (with model.mnn, model.json, model.keras or model.h5) or a model file:
mnist-nn's .mnn, Keras's .keras or .h5, or a TensorFlow.js model.json.

Run 'mnist-nn <command> --help' for a command's options.
  -h, --help      this help
  -v, --version   the version
`;

function version(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string })
      .version;
  } catch {
    return 'unknown';
  }
}

// `mnist-nn evaluate DIR | head`: a reader that stops reading is not an error, so end quietly.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code !== 'EPIPE') throw e;
  process.exit(process.exitCode ?? 0);
});

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'train':
      await train(rest);
      return 0;
    case 'evaluate':
      await evaluate(rest);
      return 0;
    case 'predict':
      return predict(rest);
    case 'show':
      await show(rest);
      return 0;
    case 'convert':
      await convert(rest);
      return 0;
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      process.stdout.write(HELP);
      return command === undefined ? 2 : 0;
    case '-v':
    case '--version':
      console.log(version());
      return 0;
    default:
      throw new UsageError(
        `unknown command '${command}' (commands: train, evaluate, predict, show, convert; see mnist-nn --help)`,
      );
  }
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (e) {
  // Usage mistakes and unreadable files: one line, exit 2. Anything else is a bug worth its stack.
  // Messages can hold what a file or an argument said: printed escaped, never as terminal controls.
  if (e instanceof UsageError || e instanceof FormatError) {
    process.stderr.write(`mnist-nn: ${escapeControls(e.message.split('\n')[0])}\n`);
    process.exitCode = 2;
  } else if (e instanceof MnistNnError) {
    process.stderr.write(`mnist-nn: ${escapeControls(e.message.split('\n')[0])}\n`);
    process.exitCode = 1;
  } else {
    const text = e instanceof Error ? (e.stack ?? String(e)) : String(e);
    process.stderr.write(`${text.split('\n').map(escapeControls).join('\n')}\n`);
    process.exitCode = 1;
  }
}
