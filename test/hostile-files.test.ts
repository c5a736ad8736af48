// Hostile model files cost nothing: each is loaded in a child Node process with a 256 MiB heap and a
// 60 s limit, and must come back as a FormatError naming the file, with the child's peak RSS under
// 400 MiB (Node and the library themselves take some 100 MiB). The time and the peak are printed
// with each case's name, as measurements, not asserted beyond the limits.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync, strToU8 } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import { Dense, Input, Model } from '../src/index.js';
import { encodeModelFile } from '../src/io/model-file.js';
import { modelToFile } from '../src/io/serialize.js';

const dir = mkdtempSync(join(tmpdir(), 'mnist-nn-hostile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const CHILD = join(import.meta.dirname, 'helpers', 'load-in-child.ts');

interface Outcome {
  error?: string;
  message?: string;
  ms: number;
  maxRssMiB: number;
}

function loadInChild(path: string): Outcome {
  const r = spawnSync(process.execPath, ['--max-old-space-size=256', '--import', 'tsx', CHILD, path], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(r.error, 'the child ran within 60 s').toBeUndefined();
  expect(r.status, r.stderr.slice(-2000)).toBe(0);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Outcome;
}

/** A small functional model's file with its graph config edited. */
function graphFile(
  name: string,
  edit: (c: { layers: { config: Record<string, unknown>; inbound: unknown[] }[]; outputs: unknown[] }) => void,
): string {
  const x = Input({ shape: [2], name: 'in' });
  const m = new Model({
    inputs: x,
    outputs: new Dense(2, { name: 'd2' }).apply(new Dense(2, { name: 'd1' }).apply(x)),
  });
  const f = modelToFile(m);
  edit((f.header as unknown as { model: { config: Parameters<typeof edit>[0] } }).model.config);
  const path = join(dir, name);
  writeFileSync(path, encodeModelFile(f));
  return path;
}

const CASES: [string, () => string, RegExp][] = [
  [
    'a graph of 200,000 nodes (every node the same reference)',
    () => graphFile('nodes.mnn', (c) => (c.layers[2].inbound = Array.from({ length: 200_000 }, () => [['d1', 0, 0]]))),
    /nodes\.mnn: the graph has 200002 nodes; mnist-nn reads at most 100000/,
  ],
  [
    'a cycle through two layers',
    () => graphFile('cycle.mnn', (c) => (c.layers[1].inbound = [[['d2', 0, 0]]])),
    /cycle\.mnn: the graph has a cycle/,
  ],
  [
    'a Dense declaring 4·10⁹ weights, the file holding a handful',
    () => graphFile('huge.mnn', (c) => (c.layers[2].config.units = 2_000_000_000)),
    /huge\.mnn: .*more weights than the file holds/,
  ],
  [
    'a .keras zip whose config.json claims a gigabyte',
    () => {
      const bytes = zipSync(
        { 'config.json': strToU8('{}'.padEnd(1 << 20, ' ')), 'metadata.json': strToU8('{}') },
        { level: 9 },
      );
      // The stored entry's size fields say 1 GiB: the reader checks them before inflating anything.
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      for (let i = 0; i + 4 <= bytes.length; i++) {
        if (view.getUint32(i, true) === 0x04034b50) view.setUint32(i + 22, 1 << 30, true);
        if (view.getUint32(i, true) === 0x02014b50) view.setUint32(i + 24, 1 << 30, true);
      }
      const path = join(dir, 'bomb.keras');
      writeFileSync(path, bytes);
      return path;
    },
    /bomb\.keras: the zip entry config\.json claims 1073741824 bytes/,
  ],
];

describe('hostile model files are refused at no cost, in a child process with limits', () => {
  for (const [what, make, message] of CASES) {
    it(what, () => {
      const o = loadInChild(make());
      console.log(`${what}: ${o.error} in ${o.ms.toFixed(0)} ms, peak RSS ${o.maxRssMiB.toFixed(0)} MiB`);
      expect(o.error).toBe('FormatError');
      expect(o.message).toMatch(message);
      expect(o.maxRssMiB).toBeLessThan(400);
    });
  }
});
