/**
 * Photo-like pictures of handwritten digits, made here rather than downloaded: real MNIST test
 * digits drawn as pen or marker ink onto synthetic paper, then photographed the way people
 * photograph digits: paper lying on a desk, a sticky note on a dark desk, ruled paper, a printed
 * box, uneven light and hard shadows, noise and specks, blur, a small digit far from the centre,
 * chalk on a board, and JPEG compression. Every picture is a deterministic function of its seed.
 *
 * Transforms are perspective-free (scale, rotation, translation); lighting multiplies the scene, as
 * light does; blur and noise come last, as in a camera; JPEG goes through jpeg-js and is decoded by
 * the library's own `decodeImage`.
 */
import jpeg from 'jpeg-js';
import type { RgbaImage } from '../../src/image/preprocess.js';
import { decodeImage } from '../../src/image/codecs.js';

export type Rgb = [number, number, number];

/** A seeded generator of uniform numbers in [0, 1) (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A scene of w×h pixels, RGB floats in [0, 1], row-major. */
export class Scene {
  readonly px: Float32Array;
  constructor(
    readonly w: number,
    readonly h: number,
    colour: Rgb,
  ) {
    this.px = new Float32Array(w * h * 3);
    this.px.set(colour);
    for (let n = 3; n < this.px.length; n *= 2) this.px.copyWithin(n, 0, Math.min(n, this.px.length - n));
  }

  /** Multiplies every pixel by `f(x, y)` per channel: light, shade, texture. */
  modulate(f: (x: number, y: number) => number): this {
    for (let y = 0; y < this.h; y++) {
      for (let x = 0; x < this.w; x++) {
        const k = f(x, y);
        const i = 3 * (y * this.w + x);
        this.px[i] *= k;
        this.px[i + 1] *= k;
        this.px[i + 2] *= k;
      }
    }
    return this;
  }

  /** Paints `colour` with coverage `alpha(x, y)` in [0, 1] (0 leaves the pixel as it is). */
  paint(
    colour: Rgb,
    alpha: (x: number, y: number) => number,
    box: [number, number, number, number] = [0, 0, this.w, this.h],
  ): this {
    const [x0, y0, x1, y1] = [
      Math.max(0, Math.floor(box[0])),
      Math.max(0, Math.floor(box[1])),
      Math.min(this.w, Math.ceil(box[2])),
      Math.min(this.h, Math.ceil(box[3])),
    ];
    for (let y = y0; y < y1; y++) {
      for (let x = x0; x < x1; x++) {
        const a = alpha(x, y);
        if (a <= 0) continue;
        const i = 3 * (y * this.w + x);
        for (let c = 0; c < 3; c++) this.px[i + c] += (colour[c] - this.px[i + c]) * Math.min(1, a);
      }
    }
    return this;
  }

  /**
   * A filled rectangle of w×h centred at (cx, cy), turned by `angle` degrees, with edges smoothed
   * over one pixel (a sheet of paper, a sticky note).
   */
  rect(cx: number, cy: number, w: number, h: number, angle: number, colour: Rgb): this {
    const c = Math.cos((angle * Math.PI) / 180);
    const s = Math.sin((angle * Math.PI) / 180);
    const r = Math.hypot(w, h) / 2 + 1;
    return this.paint(
      colour,
      (x, y) => {
        const u = (x - cx) * c + (y - cy) * s;
        const v = -(x - cx) * s + (y - cy) * c;
        return Math.min(w / 2 - Math.abs(u), h / 2 - Math.abs(v)) + 0.5;
      },
      [cx - r, cy - r, cx + r, cy + r],
    );
  }

  /** The outline of a w×h rectangle centred at (cx, cy), lines `t` pixels thick (a printed box). */
  frame(cx: number, cy: number, w: number, h: number, t: number, colour: Rgb): this {
    const inside = (x: number, y: number, hw: number, hh: number) =>
      Math.min(hw - Math.abs(x - cx), hh - Math.abs(y - cy));
    return this.paint(
      colour,
      (x, y) => Math.min(inside(x, y, w / 2, h / 2) + 0.5, 0.5 - inside(x, y, w / 2 - t, h / 2 - t)),
      [cx - w / 2 - 1, cy - h / 2 - 1, cx + w / 2 + 1, cy + h / 2 + 1],
    );
  }

  /** A straight line from (x0, y0) to (x1, y1), `t` pixels thick, at opacity `opacity`. */
  line(x0: number, y0: number, x1: number, y1: number, t: number, colour: Rgb, opacity = 1): this {
    const len = Math.hypot(x1 - x0, y1 - y0);
    const [dx, dy] = [(x1 - x0) / len, (y1 - y0) / len];
    return this.paint(
      colour,
      (x, y) => {
        const along = (x - x0) * dx + (y - y0) * dy;
        if (along < 0 || along > len) return 0;
        const across = Math.abs(-(x - x0) * dy + (y - y0) * dx);
        return opacity * Math.min(1, t / 2 - across + 0.5);
      },
      [Math.min(x0, x1) - t, Math.min(y0, y1) - t, Math.max(x0, x1) + t, Math.max(y0, y1) + t],
    );
  }

  /**
   * Draws an MNIST digit (784 bytes, white on black) as ink: its 20-pixel ink box becomes `size`
   * pixels, centred at (cx, cy), turned by `angle` degrees and sheared by `shear`; the digit's
   * grey levels are the ink's coverage (bilinear), strengthened by `weight` (a marker is bolder than
   * a pen).
   */
  digit(
    mnist: ArrayLike<number>,
    cx: number,
    cy: number,
    size: number,
    angle: number,
    colour: Rgb,
    opts: { weight?: number; shear?: number } = {},
  ): this {
    const k = size / 20;
    const c = Math.cos((angle * Math.PI) / 180);
    const s = Math.sin((angle * Math.PI) / 180);
    const shear = opts.shear ?? 0;
    const weight = opts.weight ?? 1.2;
    const at = (u: number, v: number) => {
      const x = Math.floor(u);
      const y = Math.floor(v);
      const fx = u - x;
      const fy = v - y;
      const g = (i: number, j: number) => (i < 0 || j < 0 || i > 27 || j > 27 ? 0 : mnist[j * 28 + i] / 255);
      return (g(x, y) * (1 - fx) + g(x + 1, y) * fx) * (1 - fy) + (g(x, y + 1) * (1 - fx) + g(x + 1, y + 1) * fx) * fy;
    };
    const r = 15 * k * 1.5;
    return this.paint(
      colour,
      (x, y) => {
        // scene → digit coordinates: undo the translation, rotation, shear and scale
        const dx = x - cx;
        const dy = y - cy;
        const v = (-dx * s + dy * c) / k;
        const u = (dx * c + dy * s) / k - shear * v;
        return weight * at(u + 13.5, v + 13.5);
      },
      [cx - r, cy - r, cx + r, cy + r],
    );
  }

  /** Sensor grain: uniform noise of standard deviation `sigma`, on every channel. */
  noise(sigma: number, rand: () => number): this {
    const k = sigma * Math.sqrt(12);
    for (let i = 0; i < this.px.length; i++) this.px[i] += k * (rand() - 0.5);
    return this;
  }

  /** `n` specks (dust, pencil dots, paper fibres): small dark discs of radius 0.6–`rmax` pixels. */
  specks(n: number, rmax: number, colour: Rgb, rand: () => number): this {
    for (let k = 0; k < n; k++) {
      const cx = rand() * this.w;
      const cy = rand() * this.h;
      const r = 0.6 + rand() * (rmax - 0.6);
      this.paint(colour, (x, y) => r - Math.hypot(x - cx, y - cy) + 0.5, [
        cx - r - 1,
        cy - r - 1,
        cx + r + 2,
        cy + r + 2,
      ]);
    }
    return this;
  }

  /** Blur: three passes of a (2r+1)-wide box filter each way, close to a Gaussian of σ ≈ r. */
  blur(r: number): this {
    const tmp = new Float32Array(this.px.length);
    const pass = (src: Float32Array, dst: Float32Array, n: number, m: number, stride: number, step: number) => {
      // n lines of m pixels; pixel j of line i is at i*stride + j*step (in pixels)
      for (let i = 0; i < n; i++) {
        for (let ch = 0; ch < 3; ch++) {
          for (let j = 0; j < m; j++) {
            let sum = 0;
            for (let d = -r; d <= r; d++)
              sum += src[3 * (i * stride + Math.min(m - 1, Math.max(0, j + d)) * step) + ch];
            dst[3 * (i * stride + j * step) + ch] = sum / (2 * r + 1);
          }
        }
      }
    };
    for (let k = 0; k < 3; k++) {
      pass(this.px, tmp, this.h, this.w, this.w, 1);
      pass(tmp, this.px, this.w, this.h, 1, this.w);
    }
    return this;
  }

  /** The scene as 8-bit RGBA (a clamped array rounds and clamps as it stores). */
  rgba(): RgbaImage {
    const data = new Uint8ClampedArray(this.w * this.h * 4).fill(255);
    for (let i = 0, o = 0; i < this.px.length; i += 3, o += 4) {
      data[o] = 255 * this.px[i];
      data[o + 1] = 255 * this.px[i + 1];
      data[o + 2] = 255 * this.px[i + 2];
    }
    return { width: this.w, height: this.h, data: new Uint8Array(data.buffer) };
  }
}

/** The image after a round trip through JPEG at `quality` (jpeg-js, decoded by the library). */
export function viaJpeg(img: RgbaImage, quality: number): RgbaImage {
  const bytes = new Uint8Array(jpeg.encode({ width: img.width, height: img.height, data: img.data }, quality).data);
  return decodeImage(bytes, 'photo.jpg');
}

export interface Photo {
  /** What the picture shows, e.g. `sticky note on a dark desk (q30 JPEG)`. */
  name: string;
  label: number;
  image: RgbaImage;
}

const PEN: Rgb = [0.1, 0.12, 0.32];
const BLACK: Rgb = [0.06, 0.06, 0.07];
const WHITE_PAPER: Rgb = [0.95, 0.95, 0.93];
const CREAM: Rgb = [0.97, 0.95, 0.87];
const NOTE: Rgb = [0.99, 0.91, 0.42];
const WOOD: Rgb = [0.5, 0.34, 0.2];
const DARK_DESK: Rgb = [0.16, 0.16, 0.17];
const RULE_BLUE: Rgb = [0.45, 0.6, 0.85];
const MARGIN_RED: Rgb = [0.85, 0.35, 0.35];
const BOARD: Rgb = [0.13, 0.24, 0.19];
const CHALK: Rgb = [0.9, 0.92, 0.9];

/** A multiplicative light field: brightness from `lo` to `hi` along the direction `angle` (degrees). */
function gradient(w: number, h: number, lo: number, hi: number, angle: number): (x: number, y: number) => number {
  const c = Math.cos((angle * Math.PI) / 180);
  const s = Math.sin((angle * Math.PI) / 180);
  const span = Math.abs(w * c) + Math.abs(h * s);
  const min = Math.min(0, w * c) + Math.min(0, h * s);
  return (x, y) => lo + ((hi - lo) * (x * c + y * s - min)) / span;
}

/** A hard shadow: light times `depth` on one side of the line through (px, py) at `angle`, soft over `soft` pixels. */
function shadow(px: number, py: number, angle: number, depth: number, soft: number): (x: number, y: number) => number {
  const nx = -Math.sin((angle * Math.PI) / 180);
  const ny = Math.cos((angle * Math.PI) / 180);
  return (x, y) => {
    const d = (x - px) * nx + (y - py) * ny;
    const t = 1 / (1 + Math.exp(-d / soft));
    return 1 - (1 - depth) * t;
  };
}

/** Wood grain: stripes along the board with a little noise, around 1. */
function grain(rand: () => number): (x: number, y: number) => number {
  const f = 0.05 + 0.05 * rand();
  const phase = rand() * 10;
  return (x, y) => 0.85 + 0.12 * Math.sin(f * (y + 6 * Math.sin(x * 0.013 + phase))) + 0.06 * (rand() - 0.5);
}

/**
 * The photo set: `digits` (MNIST test digits, 784 bytes each, with labels) drawn into scenes, one
 * each, cycling through the kinds below so that each kind gets several digits. Picture i is a
 * function of its digit and `seed + i` alone.
 */
export function photoSet(digits: { pixels: ArrayLike<number>; label: number }[], seed = 1000): Photo[] {
  type Kind = (d: ArrayLike<number>, rand: () => number) => { name: string; scene: Scene; jpeg?: number };
  const pick = <T>(rand: () => number, xs: T[]): T => xs[Math.floor(rand() * xs.length)];
  const jitter = (rand: () => number, amount: number) => (rand() * 2 - 1) * amount;

  const kinds: Kind[] = [
    // A sheet of paper on a wooden desk, the sheet cut by the frame on some sides.
    (d, rand) => {
      const s = new Scene(480, 360, WOOD).modulate(grain(rand));
      s.rect(
        240 + jitter(rand, 70),
        180 + jitter(rand, 40),
        300 + rand() * 140,
        240 + rand() * 100,
        jitter(rand, 10),
        WHITE_PAPER,
      );
      s.digit(d, 240 + jitter(rand, 40), 180 + jitter(rand, 25), 100 + rand() * 50, jitter(rand, 10), PEN);
      s.modulate(gradient(480, 360, 0.75, 1.05, rand() * 360)).noise(0.02, rand);
      return { name: 'paper on a wooden desk', scene: s, jpeg: rand() < 0.5 ? 60 : undefined };
    },
    // A yellow sticky note on a dark desk, a marker digit filling most of it.
    (d, rand) => {
      const s = new Scene(480, 360, DARK_DESK).modulate(
        (x, y) => 0.9 + 0.2 * Math.sin(x * 0.05 + y * 0.01) * (rand() - 0.3),
      );
      const cx = 240 + jitter(rand, 90);
      const cy = 180 + jitter(rand, 50);
      const side = 130 + rand() * 50;
      const angle = jitter(rand, 15);
      s.rect(cx + 4, cy + 5, side, side, angle, [0.08, 0.08, 0.08]); // its shadow
      s.rect(cx, cy, side, side, angle, NOTE);
      s.digit(
        d,
        cx + jitter(rand, 8),
        cy + jitter(rand, 8),
        side * (0.55 + rand() * 0.15),
        angle + jitter(rand, 8),
        BLACK,
        { weight: 1.6 },
      );
      s.modulate(gradient(480, 360, 0.8, 1.05, rand() * 360)).noise(0.025, rand);
      return { name: 'sticky note on a dark desk', scene: s, jpeg: rand() < 0.5 ? 50 : undefined };
    },
    // Ruled paper: blue lines across, a red margin, the digit sitting on a line and crossing the next.
    (d, rand) => {
      const s = new Scene(480, 360, CREAM);
      const gap = 28 + rand() * 8;
      const y0 = 10 + rand() * gap;
      for (let y = y0; y < 360; y += gap) s.line(0, y, 480, y + jitter(rand, 3), 1.5 + rand(), RULE_BLUE, 0.9);
      s.line(70, 0, 70, 360, 2, MARGIN_RED, 0.8);
      const size = gap * (1.3 + rand() * 0.6);
      s.digit(d, 250 + jitter(rand, 80), 180 + jitter(rand, 40), size, jitter(rand, 8), PEN);
      s.modulate(gradient(480, 360, 0.8, 1.0, rand() * 360)).noise(0.02, rand);
      return { name: 'ruled paper', scene: s, jpeg: rand() < 0.4 ? 55 : undefined };
    },
    // A printed box on a form, the digit written inside it; the neighbouring boxes empty.
    (d, rand) => {
      const s = new Scene(480, 360, WHITE_PAPER);
      const size = 90 + rand() * 40;
      const bw = size * (1.25 + rand() * 0.25);
      const bh = size * (1.3 + rand() * 0.2);
      const cx = 240 + jitter(rand, 30);
      const cy = 180 + jitter(rand, 30);
      const t = 2 + Math.floor(rand() * 2);
      for (const k of [-1, 0, 1]) s.frame(cx + k * (bw - t), cy, bw, bh, t, BLACK);
      s.digit(d, cx + jitter(rand, size * 0.08), cy + jitter(rand, size * 0.08), size, jitter(rand, 8), PEN);
      s.modulate(gradient(480, 360, 0.85, 1.0, rand() * 360)).noise(0.02, rand);
      return { name: 'printed box', scene: s, jpeg: rand() < 0.4 ? 60 : undefined };
    },
    // Uneven light: strong falloff across the page, or the hard shadow of a phone across the digit.
    (d, rand) => {
      const s = new Scene(480, 360, WHITE_PAPER);
      s.digit(d, 240 + jitter(rand, 50), 180 + jitter(rand, 30), 110 + rand() * 50, jitter(rand, 10), PEN);
      const hard = rand() < 0.5;
      s.modulate(
        hard
          ? shadow(240 + jitter(rand, 60), 180, 60 + rand() * 60, 0.45 + rand() * 0.15, 3)
          : gradient(480, 360, 0.35 + rand() * 0.1, 1.0, rand() * 360),
      );
      s.noise(0.02, rand);
      return {
        name: hard ? 'hard shadow across the digit' : 'light falling off across the page',
        scene: s,
        jpeg: rand() < 0.3 ? 60 : undefined,
      };
    },
    // Dust and pencil specks all over the page, and grainy noise.
    (d, rand) => {
      const s = new Scene(480, 360, pick(rand, [WHITE_PAPER, CREAM]));
      s.digit(d, 240 + jitter(rand, 60), 180 + jitter(rand, 40), 100 + rand() * 50, jitter(rand, 10), PEN);
      s.specks(150 + Math.floor(rand() * 150), 2.5, [0.25, 0.25, 0.28], rand);
      s.modulate(gradient(480, 360, 0.8, 1.0, rand() * 360)).noise(0.05, rand);
      return { name: 'specks and noise', scene: s };
    },
    // Out of focus.
    (d, rand) => {
      const s = new Scene(400, 300, WHITE_PAPER);
      s.digit(d, 200 + jitter(rand, 40), 150 + jitter(rand, 30), 90 + rand() * 40, jitter(rand, 10), PEN);
      s.blur(2 + Math.floor(rand() * 3))
        .modulate(gradient(400, 300, 0.8, 1.0, rand() * 360))
        .noise(0.015, rand);
      return { name: 'blurred', scene: s, jpeg: rand() < 0.5 ? 50 : undefined };
    },
    // A small digit far from the centre of a large photo.
    (d, rand) => {
      const s = new Scene(640, 480, pick(rand, [WHITE_PAPER, CREAM]));
      const size = 28 + rand() * 14;
      s.digit(
        d,
        pick(rand, [140, 500]) + jitter(rand, 40),
        pick(rand, [120, 360]) + jitter(rand, 30),
        size,
        jitter(rand, 10),
        PEN,
      );
      s.specks(40, 1.5, [0.35, 0.35, 0.38], rand);
      s.modulate(gradient(640, 480, 0.8, 1.0, rand() * 360)).noise(0.02, rand);
      return { name: 'small digit off-centre', scene: s, jpeg: rand() < 0.5 ? 70 : undefined };
    },
    // Chalk on a green board: light on dark.
    (d, rand) => {
      const s = new Scene(480, 360, BOARD).modulate(
        (x, y) => 0.9 + 0.15 * Math.sin(x * 0.02 + y * 0.03 + rand() * 0.3),
      );
      s.digit(d, 240 + jitter(rand, 60), 180 + jitter(rand, 40), 110 + rand() * 50, jitter(rand, 10), CHALK, {
        weight: 0.9,
      });
      s.modulate(gradient(480, 360, 0.8, 1.05, rand() * 360)).noise(0.03, rand);
      return { name: 'chalk on a board', scene: s };
    },
    // Heavy JPEG: a plain page compressed hard.
    (d, rand) => {
      const s = new Scene(480, 360, WHITE_PAPER);
      s.digit(d, 240 + jitter(rand, 60), 180 + jitter(rand, 40), 100 + rand() * 60, jitter(rand, 10), PEN);
      s.modulate(gradient(480, 360, 0.8, 1.0, rand() * 360)).noise(0.02, rand);
      return { name: 'heavy JPEG', scene: s, jpeg: 15 + Math.floor(rand() * 10) };
    },
  ];

  return digits.map((d, i) => {
    const rand = rng(seed + i);
    const { name, scene, jpeg: quality } = kinds[(seed + i) % kinds.length](d.pixels, rand);
    const image = quality === undefined ? scene.rgba() : viaJpeg(scene.rgba(), quality);
    return { name: quality === undefined ? name : `${name} (q${quality} JPEG)`, label: d.label, image };
  });
}
