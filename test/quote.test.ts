// Text from files (layer names, a JSON parser's excerpt) quoted for messages, and the command line
// printing every error with its controls escaped: a hostile file cannot drive the user's terminal.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import { Dense, Flatten, FormatError, Sequential, ValueError, modelToKerasBytes } from '../src/index.js';
import { escapeControls, quote } from '../src/errors.js';

// Set the terminal's title, clear the screen, an 8-bit CSI, then a right-to-left override.
const HOSTILE = '\x1b]0;pwned\x07\x1b[2J\u009b31m\u202eevil';
const SHOWN = '\\u001b]0;pwned\\u0007\\u001b[2J\\u009b31m\\u202eevil';
/** C0, DEL, C1, format characters (bidi overrides, zero-width), line and paragraph separators. */
const RAW = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;

const dir = mkdtempSync(join(tmpdir(), 'mnist-nn-quote-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('quote and escapeControls', () => {
  it('quote ordinary names as JSON.stringify does, in either quote mark', () => {
    for (const name of ['dense_1', 'conv2d', 'é日本🙂', 'a"b\\c', '']) expect(quote(name)).toBe(JSON.stringify(name));
    expect(quote('dense_1', "'")).toBe("'dense_1'");
    expect(quote("it's", "'")).toBe("'it\\'s'");
    expect(quote(undefined)).toBe('undefined');
    expect(quote([1, 'a'])).toBe('[1,"a"]');
  });

  it('escape C0, DEL, C1, bidi and other format characters, separators and lone surrogates', () => {
    expect(quote(HOSTILE)).toBe(`"${SHOWN}"`);
    expect(escapeControls('\x7f\u0085\u200b\u2066\u2028\u2029\ufeff\u{e0041}\ud800\t\n')).toBe(
      '\\u007f\\u0085\\u200b\\u2066\\u2028\\u2029\\ufeff\\udb40\\udc41\\ud800\\t\\n',
    );
    expect(quote({ name: HOSTILE })).not.toMatch(RAW);
  });

  it('cut long text short, saying how long it was', () => {
    expect(quote('x'.repeat(500))).toBe(`"${'x'.repeat(100)}…" (500 characters)`);
    expect(quote('x'.repeat(50), "'", 10)).toBe(`'${'x'.repeat(10)}…' (50 characters)`);
    expect(quote({ a: 'x'.repeat(500) }).length).toBeLessThan(130);
  });

  it("every library error's message has its controls escaped, whoever built it", () => {
    expect(new FormatError(`file: ${HOSTILE}`).message).toBe(`file: ${SHOWN}`);
    const refused = (() => {
      try {
        return new Dense(2, { name: HOSTILE, activation: 'nope' as never });
      } catch (e) {
        return e;
      }
    })();
    expect(refused).toBeInstanceOf(ValueError);
    expect((refused as Error).message).not.toMatch(RAW);
    expect((refused as Error).message).toContain(SHOWN);
  });
});

describe('the command line prints errors with their controls escaped', () => {
  const MAIN = join(import.meta.dirname, '..', 'src', 'cli', 'main.ts');
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', MAIN, ...args], {
      encoding: 'utf8',
      cwd: join(import.meta.dirname, '..'),
    });

  it('a .keras file whose layer name holds escape sequences', async () => {
    const m = new Sequential([new Flatten({ inputShape: [2, 3] }), new Dense(2)]);
    const parts = unzipSync((await modelToKerasBytes(m)).bytes);
    const config = JSON.parse(strFromU8(parts['config.json'])) as {
      config: { layers: { class_name: string; config: { name: string } }[] };
    };
    config.config.layers[2].class_name = 'Nope';
    config.config.layers[2].config.name = HOSTILE;
    parts['config.json'] = strToU8(JSON.stringify(config));
    const file = join(dir, 'hostile.keras');
    writeFileSync(file, zipSync(parts, { level: 0 }));
    const r = cli('convert', file, join(dir, 'out.mnn'));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^mnist-nn: .*hostile\.keras: config\.json: layer 1: unknown layer class "Nope"/);
    expect(r.stderr).toContain(SHOWN);
    expect(r.stderr.replace(/\n$/, '')).not.toMatch(RAW);
  });

  it('a command word holding escape sequences (as a file name from a listing can)', () => {
    const r = cli(`x${HOSTILE}`);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(SHOWN);
    expect(r.stderr.replace(/\n$/, '')).not.toMatch(RAW);
  });
});
