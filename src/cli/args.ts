/** Argument parsing shared by the subcommands: node:util's parseArgs, with one-line usage errors. */
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A mistake on the command line or a missing file: printed as one line, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** Parses `argv` strictly (unknown flags and missing values are UsageErrors); `--help` is always accepted. */
export function parse(command: string, argv: string[], options: Options, allowPositionals: boolean): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals, strict: true });
    return { values: values as Record<string, string | boolean | undefined>, positionals };
  } catch (e) {
    const msg = (e as Error).message.split('\n')[0].replace(/\. To specify .*$/, '.');
    throw new UsageError(`${command}: ${msg} (see mnist-nn ${command} --help)`);
  }
}

/** An integer flag value within [min, max]. */
export function intFlag(command: string, flag: string, value: string | undefined, fallback: number, min = 1, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^[+-]?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`${command}: --${flag} must be an integer${max === Number.MAX_SAFE_INTEGER ? ` >= ${min}` : ` in [${min}, ${max}]`}, got '${value}'.`);
  }
  return n;
}

/** A number flag value in (or at) the given range. */
export function numFlag(command: string, flag: string, value: string | undefined, fallback: number, ok: (n: number) => boolean, range: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || !ok(n)) throw new UsageError(`${command}: --${flag} must be ${range}, got '${value}'.`);
  return n;
}

/** One of a fixed set of words. */
export function choiceFlag<T extends string>(command: string, flag: string, value: string | undefined, choices: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!(choices as readonly string[]).includes(value)) throw new UsageError(`${command}: --${flag} must be one of ${choices.join(', ')}; got '${value}'.`);
  return value as T;
}
