import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { afterAll, describe, expect, it } from 'vitest';
import { FormatError, ShapeError, ValueError } from '../src/errors.js';
import { loadMnist } from '../src/data/mnist.js';
import { mnistFromImage, type RgbaImage } from '../src/image/preprocess.js';
import { decodeImage, encodePng, imageHeaderSize, loadImageFile, orientImage } from '../src/image/codecs.js';
import { blockJpeg } from './helpers/jpeg.js';
import type { Tensor } from '../src/tensor/tensor.js';

/** An RGBA canvas filled with one colour. */
function canvas(width: number, height: number, rgba: [number, number, number, number]): RgbaImage {
  const data = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) data.set(rgba, 4 * i);
  return { width, height, data };
}

/** Paints a filled disc of radius r at every step along the segment (x0, y0)–(x1, y1): a pen stroke. */
function stroke(
  img: RgbaImage,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
  r: number,
  rgba: [number, number, number, number],
): void {
  const steps = Math.ceil(Math.hypot(x1 - x0, y1 - y0)) + 1;
  for (let s = 0; s <= steps; s++) {
    const cx = x0 + ((x1 - x0) * s) / steps;
    const cy = y0 + ((y1 - y0) * s) / steps;
    for (let y = Math.floor(cy - r); y <= Math.ceil(cy + r); y++) {
      for (let x = Math.floor(cx - r); x <= Math.ceil(cx + r); x++) {
        if (x < 0 || y < 0 || x >= img.width || y >= img.height) continue;
        if ((x - cx) ** 2 + (y - cy) ** 2 <= r * r) img.data.set(rgba, 4 * (y * img.width + x));
      }
    }
  }
}

/** Bounding box of the pixels above `t`, and the centre of mass, of a [28, 28] tensor. */
function stats(t: Tensor, thr = 0) {
  let x0 = 28,
    x1 = -1,
    y0 = 28,
    y1 = -1,
    m = 0,
    mx = 0,
    my = 0;
  for (let y = 0; y < 28; y++) {
    for (let x = 0; x < 28; x++) {
      const v = t.data[y * 28 + x];
      m += v;
      mx += v * x;
      my += v * y;
      if (v > thr) {
        x0 = Math.min(x0, x);
        x1 = Math.max(x1, x);
        y0 = Math.min(y0, y);
        y1 = Math.max(y1, y);
      }
    }
  }
  return {
    w: x1 - x0 + 1,
    h: y1 - y0 + 1,
    cx: mx / m,
    cy: my / m,
    corners: [t.data[0], t.data[27], t.data[28 * 27], t.data[783]],
  };
}

function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0,
    mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i] / n;
    mb += b[i] / n;
  }
  let sab = 0,
    saa = 0,
    sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

const BLACK: [number, number, number, number] = [0, 0, 0, 255];
const WHITE: [number, number, number, number] = [255, 255, 255, 255];

describe('mnistFromImage', () => {
  it('inverts, crops, fits 20×20 and centres a "7" drawn off-centre on a large white canvas', () => {
    const img = canvas(400, 300, WHITE);
    stroke(img, 260, 30, 360, 30, 6, [20, 30, 90, 255]); // dark blue ink: the bar of the 7
    stroke(img, 360, 30, 300, 150, 6, [20, 30, 90, 255]); // its stem
    const t = mnistFromImage(img);
    expect(t.shape).toEqual([28, 28]);
    expect(t.dtype).toBe('float32');
    const d = t.data;
    expect(Math.min(...d)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...d)).toBeCloseTo(1, 5);
    const s = stats(t);
    expect(s.corners).toEqual([0, 0, 0, 0]); // background black
    expect(Math.max(s.w, s.h)).toBeGreaterThanOrEqual(19);
    expect(Math.max(s.w, s.h)).toBeLessThanOrEqual(20);
    expect(s.w).toBeLessThanOrEqual(20);
    expect(s.h).toBeLessThanOrEqual(20);
    expect(Math.abs(s.cx - 14)).toBeLessThanOrEqual(0.5);
    expect(Math.abs(s.cy - 14)).toBeLessThanOrEqual(0.5);
    // anti-aliased, not nearest-neighbour: stroke edges take in-between values
    expect(Array.from(d).filter((v) => v > 0.05 && v < 0.95).length).toBeGreaterThan(5);
  });

  it('fits a tall thin "1" by its height, keeping the aspect ratio', () => {
    const img = canvas(300, 400, WHITE);
    stroke(img, 40, 250, 40, 370, 5, BLACK);
    const s = stats(mnistFromImage(img));
    expect(s.h).toBe(20);
    expect(s.w).toBeLessThanOrEqual(3);
    expect(Math.abs(s.cx - 14)).toBeLessThanOrEqual(0.5);
    expect(Math.abs(s.cy - 14)).toBeLessThanOrEqual(0.5);
  });

  it('takes digits whose ink reaches the edge of the image (a tight crop, a tall 1, a strip)', () => {
    const tight = canvas(60, 80, WHITE);
    stroke(tight, 0, 2, 59, 2, 5, BLACK); // the bar of a 7, edge to edge
    stroke(tight, 59, 2, 20, 79, 5, BLACK); // its stem, down to the bottom edge
    const s = stats(mnistFromImage(tight));
    expect(Math.max(s.w, s.h)).toBeGreaterThanOrEqual(19);
    expect(Math.abs(s.cx - 14)).toBeLessThanOrEqual(0.5);
    const one = canvas(40, 100, WHITE);
    stroke(one, 20, 0, 20, 99, 5, BLACK); // top to bottom
    expect(stats(mnistFromImage(one)).h).toBe(20);
    const strip = canvas(2, 30, WHITE);
    stroke(strip, 0, 5, 1, 25, 1, BLACK);
    expect(stats(mnistFromImage(strip)).h).toBe(20);
  });

  it('leaves a white-on-black image as it is (no inversion)', () => {
    const img = canvas(120, 90, BLACK);
    stroke(img, 20, 20, 20, 70, 4, WHITE);
    stroke(img, 20, 20, 50, 20, 4, WHITE);
    const t = mnistFromImage(img);
    const s = stats(t);
    expect(s.corners).toEqual([0, 0, 0, 0]);
    expect(Math.max(...t.data)).toBeCloseTo(1, 5);
    expect(Math.abs(s.cx - 14)).toBeLessThanOrEqual(0.5);
    expect(Math.abs(s.cy - 14)).toBeLessThanOrEqual(0.5);
  });

  it('ignores uneven light and grain on grey paper, as in a photo', () => {
    const W = 400,
      H = 300;
    const img = canvas(W, H, WHITE);
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const g = 150 + (40 * x) / W + (rnd() - 0.5) * 16; // darker on the left, noisy
        const r = Math.hypot((x - 250) / 50, (y - 140) / 80); // a pencil "0"
        const v = Math.abs(r - 1) < 0.1 ? 60 : g;
        img.data.set([v, v, v * 0.95, 255], 4 * (y * W + x));
      }
    }
    const s = stats(mnistFromImage(img));
    expect(s.corners).toEqual([0, 0, 0, 0]);
    expect(s.h).toBe(20);
    expect(s.w).toBeLessThanOrEqual(14); // the ring only, not the darker half of the page
    expect(Math.abs(s.cx - 14)).toBeLessThanOrEqual(0.5);
    expect(Math.abs(s.cy - 14)).toBeLessThanOrEqual(0.5);
  });

  it('throws ValueError "no ink" on a blank page, ShapeError on bad data', () => {
    expect(() => mnistFromImage(canvas(50, 40, WHITE))).toThrow(ValueError);
    expect(() => mnistFromImage(canvas(50, 40, WHITE))).toThrow(/no ink/);
    expect(() => mnistFromImage(canvas(50, 40, [0, 0, 0, 0]))).toThrow(/no ink/); // fully transparent: paper
    expect(() => mnistFromImage({ width: 5, height: 5, data: new Uint8Array(10) })).toThrow(ShapeError);
    expect(() => mnistFromImage({ width: 0, height: 5, data: new Uint8Array(0) })).toThrow(ValueError);
  });

  it('throws ValueError "no ink" on a blank page of any size and tone, never a RangeError (issue 29)', () => {
    // Sizes where adding 1/n n times drifts past 1 made white paper look darker than its mean.
    for (const [w, h] of [
      [28, 28],
      [200, 200],
      [300, 400],
      [3, 7],
    ]) {
      for (const tone of [WHITE, BLACK, [128, 128, 128, 255] as [number, number, number, number]]) {
        expect(() => mnistFromImage(canvas(w, h, tone)), `${w}×${h} ${tone.join(',')}`).toThrow(
          /^mnistFromImage: the \d+×\d+ image has no ink/,
        );
      }
    }
  });

  it('gives MNIST digits themselves back unchanged (Pearson ≥ 0.999 for 95% of the first 1000, median ≥ 0.9995)', () => {
    const { xTest } = loadMnist();
    const r: number[] = [];
    for (let i = 0; i < 1000; i++) {
      const px = xTest.data.subarray(i * 784, (i + 1) * 784);
      const img = canvas(28, 28, BLACK);
      for (let j = 0; j < 784; j++) img.data.set([px[j], px[j], px[j], 255], 4 * j);
      r.push(
        pearson(
          mnistFromImage(img).data,
          Float32Array.from(px, (v) => v / 255),
        ),
      );
    }
    r.sort((a, b) => a - b);
    expect(r[500]).toBeGreaterThanOrEqual(0.9995);
    expect(r.filter((v) => v >= 0.999).length).toBeGreaterThanOrEqual(950);
  });

  it('reads white ink on a transparent background, and coloured ink, as it reads black ink', () => {
    const clear: [number, number, number, number] = [0, 0, 0, 0];
    const draw = (ink: [number, number, number, number], under: [number, number, number, number]) => {
      const img = canvas(90, 120, under);
      stroke(img, 20, 20, 70, 20, 5, ink); // a 7
      stroke(img, 70, 20, 35, 100, 5, ink);
      return mnistFromImage(img);
    };
    const black = draw(BLACK, clear);
    expect(stats(black).h).toBe(20);
    for (const ink of [WHITE, [250, 210, 40, 255], [200, 30, 30, 255]] as [number, number, number, number][]) {
      const t = draw(ink, clear);
      expect(stats(t).corners, `ink ${ink.join(',')}`).toEqual([0, 0, 0, 0]);
      expect(pearson(t.data, black.data), `ink ${ink.join(',')}`).toBeGreaterThan(0.99);
    }
    // A semi-transparent white layer (a watermark-style export) reads the same way.
    expect(pearson(draw([255, 255, 255, 128], clear).data, black.data)).toBeGreaterThan(0.99);
  });

  it('turns a real MNIST digit, drawn 10× as black ink on white, back into itself', () => {
    const digit = loadMnist().xTest.slice(0, 1).reshape([28, 28]);
    const img = canvas(400, 360, WHITE);
    for (let y = 0; y < 280; y++) {
      for (let x = 0; x < 280; x++) {
        const g = 255 - digit.data[Math.floor(y / 10) * 28 + Math.floor(x / 10)];
        img.data.set([g, g, g, 255], 4 * ((y + 60) * 400 + x + 100));
      }
    }
    const t = mnistFromImage(img);
    expect(pearson(t.data, digit.div(255).data)).toBeGreaterThan(0.8);
  });
});

describe('image files', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('round-trips a transparent PNG; transparency counts as white paper', () => {
    const img = canvas(64, 48, [0, 0, 0, 0]); // transparent
    stroke(img, 10, 8, 10, 40, 3, BLACK);
    const png = new Uint8Array(Buffer.from(encodePng(64, 48, img.data)));
    const back = decodeImage(png, 'a.png');
    expect([back.width, back.height]).toEqual([64, 48]);
    expect(Array.from(back.data)).toEqual(Array.from(img.data));
    const s = stats(mnistFromImage(back));
    expect(s.corners).toEqual([0, 0, 0, 0]);
    expect(s.h).toBe(20);

    const gray = new Float32Array(6).fill(0.5);
    gray[0] = 1;
    const g = decodeImage(encodePng(3, 2, gray), 'g.png');
    expect(Array.from(g.data.subarray(0, 8))).toEqual([255, 255, 255, 255, 128, 128, 128, 255]);
    expect(() => encodePng(3, 2, new Uint8Array(7))).toThrow(ShapeError);
  });

  it('decodes a JPEG and loads image files from disk', () => {
    const img = canvas(48, 48, WHITE);
    stroke(img, 30, 6, 30, 42, 3, BLACK);
    const jpg = new Uint8Array(jpeg.encode({ width: 48, height: 48, data: img.data }, 95).data);
    const back = decodeImage(jpg, 'a.jpg');
    expect([back.width, back.height, back.data.length]).toEqual([48, 48, 48 * 48 * 4]);
    expect(back.data[0]).toBeGreaterThan(240); // white corner
    expect(back.data[4 * (24 * 48 + 30)]).toBeLessThan(20); // black stroke

    const dir = mkdtempSync(join(tmpdir(), 'mnist-nn-img-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'one.jpg'), jpg);
    const s = stats(loadImageFile(join(dir, 'one.jpg')), 0.2);
    expect(s.h).toBe(20);
    expect(Math.abs(s.cx - 14)).toBeLessThanOrEqual(0.5);
    expect(() => loadImageFile(join(dir, 'missing.png'))).toThrow(FormatError);
    expect(() => loadImageFile(join(dir, 'missing.png'))).toThrow(/missing\.png.*no such file/);
  });

  it('turns an image by each EXIF orientation as the standard defines it', () => {
    // Stored 3 wide, 2 high:  1 2 3 / 4 5 6  (the red channel carries the label).
    const stored: RgbaImage = {
      width: 3,
      height: 2,
      data: new Uint8Array([1, 2, 3, 4, 5, 6].flatMap((v) => [v, 0, 0, 255])),
    };
    const shown = (o: number) => {
      const r = orientImage(stored, o);
      return { w: r.width, h: r.height, px: Array.from({ length: r.width * r.height }, (_, i) => r.data[4 * i]) };
    };
    expect(shown(1)).toEqual({ w: 3, h: 2, px: [1, 2, 3, 4, 5, 6] });
    expect(shown(2)).toEqual({ w: 3, h: 2, px: [3, 2, 1, 6, 5, 4] }); // mirror horizontal
    expect(shown(3)).toEqual({ w: 3, h: 2, px: [6, 5, 4, 3, 2, 1] }); // rotate 180
    expect(shown(4)).toEqual({ w: 3, h: 2, px: [4, 5, 6, 1, 2, 3] }); // mirror vertical
    expect(shown(5)).toEqual({ w: 2, h: 3, px: [1, 4, 2, 5, 3, 6] }); // transpose
    expect(shown(6)).toEqual({ w: 2, h: 3, px: [4, 1, 5, 2, 6, 3] }); // rotate 90 clockwise to view
    expect(shown(7)).toEqual({ w: 2, h: 3, px: [6, 3, 5, 2, 4, 1] }); // transverse
    expect(shown(8)).toEqual({ w: 2, h: 3, px: [3, 6, 2, 5, 1, 4] }); // rotate 90 anticlockwise to view
    expect(shown(0)).toEqual(shown(1)); // not a standard value: as stored
  });

  it('reads a phone photo stored sideways (EXIF orientation 6) upright', () => {
    // Upright: a 1 in the left third of a wide white canvas. Stored as the sensor saw it: turned 90° anticlockwise.
    const upright = canvas(60, 40, WHITE);
    stroke(upright, 12, 6, 12, 34, 3, BLACK);
    const sensor = orientImage(upright, 8);
    const plain = new Uint8Array(
      jpeg.encode({ width: sensor.width, height: sensor.height, data: sensor.data }, 95).data,
    );
    // APP1 "Exif\0\0", big-endian TIFF header, one IFD entry: Orientation (0x0112), SHORT, 1 value: 6.
    const tiff = [0x4d, 0x4d, 0, 0x2a, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0];
    const app1 = [0x45, 0x78, 0x69, 0x66, 0, 0, ...tiff];
    const withExif = new Uint8Array([
      0xff,
      0xd8,
      0xff,
      0xe1,
      (app1.length + 2) >> 8,
      (app1.length + 2) & 255,
      ...app1,
      ...plain.subarray(2),
    ]);

    const asStored = decodeImage(plain, 'plain.jpg');
    expect([asStored.width, asStored.height]).toEqual([40, 60]);
    const turned = decodeImage(withExif, 'phone.jpg');
    expect([turned.width, turned.height]).toEqual([60, 40]);
    expect(turned.data).toEqual(orientImage(asStored, 6).data);
    expect(turned.data[4 * (20 * 60 + 12)]).toBeLessThan(40); // the stroke is back on the left…
    expect(turned.data[4 * (20 * 60 + 48)]).toBeGreaterThan(220); // …and the right is paper
  });

  it('reads a 50-megapixel phone JPEG (8160×6120, YCbCr 4:2:0), more than jpeg-js decodes in its default 512 MB', () => {
    // MNIST test digit 0 (a 7) drawn dark on light paper in 8×8 blocks: 1020×765 blocks, the digit 560 blocks tall.
    // jpeg-js with its defaults refuses this file ("maxMemoryUsageInMB limit exceeded"), after 4 s of decoding.
    const digit = loadMnist().xTest.data.subarray(0, 784);
    const level = (bx: number, by: number) => {
      const u = Math.floor((bx - 230) / 20);
      const v = Math.floor((by - 100) / 20);
      return 235 - (u >= 0 && u < 28 && v >= 0 && v < 28 ? 0.85 * digit[v * 28 + u] : 0);
    };
    const bytes = blockJpeg(8160, 6120, level);
    const dir = mkdtempSync(join(tmpdir(), 'mnist-nn-img-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'phone.jpg'), bytes);
    const big = loadImageFile(join(dir, 'phone.jpg'));
    // The same picture at 1/8 scale, one pixel a block, read directly.
    const small = canvas(1020, 765, WHITE);
    for (let by = 0; by < 765; by++)
      for (let bx = 0; bx < 1020; bx++) small.data.fill(level(bx, by), 4 * (by * 1020 + bx), 4 * (by * 1020 + bx) + 3);
    expect(pearson(big.data, mnistFromImage(small).data)).toBeGreaterThan(0.99);
  });

  it('refuses an image over 100 megapixels by its header, before decoding it, saying the limit', () => {
    const huge = blockJpeg(12000, 9000, () => 200); // 108 MP
    expect(() => decodeImage(huge, 'huge.jpg')).toThrow(ValueError);
    expect(() => decodeImage(huge, 'huge.jpg')).toThrow(
      /huge\.jpg: the image is 12000×9000 pixels \(108\.0 megapixels\), more than the 100 megapixels that can be read/,
    );
    expect(imageHeaderSize(huge)).toEqual({ width: 12000, height: 9000 });
    // A PNG whose header says 20000×20000 (400 MP, 1.6 GB as RGBA): refused before pngjs allocates it.
    const png = new Uint8Array(encodePng(2, 2, new Uint8Array(4)));
    const view = new DataView(png.buffer, png.byteOffset);
    view.setUint32(16, 20000);
    view.setUint32(20, 20000);
    expect(imageHeaderSize(png)).toEqual({ width: 20000, height: 20000 });
    expect(() => decodeImage(png, 'poster.png')).toThrow(
      /poster\.png: the image is 20000×20000 pixels \(400\.0 megapixels\)/,
    );
  });

  it('throws FormatError naming the source on random bytes and truncated files', () => {
    const junk = new Uint8Array(200).map((_, i) => (i * 73 + 11) % 251);
    expect(() => decodeImage(junk, 'junk.bin')).toThrow(FormatError);
    expect(() => decodeImage(junk, 'junk.bin')).toThrow(/junk\.bin.*not a PNG or JPEG/);
    expect(() => decodeImage(new Uint8Array(0), 'empty.png')).toThrow(FormatError);

    const img = canvas(32, 32, WHITE);
    stroke(img, 5, 5, 25, 25, 2, BLACK);
    const png = encodePng(32, 32, img.data);
    expect(() => decodeImage(png.subarray(0, Math.floor(png.length / 2)), 'cut.png')).toThrow(FormatError);
    expect(() => decodeImage(png.subarray(0, Math.floor(png.length / 2)), 'cut.png')).toThrow(/cut\.png/);
    const jpg = new Uint8Array(jpeg.encode({ width: 32, height: 32, data: img.data }, 90).data);
    expect(() => decodeImage(jpg.subarray(0, 40), 'cut.jpg')).toThrow(FormatError);
  });
});
