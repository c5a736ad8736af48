/**
 * Typed errors. Every check in the library throws one of these, with a message that says what was
 * expected and what came, so a user can tell bad input from a bug.
 */

/**
 * Base class of every error the library throws on purpose.
 *
 * Catch it to tell the library's refusals (bad shapes, values, files) from bugs: each subclass says what
 * was expected and what came, naming the layer, option or file.
 *
 * @example
 * ```ts
 * try {
 *   await model.fit(x, y);
 * } catch (e) {
 *   // e.g. "fit: Flatten 'flatten' expects input of shape [None, 28, 28], got [4, 784]."
 *   if (e instanceof ShapeError) console.error(e.message);
 *   else throw e;
 * }
 * ```
 */
export class MnistNnError extends Error {
  constructor(message: string) {
    // Messages name files' contents (layer names, a parser's excerpt): none may reach a terminal as a control.
    super(escapeControls(message));
    this.name = new.target.name;
  }
}

/**
 * Characters a terminal or a text view acts on rather than shows: C0 controls, DEL and C1 controls
 * (escape sequences), format characters (bidi overrides, zero-width ones, tags), line and paragraph
 * separators, and lone surrogates.
 */
const UNSAFE = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/gu;
const SHORT_ESCAPES: Record<string, string> = { '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** One unsafe character (a code point: one or two UTF-16 units) as JSON writes it: `\n`, `\u001b`. */
function escapeChar(c: string): string {
  return (
    SHORT_ESCAPES[c] ??
    [...Array(c.length).keys()].map((i) => `\\u${c.charCodeAt(i).toString(16).padStart(4, '0')}`).join('')
  );
}

/**
 * `text` with every control and format character written as an escape (`\u001b`, `\u202e`, `\n`), so
 * that printing it can neither drive a terminal (clear it, set its title, move the cursor) nor reorder
 * or hide what is shown; every other character is kept as it is. Every library error's message goes
 * through it, and the CLI passes whatever it prints of an error through it too.
 *
 * @example
 * ```ts
 * escapeControls('dense\x1b[2J'); // 'dense\\u001b[2J'
 * ```
 */
export function escapeControls(text: string): string {
  return text.replace(UNSAFE, escapeChar);
}

/**
 * Text a file supplied (a layer or class name, a key, a value), quoted for a message as JSON would
 * quote it: between `mark`s, with backslashes and the mark escaped, control and format characters
 * escaped (see {@link escapeControls}), and cut to `maxLength` characters, saying how long it was.
 * A value that is not a string is shown as JSON (undefined, numbers and booleans as String shows
 * them), escaped and cut the same way.
 *
 * @example
 * ```ts
 * quote('dense_1');              // '"dense_1"', as JSON.stringify writes it
 * quote('dense_1', "'");         // "'dense_1'", for messages that quote names so
 * quote('\u202eevil\x1b[2J');    // '"\\u202eevil\\u001b[2J"'
 * quote('x'.repeat(1000));       // '"xx…x…" (1000 characters)', the first 100 kept
 * ```
 */
export function quote(text: unknown, mark: '"' | "'" = '"', maxLength = 100): string {
  if (typeof text !== 'string') {
    const json = typeof text === 'object' && text !== null ? (JSON.stringify(text) ?? '') : String(text);
    const more = json.length > maxLength ? `… (${json.length} characters)` : '';
    return escapeControls(json.slice(0, maxLength)) + more;
  }
  const body = text.slice(0, maxLength).replace(mark === '"' ? /["\\]/g : /['\\]/g, (c) => `\\${c}`);
  const more = text.length > maxLength ? `…${mark} (${text.length} characters)` : mark;
  return `${mark}${escapeControls(body)}${more}`;
}

/**
 * A tensor or weight has the wrong shape, or two shapes do not fit together.
 *
 * @example
 * ```ts
 * new Sequential([new Dense(3, { inputShape: [4] }), new Dense(2, { inputShape: [7] })]);
 * // ShapeError: "Dense '…' was declared with inputShape [None, 7] but receives [None, 3]."
 * ```
 */
export class ShapeError extends MnistNnError {}

/**
 * A value is out of its allowed range: NaN, a label outside [0, classes), a bad option, an unknown name.
 *
 * @example
 * ```ts
 * new Dropout(1.5); // ValueError: "Dropout 'dropout': rate must be a number in [0, 1), got 1.5."
 * ```
 */
export class ValueError extends MnistNnError {}

/**
 * A file is not what it claims to be: bad magic number, truncated, wrong length.
 *
 * @example
 * ```ts
 * await loadModel('notes.txt'); // FormatError naming the file and what is wrong with it
 * ```
 */
export class FormatError extends MnistNnError {}

/**
 * The wasm backend could not finish a kernel call: one of its worker threads stopped in the middle
 * of a job (or overran it). The call's results are incomplete, so the call throws; the backend then
 * runs on the calling thread alone until `setThreads` starts new workers.
 *
 * @example
 * ```ts
 * try {
 *   await model.fit(x, y);
 * } catch (e) {
 *   if (!(e instanceof BackendError)) throw e;
 *   setThreads(2); // new workers: since the failure the backend has run on the calling thread alone
 * }
 * ```
 */
export class BackendError extends MnistNnError {}

/**
 * A file or directory cannot be written where the user asked (missing directory, no permission, a
 * directory in the way): `path` is the user's path, `code` the system's (ENOENT, EACCES, …).
 *
 * @example
 * ```ts
 * try {
 *   await model.save('/no/such/dir/model.mnn');
 * } catch (e) {
 *   if (e instanceof FileError) console.error(e.path, e.code); // '/no/such/dir/model.mnn' 'ENOENT'
 * }
 * ```
 */
export class FileError extends MnistNnError {
  constructor(
    message: string,
    readonly path: string,
    readonly code?: string,
    cause?: unknown,
  ) {
    super(message);
    if (cause !== undefined) this.cause = cause;
  }
}

/**
 * `[a, b, c]`, with `null` for the batch dimension written as `None` as Keras does.
 *
 * @example
 * ```ts
 * formatShape([null, 28, 28]); // '[None, 28, 28]'
 * ```
 */
export function formatShape(shape: readonly (number | null)[]): string {
  return `[${shape.map((d) => (d === null ? 'None' : String(d))).join(', ')}]`;
}

/**
 * Throws a ValueError for option keys that are not in `allowed`: an option accepted and ignored
 * would let a Keras spelling (`batch_size`, `class_weight`) silently change nothing.
 *
 * @example
 * ```ts
 * checkKeys('fit', { batch_size: 32 }, ['batchSize', 'epochs']); // ValueError: fit: unknown option 'batch_size'; …
 * ```
 */
export function checkKeys(where: string, options: object | undefined, allowed: readonly string[]): void {
  if (options === undefined || options === null) return;
  if (typeof options !== 'object') throw new ValueError(`${where}: options must be an object, got ${typeof options}.`);
  for (const k of Object.keys(options)) {
    if (!allowed.includes(k)) {
      throw new ValueError(
        `${where}: unknown option '${k}'; expected one of ${allowed.map((a) => `'${a}'`).join(', ')}.`,
      );
    }
  }
}

/** How a bad option value reads in a message: strings quoted, everything else as String gives it. */
function shown(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}

/**
 * `v` when it is an integer ≥ `min`; else a ValueError `where: what must be an integer ≥ min, got v.`
 *
 * @example
 * ```ts
 * checkInt('fit', 'epochs', 10, 1); // 10; 0 or 2.5 would be a ValueError
 * ```
 */
export function checkInt(where: string, what: string, v: unknown, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min)
    throw new ValueError(`${where}: ${what} must be an integer ≥ ${min}, got ${shown(v)}.`);
  return v;
}

/**
 * `v` when it is true or false; else a ValueError `where: what must be true or false, got v.`
 *
 * @example
 * ```ts
 * checkBoolean('fit', 'shuffle', false); // false; 'no' would be a ValueError
 * ```
 */
export function checkBoolean(where: string, what: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw new ValueError(`${where}: ${what} must be true or false, got ${shown(v)}.`);
  return v;
}
