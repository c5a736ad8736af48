/**
 * Image files: PNG and JPEG decoding to RGBA (pngjs, jpeg-js; pure JavaScript), a JPEG turned
 * upright by its EXIF orientation (exif-reader), PNG encoding for pictures, and `loadImageFile`,
 * which turns a file into an MNIST-like `[28, 28]` input.
 */
import { readBytes } from '../io/read.js';
import exifReader from 'exif-reader';
import jpeg from 'jpeg-js';
import pngjs from 'pngjs';
import { FormatError, ShapeError, ValueError } from '../errors.js';
import { mnistFromImage, type RgbaImage } from './preprocess.js';
import type { Tensor } from '../tensor/tensor.js';

const { PNG } = pngjs;

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG_MAGIC = [0xff, 0xd8, 0xff];

/**
 * The largest image read: 100 megapixels (jpeg-js's own resolution bound; a 50 MP phone photo,
 * 8160×6120, is half of it). Decoding takes memory in proportion: RGBA out is 4 bytes a pixel, and
 * jpeg-js holds every component's coefficients and samples besides (see {@link JPEG_BYTES_PER_PIXEL}).
 *
 * @example
 * ```ts
 * loadImageFile('huge.png'); // ValueError when it has more than MAX_IMAGE_PIXELS pixels, before decoding
 * ```
 */
export const MAX_IMAGE_PIXELS = 100_000_000;

/**
 * jpeg-js's memory for a JPEG, per pixel, at most: 4 bytes of coefficients and 1 of samples for each
 * of up to 4 full-resolution components (CMYK), plus 4 of RGBA out. It refuses to go past the memory
 * limit it is given (512 MB by default, which a 50 MP photo needs more than), so it is given this
 * many bytes per pixel of the image at hand (and the file's size): about 2.3 GB for a 100 MP image.
 */
const JPEG_BYTES_PER_PIXEL = 24;

function startsWith(bytes: Uint8Array, magic: readonly number[]): boolean {
  if (bytes.length < magic.length) return false;
  return magic.every((b, i) => bytes[i] === b);
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function checkDecoded(
  img: { width: number; height: number; data: Uint8Array },
  source: string,
  kind: string,
): RgbaImage {
  const { width, height, data } = img;
  if (!(width > 0 && height > 0) || data.length !== width * height * 4) {
    throw new FormatError(
      `${source}: the ${kind} decoder returned a ${width}×${height} image with ${data.length} bytes; expected ${width * height * 4} (RGBA).`,
    );
  }
  return { width, height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

/**
 * The image as it is meant to be seen, given its EXIF orientation (1–8): phones store a photo as the
 * sensor read it and say in this tag how to turn it. Output pixel (x, y) comes from the stored pixel
 * `from(x, y)`; orientations 5–8 swap width and height.
 *
 * @example
 * ```ts
 * const upright = orientImage(img, 6); // a phone photo stored sideways (EXIF orientation 6), turned upright
 * ```
 */
export function orientImage(img: RgbaImage, orientation: number): RgbaImage {
  const { width: w, height: h, data } = img;
  const from: Record<number, (x: number, y: number) => [number, number]> = {
    2: (x, y) => [w - 1 - x, y], // mirrored left–right
    3: (x, y) => [w - 1 - x, h - 1 - y], // rotated 180°
    4: (x, y) => [x, h - 1 - y], // mirrored top–bottom
    5: (x, y) => [y, x], // transposed
    6: (x, y) => [y, h - 1 - x], // stored turned 90° anticlockwise: turn it clockwise
    7: (x, y) => [w - 1 - y, h - 1 - x], // transversed
    8: (x, y) => [w - 1 - y, x], // stored turned 90° clockwise: turn it anticlockwise
  };
  const map = from[orientation];
  if (!map) return img; // 1, or a value outside the standard: as stored
  const [ow, oh] = orientation >= 5 ? [h, w] : [w, h];
  const out = new Uint8Array(ow * oh * 4);
  const at = (x: number, y: number): number => {
    const [sx, sy] = map(x, y);
    return 4 * (sy * w + sx);
  };
  // Every map is affine, so along an output row the source pixel moves by a fixed step.
  const step = at(1, 0) - at(0, 0);
  for (let y = 0, o = 0; y < oh; y++) {
    for (let x = 0, src = at(0, y); x < ow; x++, o += 4, src += step) {
      out[o] = data[src];
      out[o + 1] = data[src + 1];
      out[o + 2] = data[src + 2];
      out[o + 3] = data[src + 3];
    }
  }
  return { width: ow, height: oh, data: out };
}

/** The EXIF orientation of a JPEG (1 when it has none, or its EXIF cannot be read). */
function exifOrientation(exif: Uint8Array | undefined): number {
  if (!exif) return 1;
  try {
    // jpeg-js keeps what follows "Exif\0": the pad byte, then the TIFF header exif-reader expects.
    const tiff = exif[0] === 0 ? exif.subarray(1) : exif;
    return exifReader(asBuffer(tiff)).Image?.Orientation ?? 1;
  } catch {
    return 1; // unreadable metadata does not make the picture unreadable
  }
}

/**
 * Width and height as a PNG's IHDR or a JPEG's start-of-frame segment gives them, read before
 * decoding so that an image too large to decode is refused before it takes the memory; undefined
 * when the header cannot be found (the decoder then says what is wrong).
 *
 * @example
 * ```ts
 * imageHeaderSize(readFileSync('photo.jpg')); // { width: 4032, height: 3024 }, read before decoding
 * ```
 */
export function imageHeaderSize(bytes: Uint8Array): { width: number; height: number } | undefined {
  const u16 = (i: number) => (bytes[i] << 8) | bytes[i + 1];
  const u32 = (i: number) => u16(i) * 65536 + u16(i + 2);
  if (startsWith(bytes, PNG_MAGIC)) {
    // 8-byte signature, then the IHDR chunk: length (4), "IHDR" (4), width (4), height (4).
    const ihdr = bytes.length >= 24 && String.fromCharCode(...bytes.subarray(12, 16)) === 'IHDR';
    return ihdr ? { width: u32(16), height: u32(20) } : undefined;
  }
  if (startsWith(bytes, JPEG_MAGIC)) {
    // Segments after SOI: 0xFF, the marker, a 2-byte length that counts itself, the body. A
    // start-of-frame (C0–CF but C4 DHT, C8 JPG, CC DAC) holds precision (1), height (2), width (2).
    for (let i = 2; i + 9 < bytes.length;) {
      if (bytes[i] !== 0xff) return undefined;
      const marker = bytes[i + 1];
      if (marker === 0xff) {
        i++; // fill byte
        continue;
      }
      if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
        i += 2; // markers without a length
        continue;
      }
      if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
        return { width: u16(i + 7), height: u16(i + 5) };
      }
      if (marker === 0xda || marker === 0xd9) return undefined; // the scan began with no frame header
      i += 2 + u16(i + 2);
    }
  }
  return undefined;
}

/** Refuses an image larger than {@link MAX_IMAGE_PIXELS}, by its header, before it is decoded. */
function checkSize(bytes: Uint8Array, source: string): void {
  const size = imageHeaderSize(bytes);
  if (size && size.width * size.height > MAX_IMAGE_PIXELS) {
    const mp = (size.width * size.height) / 1e6;
    throw new ValueError(
      `${source}: the image is ${size.width}×${size.height} pixels (${mp.toFixed(1)} megapixels), more than the ${MAX_IMAGE_PIXELS / 1e6} megapixels that can be read; scale it down first.`,
    );
  }
}

/**
 * Decodes a PNG or JPEG file's bytes (told apart by their magic numbers, not by the name) to 8-bit
 * RGBA, row-major, turning a JPEG upright by its EXIF orientation. `source` names the file in error
 * messages.
 *
 * @throws FormatError naming `source` when the bytes are neither PNG nor JPEG, or are corrupt or
 *   truncated; ValueError naming it when the image is larger than 100 megapixels (the limit, read
 *   from its header before decoding).
 *
 * @example
 * ```ts
 * const img = decodeImage(readFileSync('photo.jpg'), 'photo.jpg'); // { width, height, data: RGBA bytes }
 * const digit = mnistFromImage(img);                                  // [28, 28], as MNIST was made
 * ```
 */
export function decodeImage(bytes: Uint8Array, source: string): RgbaImage {
  if (!(bytes instanceof Uint8Array)) {
    throw new ValueError(`decodeImage: bytes must be a Uint8Array, got ${typeof bytes}.`);
  }
  checkSize(bytes, source);
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
    let img: { width: number; height: number; data: Uint8Array; exifBuffer?: Uint8Array };
    try {
      const size = imageHeaderSize(bytes);
      // jpeg-js also counts a copy of the compressed data; 64 MB more covers tables and padding to whole blocks.
      const need = (size ? size.width * size.height : 0) * JPEG_BYTES_PER_PIXEL + bytes.length;
      const memoryMb = Math.max(512, Math.ceil(need / 2 ** 20) + 64);
      img = jpeg.decode(bytes, {
        useTArray: true,
        formatAsRGBA: true,
        maxResolutionInMP: MAX_IMAGE_PIXELS / 1e6,
        maxMemoryUsageInMB: memoryMb,
      });
    } catch (e) {
      const err = new FormatError(`${source}: not a readable JPEG (corrupt or truncated): ${(e as Error).message}`);
      err.cause = e;
      throw err;
    }
    return orientImage(checkDecoded(img, source, 'JPEG'), exifOrientation(img.exifBuffer));
  }
  const head = Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
  throw new FormatError(`${source}: not a PNG or JPEG image (the file starts with bytes ${head || '(empty file)'}).`);
}

/**
 * Reads a PNG or JPEG file of any size, colour and background and turns it into an MNIST-like input:
 * a float32 tensor `[28, 28]` in [0, 1], white digit on black (see {@link mnistFromImage}).
 *
 * @throws FormatError when the file cannot be read or is not a readable PNG or JPEG; ValueError when
 *   the image holds no ink or is larger than 100 megapixels.
 *
 * @example
 * ```ts
 * const digit = loadImageFile('my-digit.png');                 // [28, 28] in [0, 1]
 * const probs = await model.predict(digit.reshape([1, 28, 28]));
 * ```
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
 * RGBA, `width * height * 4` values in the same ranges (Uint8ClampedArray too). A `[28, 28]` tensor's `data` writes as
 * is.
 *
 * @example
 * ```ts
 * writeFileSync('digit.png', encodePng(28, 28, xTest.slice(0, 1).data as Uint8Array)); // test digit 0, 28×28 gray
 * ```
 */
export function encodePng(
  width: number,
  height: number,
  pixels: Float32Array | Uint8Array | Uint8ClampedArray,
): Uint8Array {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new ValueError(`encodePng: width and height must be positive integers, got ${width}×${height}.`);
  }
  const n = width * height;
  const rgbaIn = pixels.length === 4 * n;
  if (!rgbaIn && pixels.length !== n) {
    throw new ShapeError(
      `encodePng: a ${width}×${height} image needs ${n} gray or ${4 * n} RGBA values, got ${pixels.length}.`,
    );
  }
  const toByte =
    pixels instanceof Float32Array
      ? (v: number) => (v > 0 ? (v < 1 ? Math.round(v * 255) : 255) : 0)
      : (v: number) => v;
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
