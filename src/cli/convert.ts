/** `mnist-nn convert IN OUT`: a saved model from one format into another (ours, TensorFlow.js's, Keras 3's). */
import { ValueError } from '../errors.js';
import { loadModel } from '../io/load.js';
import { formatOfName } from '../io/save.js'; // and gives model.save(path) its file writer
import type { SaveOptions } from '../models/sequential.js';
import { UsageError, choiceFlag, parse } from './args.js';
import { modelFile } from './common.js';

export const CONVERT_HELP = `Usage: mnist-nn convert IN OUT [--format mnist-nn|tfjs|keras]

Reads the model IN, whatever its format (told by content): an mnist-nn model file (.mnn), a
Keras 3 .keras file, a legacy Keras .h5 file, a TensorFlow.js model.json, or a directory holding
one (a training run's, with model.mnn; a TensorFlow.js model's).
Writes it to OUT in the format --format names, or else the one OUT's name says:
  OUT ending in .keras     Keras 3's .keras file (keras.saving.load_model reads it)
  OUT ending in .mnn       mnist-nn's model file
  OUT without extension    a TensorFlow.js Layers model: the directory OUT with model.json and its weights
Another extension (.onnx, .h5, ...) is refused: no format mnist-nn writes has it. Keras's legacy
.h5 is read, not written: convert to .keras instead. What the target format
leaves out (the optimizer state; augmentation layers, which TensorFlow.js lacks) is printed.

Options:
  --format F   mnist-nn, tfjs or keras (default: from OUT's name)
  -h, --help   this help
`;

type Format = NonNullable<SaveOptions['format']>;

/** The format OUT's name asks for: its extension's, TensorFlow.js's directory without one. */
function formatOf(out: string): Format {
  try {
    return formatOfName('convert', out, 'an OUT without one is written as a TensorFlow.js directory') ?? 'tfjs';
  } catch (e) {
    if (e instanceof ValueError) throw new UsageError(e.message);
    throw e;
  }
}

export async function convert(argv: string[]): Promise<void> {
  const { values, positionals } = parse('convert', argv, { format: { type: 'string' } }, true);
  if (values.help) return void process.stdout.write(CONVERT_HELP);
  if (positionals.length !== 2)
    throw new UsageError(
      `convert: expected IN and OUT, got ${positionals.length} arguments (see mnist-nn convert --help)`,
    );
  const [input, out] = positionals;
  const format =
    values.format === undefined
      ? formatOf(out)
      : choiceFlag('convert', 'format', values.format as string, ['mnist-nn', 'tfjs', 'keras'] as const, 'mnist-nn');
  const model = await loadModel(modelFile('convert', input));
  const { notes } = await model.save(out, { format });
  for (const note of notes) console.log(`Note: ${note}`);
  console.log(
    `Wrote ${out} (${format === 'tfjs' ? 'TensorFlow.js Layers model' : format === 'keras' ? 'Keras 3 .keras file' : 'mnist-nn model file'}): ${model.layers.map((l) => l.className).join(', ')}; ${model.countParams().toLocaleString('en-US')} parameters.`,
  );
}
