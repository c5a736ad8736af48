/**
 * Image files: PNG and JPEG decoding to RGBA (pngjs, jpeg-js; pure JavaScript), PNG encoding for
 * pictures, and `loadImageFile`, which turns a file into an MNIST-like `[28, 28]` input.
 */
import { readBytes } from './read.js';
import jpeg from 'jpeg-js';
import pngjs from 'pngjs';
import { FormatError, ShapeError, ValueError } from '../errors.js';
import { mnistFromImage, type RgbaImage } from '../data/preprocess.js';
import type { Tensor } from '../tensor/tensor.js';

const { PNG } = pngjs;

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG_MAGIC = [0xff, 0xd8, 0xff];

function startsWith(bytes: Uint8Array, magic: readonly number[]): boolean {
  if (bytes.length < magic.length) return false;
  return magic.every((b, i) => bytes[i] === b);
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function checkDecoded(img: { width: number; height: number; data: Uint8Array }, source: string, kind: string): RgbaImage {
  const { width, height, data } = img;
  if (!(width > 0 && height > 0) || data.length !== width * height * 4) {
    throw new FormatError(`${source}: the ${kind} decoder returned a ${width}×${height} image with ${data.length} bytes; expected ${width * height * 4} (RGBA).`);
  }
  return { width, height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

/**
 * Decodes a PNG or JPEG file's bytes (told apart by their magic numbers, not by the name) to 8-bit
 * RGBA, row-major. `source` names the file in error messages.
 *
 * @throws FormatError naming `source` when the bytes are neither PNG nor JPEG, or are corrupt or truncated.
 */
export function decodeImage(bytes: Uint8Array, source: string): RgbaImage {
  if (!(bytes instanceof Uint8Array)) {
    throw new ValueError(`decodeImage: bytes must be a Uint8Array, got ${typeof bytes}.`);
  }
  if (startsWith(bytes, PNG_MAGIC)) {
    let png: { width: number; height: number; data: Buffer };
    try {
      png = PNG.sync.read(asBuffer(bytes));
    } catch (e) {
      const err = new FormatError(`${source}: not a readable PNG (corrupt or truncated): ${(e as Error).message}`);
      err.cause = e;
      throw err;
    }
    return checkDecoded(png, source, 'PNG');
  }
  if (startsWith(bytes, JPEG_MAGIC)) {
    let img: { width: number; height: number; data: Uint8Array };
    try {
      img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true });
    } catch (e) {
      const err = new FormatError(`${source}: not a readable JPEG (corrupt or truncated): ${(e as Error).message}`);
      err.cause = e;
      throw err;
    }
    return checkDecoded(img, source, 'JPEG');
  }
  const head = Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
  throw new FormatError(`${source}: not a PNG or JPEG image (the file starts with bytes ${head || '(empty file)'}).`);
}

/**
 * Reads a PNG or JPEG file of any size, colour and background and turns it into an MNIST-like input:
 * a float32 tensor `[28, 28]` in [0, 1], white digit on black (see {@link mnistFromImage}).
 *
 * @throws FormatError when the file cannot be read or is not a readable PNG or JPEG; ValueError when
 *   the image holds no ink.
 */
export function loadImageFile(path: string): Tensor {
  const bytes = readBytes(path);
  try {
    return mnistFromImage(decodeImage(bytes, path));
  } catch (e) {
    // name the file in errors about its content (decodeImage's already do)
    if (e instanceof Error && !e.message.includes(path)) e.message = `${path}: ${e.message}`;
    throw e;
  }
}

/**
 * Encodes an image as PNG bytes (8-bit RGBA, opaque unless RGBA input says otherwise). `pixels` is
 * either grayscale, `width * height` values (Float32Array in [0, 1], clamped; Uint8Array 0–255), or
 * RGBA, `width * height * 4` values in the same ranges (Uint8ClampedArray too). A `[28, 28]` tensor's `data` writes as is.
 */
export function encodePng(width: number, height: number, pixels: Float32Array | Uint8Array | Uint8ClampedArray): Uint8Array {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new ValueError(`encodePng: width and height must be positive integers, got ${width}×${height}.`);
  }
  const n = width * height;
  const rgbaIn = pixels.length === 4 * n;
  if (!rgbaIn && pixels.length !== n) {
    throw new ShapeError(`encodePng: a ${width}×${height} image needs ${n} gray or ${4 * n} RGBA values, got ${pixels.length}.`);
  }
  const toByte =
    pixels instanceof Float32Array ? (v: number) => (v > 0 ? (v < 1 ? Math.round(v * 255) : 255) : 0) : (v: number) => v;
  const png = new PNG({ width, height });
  const out = png.data;
  if (rgbaIn) {
    for (let i = 0; i < 4 * n; i++) out[i] = toByte(pixels[i]);
  } else {
    for (let i = 0; i < n; i++) {
      const g = toByte(pixels[i]);
      out[4 * i] = g;
      out[4 * i + 1] = g;
      out[4 * i + 2] = g;
      out[4 * i + 3] = 255;
    }
  }
  const buf = PNG.sync.write(png);
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}
