/** Argument parsing shared by the subcommands: node:util's parseArgs, with one-line usage errors. */
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A mistake on the command line or a missing file: printed as one line, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * A string option followed by a word starting with '-' that is not one of this command's options
 * (`--seed -3`, `--learning-rate -1e-3`, `--out -dir`) is written `--seed=-3`: parseArgs would call
 * it ambiguous, and the value's own check then says the range it must be in.
 */
function attachDashValues(argv: string[], options: Options): string[] {
  const isOption = (word: string): boolean => {
    if (word === '--') return true;
    if (word.startsWith('--')) return Object.hasOwn(options, word.slice(2).split('=')[0]);
    return Object.values(options).some((o) => o.short !== undefined && word === `-${o.short}`);
  };
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i];
    const next = argv[i + 1];
    const name = word.startsWith('--') && !word.includes('=') ? word.slice(2) : undefined;
    if (
      name !== undefined &&
      options[name]?.type === 'string' &&
      next !== undefined &&
      next.startsWith('-') &&
      !isOption(next)
    ) {
      out.push(`${word}=${next}`);
      i++;
    } else {
      out.push(word);
    }
  }
  return out;
}

/** Parses `argv` strictly (unknown flags and missing values are UsageErrors); `--help` is always accepted. */
export function parse(
  command: string,
  argv: string[],
  options: Options,
  allowPositionals: boolean,
): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  const all: Options = { ...options, help: { type: 'boolean', short: 'h' } };
  try {
    const { values, positionals } = parseArgs({
      args: attachDashValues(argv, all),
      options: all,
      allowPositionals,
      strict: true,
    });
    return { values: values as Record<string, string | boolean | undefined>, positionals };
  } catch (e) {
    const first = (e as Error).message.split('\n')[0];
    // parseArgs's wording for a value left out, followed by another option or by nothing.
    const missing = /^Option '(?:-\w, )?(--[\w-]+)(?: <value>)?' argument (?:is ambiguous|missing)/.exec(first);
    if (missing) {
      const i = argv.indexOf(missing[1]);
      const after = i >= 0 && i + 1 < argv.length ? `, got the option '${argv[i + 1]}'` : '';
      throw new UsageError(`${command}: ${missing[1]} needs a value${after} (see mnist-nn ${command} --help)`);
    }
    throw new UsageError(`${command}: ${first.replace(/\. To specify .*$/, '.')} (see mnist-nn ${command} --help)`);
  }
}

/** An integer flag value within [min, max]. */
export function intFlag(
  command: string,
  flag: string,
  value: string | undefined,
  fallback: number,
  min = 1,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^[+-]?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(
      `${command}: --${flag} must be an integer${max === Number.MAX_SAFE_INTEGER ? ` >= ${min}` : ` in [${min}, ${max}]`}, got '${value}'.`,
    );
  }
  return n;
}

/** A number flag value in (or at) the given range, written in decimal (`0.001`, `1e-3`; not `0x10` or `Infinity`). */
export function numFlag(
  command: string,
  flag: string,
  value: string | undefined,
  fallback: number,
  ok: (n: number) => boolean,
  range: string,
): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(value.trim()) || !Number.isFinite(n) || !ok(n))
    throw new UsageError(`${command}: --${flag} must be ${range}, got '${value}'.`);
  return n;
}

/** One of a fixed set of words. */
export function choiceFlag<T extends string>(
  command: string,
  flag: string,
  value: string | undefined,
  choices: readonly T[],
  fallback: T,
): T {
  if (value === undefined) return fallback;
  if (!(choices as readonly string[]).includes(value))
    throw new UsageError(`${command}: --${flag} must be one of ${choices.join(', ')}; got '${value}'.`);
  return value as T;
}
