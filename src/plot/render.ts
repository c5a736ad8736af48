/**
 * Drawing a chart: a Vega-Lite spec (specs.ts) to SVG with vega-lite and vega (no DOM, no canvas),
 * and that SVG to PNG with resvg compiled to WebAssembly, setting the text in DejaVu Sans from the
 * dejavu-fonts-ttf package, so a PNG comes out the same on every machine. Node only.
 *
 * The chart packages (a few hundred milliseconds to load) and the rasteriser are imported when the
 * first plot is drawn, never by `import 'mnist-nn'`: training does not pay for them.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { extname } from 'node:path';
import { ValueError, checkKeys } from '../errors.js';
import { writeFileAtomic } from '../io/write.js';
import type { VlSpec } from './specs.js';

const require = createRequire(import.meta.url);

/**
 * A drawn chart: its SVG, its size in CSS pixels, and the ways to a file.
 *
 * Every plotting function resolves to one. `String(plot)` is the SVG too.
 *
 * @example
 * ```ts
 * const plot = await plotHistory(history);
 * await plot.save('curves.png');            // or .svg; PNG at 2 device pixels per SVG pixel
 * const png = await plot.toPng({ scale: 1 });
 * document.body.innerHTML = plot.svg;       // where a DOM is at hand
 * ```
 */
export class Plot {
  constructor(
    /** The chart as a standalone SVG document (text as `<text>`, so selectable and searchable). */
    readonly svg: string,
    readonly width: number,
    readonly height: number,
  ) {}

  /** The SVG. */
  toString(): string {
    return this.svg;
  }

  /** The chart as PNG bytes, `scale` device pixels per SVG pixel (2 by default: sharp on a high-density screen). */
  async toPng(options: { scale?: number } = {}): Promise<Uint8Array> {
    checkKeys('toPng', options, ['scale']);
    const { scale = 2 } = options;
    if (!(typeof scale === 'number' && scale > 0 && scale <= 8))
      throw new ValueError(`toPng: scale must be a number in (0, 8], got ${String(scale)}.`);
    return rasterize(this.svg, scale);
  }

  /**
   * Writes the chart to `path` (atomically), as SVG or PNG by the extension (`.svg`, `.png`); resolves to the path. A
   * path that cannot be written is a FileError.
   */
  async save(path: string, options: { scale?: number } = {}): Promise<string> {
    checkKeys('save', options, ['scale']);
    const ext = extname(path).toLowerCase();
    if (ext !== '.svg' && ext !== '.png')
      throw new ValueError(`save: path must end in .svg or .png, got ${JSON.stringify(path)}.`);
    writeFileAtomic(path, ext === '.svg' ? new TextEncoder().encode(this.svg) : await this.toPng(options));
    return path;
  }
}

/**
 * A Vega-Lite spec compiled to Vega; vega-lite's warnings (none expected) are errors.
 *
 * @example
 * ```ts
 * const vega = await compileSpec(curvesSpec({ rows }));
 * ```
 */
export async function compileSpec(spec: VlSpec): Promise<import('vega').Spec> {
  const { compile } = await import('vega-lite');
  const warnings: string[] = [];
  const logger = {
    level: () => logger,
    error: (...m: unknown[]) => void warnings.push(m.join(' ')),
    warn: (...m: unknown[]) => void warnings.push(m.join(' ')),
    info: () => logger,
    debug: () => logger,
  };
  const compiled = compile(spec as unknown as Parameters<typeof compile>[0], { logger: logger as never }).spec;
  if (warnings.length > 0)
    throw new Error(`plot: the chart's spec is faulty (a bug in mnist-nn): ${warnings.join('; ')}`);
  return compiled;
}

/**
 * Renders a Vega-Lite spec headless, to SVG.
 *
 * @example
 * ```ts
 * const plot = await renderSpec(probabilitiesSpec({ probabilities: [0.1, 0.9] }));
 * ```
 */
export async function renderSpec(spec: VlSpec): Promise<Plot> {
  const [compiled, vega] = await Promise.all([compileSpec(spec), import('vega')]);
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    const svg = await view.toSVG();
    const size = /<svg[^>]*\swidth="([\d.]+)"[^>]*\sheight="([\d.]+)"/.exec(svg);
    return new Plot(svg, Number(size?.[1] ?? 0), Number(size?.[2] ?? 0));
  } finally {
    view.finalize();
  }
}

/** The rasteriser, its WebAssembly compiled once per process, with the fonts read once. */
let resvg: Promise<{ Resvg: typeof import('@resvg/resvg-wasm').Resvg; fonts: Uint8Array[] }> | undefined;

function loadResvg(): NonNullable<typeof resvg> {
  resvg ??= (async () => {
    const { initWasm, Resvg } = await import('@resvg/resvg-wasm');
    await initWasm(readFileSync(require.resolve('@resvg/resvg-wasm/index_bg.wasm')));
    const fonts = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'].map(
      (f) => new Uint8Array(readFileSync(require.resolve(`dejavu-fonts-ttf/ttf/${f}`))),
    );
    return { Resvg, fonts };
  })();
  return resvg;
}

async function rasterize(svg: string, scale: number): Promise<Uint8Array> {
  const { Resvg, fonts } = await loadResvg();
  // Vega asks browsers for unsmoothed images with `optimizeSpeed` then `pixelated`; resvg knows only
  // the first and would let the unknown second one turn smoothing back on.
  const r = new Resvg(
    svg.replaceAll('image-rendering: optimizeSpeed; image-rendering: pixelated;', 'image-rendering: optimizeSpeed;'),
    {
      // Only the shipped font: system fonts would make the PNG differ from machine to machine.
      font: {
        fontBuffers: fonts,
        loadSystemFonts: false,
        defaultFontFamily: 'DejaVu Sans',
        sansSerifFamily: 'DejaVu Sans',
      },
      fitTo: { mode: 'zoom', value: scale },
      background: 'white',
    },
  );
  try {
    const image = r.render();
    const png = image.asPng();
    image.free();
    return png;
  } finally {
    r.free();
  }
}
