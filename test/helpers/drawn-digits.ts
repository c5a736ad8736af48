/**
 * Digits drawn as strokes on the draw-a-digit page's pad (web/), for bench/drawings.ts and
 * test/browser.test.ts: the page tests' six digits, a seeded set of our own in several styles, the
 * mouse path that draws strokes on the page (as a user's mouse does), and a Node rendering of strokes
 * as the page's canvas draws them (20-pixel round pen, black on white, anti-aliased).
 *
 * Pure: nothing here runs a browser or loads a model (the Page type is only a type).
 */
import type { Page } from 'playwright-core';

/** The pad's side in canvas pixels (web/index.html). */
export const PAD = 280;
/** The page's pen width in canvas pixels. */
export { PEN } from '../../web/src/pen.js';
import { PEN } from '../../web/src/pen.js';

/** A stroke in the pad's 280×280 coordinates: one polyline, drawn with the button held down. */
export type Stroke = [number, number][];

const ellipse = (cx: number, cy: number, rx: number, ry: number, from = -Math.PI / 2, turn = 2.1 * Math.PI): Stroke =>
  Array.from({ length: 25 }, (_, i) => {
    const t = from + (turn * i) / 24;
    return [cx + rx * Math.cos(t), cy + ry * Math.sin(t)];
  });

/** The digits test/browser.test.ts draws on the page and expects read right. */
export const PAGE_TEST_DIGITS: [string, Stroke[]][] = [
  ['0', [ellipse(140, 140, 62, 95)]],
  [
    '1',
    [
      [
        [150, 45],
        [140, 140],
        [132, 235],
      ],
    ],
  ],
  ['2', [[...ellipse(140, 100, 55, 50, Math.PI * 1.1, Math.PI * 1.15), [85, 232], [205, 230]]]],
  [
    '3',
    [
      [
        ...ellipse(138, 90, 50, 45, -Math.PI * 0.85, Math.PI * 1.35),
        ...ellipse(138, 180, 58, 50, -Math.PI * 0.5, Math.PI * 1.35),
      ],
    ],
  ],
  [
    '4',
    [
      [
        [110, 45],
        [85, 160],
        [205, 160],
      ],
      [
        [175, 80],
        [172, 240],
      ],
    ],
  ],
  [
    '7',
    [
      [
        [75, 55],
        [205, 55],
        [125, 240],
      ],
    ],
  ],
];

// ---- the drawing set ----------------------------------------------------------------------------

/** A point of a template, in its unit box: x across (0 left, 1 right), y down (0 top, 1 bottom). */
type P = [number, number];

/**
 * Points along an elliptic arc of the unit box, angles in degrees, y down (90° is the bottom; increasing angles turn
 * clockwise on screen).
 */
function arc(cx: number, cy: number, rx: number, ry: number, fromDeg: number, toDeg: number): P[] {
  const n = Math.max(4, Math.ceil(Math.abs(toDeg - fromDeg) / 12));
  return Array.from({ length: n + 1 }, (_, i) => {
    const t = ((fromDeg + ((toDeg - fromDeg) * i) / n) * Math.PI) / 180;
    return [cx + rx * Math.cos(t), cy + ry * Math.sin(t)];
  });
}

/** One way of writing a digit: its strokes in the unit box and its usual width ÷ height. */
interface Template {
  name: string;
  aspect: number;
  strokes: P[][];
}

const t = (name: string, aspect: number, ...strokes: P[][]): Template => ({ name, aspect, strokes });

/** Ways of writing each digit, as people do (open and closed 4, a 7 with a bar, a 1 with a serif, ...). */
export const TEMPLATES: Template[][] = [
  [
    t('oval', 0.7, arc(0.5, 0.5, 0.5, 0.5, -90, 290)),
    t('open-top', 0.65, arc(0.5, 0.5, 0.5, 0.5, -60, 250)),
    t('round', 0.95, arc(0.5, 0.5, 0.5, 0.5, -100, 265)),
    t('narrow', 0.45, arc(0.5, 0.5, 0.5, 0.5, -80, 285)),
    t('tail', 0.7, arc(0.5, 0.5, 0.5, 0.5, -90, 340)),
  ],
  [
    t('stick', 0.12, [
      [0.5, 0],
      [0.5, 1],
    ]),
    t('serif', 0.4, [
      [0.1, 0.25],
      [0.6, 0],
      [0.6, 1],
    ]),
    t(
      'serif-base',
      0.55,
      [
        [0.15, 0.22],
        [0.55, 0],
        [0.55, 1],
      ],
      [
        [0.1, 1],
        [1, 1],
      ],
    ),
    t('curved', 0.2, [
      [0.8, 0],
      [0.55, 0.35],
      [0.35, 0.7],
      [0.2, 1],
    ]),
    t('long-serif', 0.5, [
      [0, 0.35],
      [0.65, 0],
      [0.62, 1],
    ]),
  ],
  [
    t('curve', 0.75, [...arc(0.5, 0.28, 0.47, 0.28, 190, 400), [0.02, 1], [1, 0.99]]),
    t('looped', 0.75, [
      ...arc(0.5, 0.28, 0.47, 0.28, 190, 400),
      [0.12, 0.92],
      [0.3, 0.82],
      [0.34, 0.94],
      [0.2, 1],
      [1, 0.97],
    ]),
    t('angular', 0.75, [
      [0.05, 0.2],
      [0.4, 0],
      [0.85, 0.05],
      [0.95, 0.3],
      [0.05, 1],
      [1, 1],
    ]),
    t('swan', 0.75, [...arc(0.5, 0.3, 0.45, 0.3, 200, 380), [0.6, 0.6], [0.1, 0.95], [0.4, 0.85], [1, 1]]),
  ],
  [
    t('round', 0.7, [...arc(0.5, 0.25, 0.45, 0.25, 200, 450), ...arc(0.5, 0.75, 0.5, 0.25, -90, 160)]),
    t('flat-top', 0.7, [[0.05, 0], [0.9, 0], [0.4, 0.42], ...arc(0.5, 0.7, 0.48, 0.3, -110, 160)]),
    t('pointed', 0.7, [...arc(0.5, 0.25, 0.45, 0.25, 200, 430), [0.3, 0.5], ...arc(0.5, 0.75, 0.5, 0.25, -110, 165)]),
  ],
  [
    t(
      'open',
      0.8,
      [
        [0.35, 0],
        [0.05, 0.65],
        [1, 0.65],
      ],
      [
        [0.75, 0.2],
        [0.72, 1],
      ],
    ),
    t(
      'closed',
      0.8,
      [
        [0.7, 0],
        [0.02, 0.68],
        [1, 0.68],
      ],
      [
        [0.7, 0],
        [0.7, 1],
      ],
    ),
    t(
      'open-one-stroke',
      0.8,
      [
        [0.25, 0],
        [0.05, 0.6],
        [0.95, 0.6],
      ],
      [
        [0.7, 0.3],
        [0.7, 1],
      ],
    ),
    t(
      'upright',
      0.7,
      [
        [0.1, 0],
        [0.1, 0.55],
        [1, 0.55],
      ],
      [
        [0.7, 0],
        [0.7, 1],
      ],
    ),
  ],
  [
    t(
      'two-strokes',
      0.7,
      [[0.15, 0], [0.1, 0.45], ...arc(0.45, 0.68, 0.5, 0.32, -120, 150)],
      [
        [0.15, 0],
        [0.95, 0],
      ],
    ),
    t('one-stroke', 0.7, [[0.95, 0], [0.15, 0], [0.1, 0.45], ...arc(0.45, 0.68, 0.5, 0.32, -120, 150)]),
    t('angular', 0.7, [
      [0.9, 0],
      [0.2, 0],
      [0.15, 0.45],
      [0.7, 0.45],
      [0.95, 0.72],
      [0.65, 1],
      [0.05, 0.95],
    ]),
  ],
  [
    t('curved', 0.7, [[0.8, 0.02], [0.45, 0.12], [0.18, 0.4], [0.05, 0.72], ...arc(0.5, 0.72, 0.45, 0.28, 180, -175)]),
    t('straight', 0.65, [[0.6, 0], [0.08, 0.7], ...arc(0.5, 0.74, 0.42, 0.26, 165, -190)]),
    t('small-loop', 0.6, [[0.85, 0], [0.4, 0.2], [0.15, 0.6], ...arc(0.5, 0.8, 0.35, 0.2, 160, -190)]),
  ],
  [
    t('plain', 0.7, [
      [0, 0.02],
      [1, 0],
      [0.35, 1],
    ]),
    t(
      'barred',
      0.7,
      [
        [0, 0.02],
        [1, 0],
        [0.35, 1],
      ],
      [
        [0.4, 0.5],
        [0.95, 0.5],
      ],
    ),
    t('hooked', 0.7, [
      [0, 0.15],
      [0, 0.02],
      [1, 0],
      [0.55, 0.5],
      [0.42, 1],
    ]),
    t('short-top', 0.55, [
      [0.2, 0],
      [1, 0],
      [0.6, 0.45],
      [0.45, 1],
    ]),
  ],
  [
    t('one-stroke', 0.65, [
      ...arc(0.5, 0.25, 0.4, 0.25, 0, -180),
      [0.5, 0.5],
      ...arc(0.5, 0.75, 0.5, 0.25, -90, 270),
      [0.9, 0.25],
    ]),
    t('two-loops', 0.65, arc(0.5, 0.25, 0.38, 0.25, -90, 275), arc(0.5, 0.75, 0.5, 0.25, -90, 275)),
    t('slanted-x', 0.65, [
      [0.85, 0.08],
      ...arc(0.5, 0.22, 0.38, 0.22, -30, -200),
      [0.85, 0.8],
      ...arc(0.5, 0.78, 0.38, 0.22, 30, 200),
      [0.85, 0.08],
    ]),
  ],
  [
    t('straight', 0.65, [...arc(0.45, 0.25, 0.42, 0.25, 0, -360), [0.8, 1]]),
    t('curved', 0.65, [...arc(0.45, 0.25, 0.42, 0.25, 0, -360), [0.85, 0.7], [0.6, 0.98], [0.35, 0.95]]),
    t('stem', 0.65, [...arc(0.45, 0.28, 0.45, 0.28, 10, -350), [0.9, 1]]),
    t('open-loop', 0.65, [...arc(0.45, 0.27, 0.42, 0.27, 30, -300), [0.87, 0.2], [0.82, 1]]),
  ],
];

/** mulberry32: a small seeded generator, so the set is the same on every run. */
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/** How one drawing was made from its template. */
export interface Style {
  /**
   * neat: a careful hand; sloppy: a hurried one (wider ranges, strokes that overshoot or stop short, pieces misplaced).
   */
  tier: 'neat' | 'sloppy';
  /** Height of the digit on the pad, in pixels (the pen being 20, a small digit has thick strokes). */
  height: number;
  /** Width multiplier on the template's aspect. */
  widen: number;
  /** Horizontal shear: the top moves right by slant × height (a right-leaning hand is positive). */
  slant: number;
  /** Rotation, degrees, clockwise on screen. */
  rotate: number;
  /** Hand wobble: amplitude of a smooth displacement, in pixels. */
  wobble: number;
  /** Sloppy only: each stroke's ends run on (+) or stop short (−) by up to this fraction of the height. */
  ends: number;
  /** Sloppy only: each stroke of a digit of several is moved by up to this fraction of the height. */
  misplace: number;
}

export interface Drawing {
  id: string;
  label: number;
  /** The template's name. */
  variant: string;
  style: Style;
  strokes: Stroke[];
}

/** Resamples a polyline so that no two consecutive points are more than `step` apart (a mouse's motion). */
function densify(points: P[], step: number): P[] {
  const out: P[] = [points[0]];
  for (let i = 1; i < points.length; i++) {
    const [x0, y0] = points[i - 1];
    const [x1, y1] = points[i];
    const n = Math.max(1, Math.ceil(Math.hypot(x1 - x0, y1 - y0) / step));
    for (let k = 1; k <= n; k++) out.push([x0 + ((x1 - x0) * k) / n, y0 + ((y1 - y0) * k) / n]);
  }
  return out;
}

/**
 * A polyline run on by `d` pixels past its end (along its last direction), or cut short by −d (never below one point).
 */
function extendEnd(pts: P[], d: number): P[] {
  if (pts.length < 2 || d === 0) return pts;
  if (d > 0) {
    const [ax, ay] = pts[pts.length - 2];
    const [bx, by] = pts[pts.length - 1];
    const l = Math.hypot(bx - ax, by - ay) || 1;
    return [...pts, [bx + ((bx - ax) * d) / l, by + ((by - ay) * d) / l]];
  }
  let cut = -d;
  const out = pts.slice();
  while (out.length > 2 && cut > 0) {
    const [ax, ay] = out[out.length - 2];
    const [bx, by] = out[out.length - 1];
    const l = Math.hypot(bx - ax, by - ay);
    if (l > cut) {
      out[out.length - 1] = [bx - ((bx - ax) * cut) / l, by - ((by - ay) * cut) / l];
      break;
    }
    out.pop();
    cut -= l;
  }
  return out;
}

/**
 * The drawing set: `perClass` drawings of each digit, cycling through its templates (2–5 ways of
 * writing each), the first half neat and the second half sloppy, each with a style drawn at random
 * (seeded), placed at random where it fits on the pad:
 * - neat: heights 70–240 pixels of the 280-pixel pad, widths ×0.75–1.3, slants −0.15 to +0.35,
 *   rotations ±10°, a wobble of up to 4 pixels;
 * - sloppy: heights 50–260, widths ×0.6–1.5, slants −0.3 to +0.55, rotations ±20°, a wobble of up
 *   to 10 pixels, stroke ends running on or stopping short by up to 12% of the height (loops left
 *   open, a 4's strokes not meeting), and the strokes of a digit of several moved apart by up to 8%.
 */
export function drawingSet(perClass = 60, seed = 1): Drawing[] {
  const rand = generator(seed);
  const uniform = (a: number, b: number) => a + (b - a) * rand();
  const out: Drawing[] = [];
  for (let label = 0; label < 10; label++) {
    const templates = TEMPLATES[label];
    for (let k = 0; k < perClass; k++) {
      const tpl = templates[k % templates.length];
      const neat = k < perClass / 2;
      const style: Style = neat
        ? {
            tier: 'neat',
            height: Math.round(uniform(70, 240)),
            widen: +uniform(0.75, 1.3).toFixed(2),
            slant: +uniform(-0.15, 0.35).toFixed(2),
            rotate: +uniform(-10, 10).toFixed(1),
            wobble: +uniform(0, 4).toFixed(1),
            ends: 0,
            misplace: 0,
          }
        : {
            tier: 'sloppy',
            height: Math.round(uniform(50, 260)),
            widen: +uniform(0.6, 1.5).toFixed(2),
            slant: +uniform(-0.3, 0.55).toFixed(2),
            rotate: +uniform(-20, 20).toFixed(1),
            wobble: +uniform(0, 10).toFixed(1),
            ends: 0.12,
            misplace: 0.08,
          };
      const phase = [
        uniform(0, 2 * Math.PI),
        uniform(0, 2 * Math.PI),
        uniform(0, 2 * Math.PI),
        uniform(0, 2 * Math.PI),
      ];
      const h = style.height;
      const w = h * Math.max(0.12, tpl.aspect * style.widen);
      const cos = Math.cos((style.rotate * Math.PI) / 180);
      const sin = Math.sin((style.rotate * Math.PI) / 180);
      // Template → pixels about the digit's centre: scale, slant, (sloppy: ends and pieces off), rotate, wobble along
      // the path.
      let strokes: Stroke[] = tpl.strokes.map((s) => {
        let pts = s.map(([x, y]): P => [(x - 0.5) * w - style.slant * (y - 0.5) * h, (y - 0.5) * h]);
        if (!neat) {
          pts = extendEnd(pts, uniform(-style.ends, style.ends) * h);
          pts = extendEnd(pts.slice().reverse(), uniform(-style.ends, style.ends) * h).reverse();
          if (tpl.strokes.length > 1) {
            const [mx, my] = [
              uniform(-style.misplace, style.misplace) * h,
              uniform(-style.misplace, style.misplace) * h,
            ];
            pts = pts.map(([x, y]) => [x + mx, y + my]);
          }
        }
        let travelled = 0;
        return densify(pts, 6).map(([x, y], i, all) => {
          if (i > 0) travelled += Math.hypot(x - all[i - 1][0], y - all[i - 1][1]);
          const u = travelled / 40;
          const dx = style.wobble * Math.sin(u + phase[0]) * Math.cos(0.37 * u + phase[1]);
          const dy = style.wobble * Math.sin(0.83 * u + phase[2]) * Math.cos(0.51 * u + phase[3]);
          return [x * cos - y * sin + dx, x * sin + y * cos + dy];
        });
      });
      // Shrunk if it does not fit, then placed at random where the whole digit, pen included, stays on the pad.
      const margin = PEN / 2 + 4;
      const extent = () => {
        const xs = strokes.flat().map((p) => p[0]);
        const ys = strokes.flat().map((p) => p[1]);
        return [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
      };
      let [minX, maxX, minY, maxY] = extent();
      const fit = Math.min(1, (PAD - 2 * margin) / (maxX - minX), (PAD - 2 * margin) / (maxY - minY));
      if (fit < 1) {
        strokes = strokes.map((s) => s.map(([x, y]) => [x * fit, y * fit]));
        [minX, maxX, minY, maxY] = extent();
      }
      const ox = uniform(margin - minX, Math.max(margin - minX, PAD - margin - maxX));
      const oy = uniform(margin - minY, Math.max(margin - minY, PAD - margin - maxY));
      strokes = strokes.map((s) => s.map(([x, y]) => [+(x + ox).toFixed(1), +(y + oy).toFixed(1)]));
      out.push({ id: `${label}-${String(k).padStart(2, '0')}`, label, variant: tpl.name, style, strokes });
    }
  }
  return out;
}

// ---- drawing on the page, and the same in Node ----------------------------------------------------

/** Playwright's mouse.move in `steps` equal steps from where the mouse is, as drawOnPage moves it. */
const MOUSE_STEPS = 3;

/** Draws strokes on the page's pad with the mouse, a polyline each, as test/browser.test.ts draws its digits. */
export async function drawOnPage(page: Page, strokes: Stroke[]): Promise<void> {
  const box = (await page.locator('#pad').boundingBox())!;
  const scale = box.width / PAD;
  for (const stroke of strokes) {
    const [x0, y0] = stroke[0];
    await page.mouse.move(box.x + x0 * scale, box.y + y0 * scale);
    await page.mouse.down();
    for (const [x, y] of stroke.slice(1))
      await page.mouse.move(box.x + x * scale, box.y + y * scale, { steps: MOUSE_STEPS });
    await page.mouse.up();
  }
}

/**
 * The positions, in the page's client coordinates, at which the pad gets pointerdown and pointermove
 * while drawOnPage draws `strokes` (one list a stroke; the pad's border box at `box`).
 */
export function mousePath(strokes: Stroke[], box: { x: number; y: number; width: number }): [number, number][][] {
  const scale = box.width / PAD;
  return strokes.map((stroke) => {
    const pts = stroke.map(([x, y]): [number, number] => [box.x + x * scale, box.y + y * scale]);
    const out: [number, number][] = [pts[0]];
    for (let i = 1; i < pts.length; i++) {
      const [fx, fy] = pts[i - 1];
      const [tx, ty] = pts[i];
      for (let k = 1; k <= MOUSE_STEPS; k++)
        out.push([fx + (tx - fx) * (k / MOUSE_STEPS), fy + (ty - fy) * (k / MOUSE_STEPS)]);
    }
    return out;
  });
}

/**
 * The pad's pixels for strokes, rendered in Node as the page's canvas draws them: white, each stroke
 * a 20-pixel black line with round caps and joins, anti-aliased (4×4 samples a pixel). drawOnPage
 * moves the mouse over the pad's border box (284 CSS pixels with its 2-pixel border) as if it were
 * the 280 pixels of the canvas, so a point lands at (p · 284/280 − 2) on the canvas; so it does here.
 * An approximation of Chromium's rasterizer (bench/drawings.ts --renderer both reports how close).
 */
export function renderStrokes(
  strokes: Stroke[],
  border = 2,
): { width: number; height: number; data: Uint8ClampedArray } {
  const k = (PAD + 2 * border) / PAD;
  const S = 4;
  const r2 = (PEN / 2) ** 2;
  const cover = new Uint8Array(PAD * PAD); // samples inked, of S·S
  const hit = new Uint8Array(PAD * PAD * S * S);
  for (const stroke of strokes) {
    const pts = stroke.map(([x, y]) => [x * k - border, y * k - border]);
    const segs = pts.length === 1 ? [[pts[0], pts[0]]] : pts.slice(1).map((p, i) => [pts[i], p]);
    for (const [[ax, ay], [bx, by]] of segs) {
      const dx = bx - ax;
      const dy = by - ay;
      const len2 = dx * dx + dy * dy;
      const x0 = Math.max(0, Math.floor(Math.min(ax, bx) - PEN / 2));
      const x1 = Math.min(PAD - 1, Math.ceil(Math.max(ax, bx) + PEN / 2));
      const y0 = Math.max(0, Math.floor(Math.min(ay, by) - PEN / 2));
      const y1 = Math.min(PAD - 1, Math.ceil(Math.max(ay, by) + PEN / 2));
      for (let y = y0; y <= y1; y++) {
        for (let x = x0; x <= x1; x++) {
          for (let sy = 0; sy < S; sy++) {
            for (let sx = 0; sx < S; sx++) {
              const idx = ((y * PAD + x) * S + sy) * S + sx;
              if (hit[idx]) continue;
              const px = x + (sx + 0.5) / S;
              const py = y + (sy + 0.5) / S;
              const u = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / len2));
              const ex = px - ax - u * dx;
              const ey = py - ay - u * dy;
              if (ex * ex + ey * ey <= r2) {
                hit[idx] = 1;
                cover[y * PAD + x]++;
              }
            }
          }
        }
      }
    }
  }
  const data = new Uint8ClampedArray(PAD * PAD * 4);
  for (let i = 0; i < PAD * PAD; i++) {
    const v = Math.round(255 * (1 - cover[i] / (S * S)));
    data.set([v, v, v, 255], 4 * i);
  }
  return { width: PAD, height: PAD, data };
}
