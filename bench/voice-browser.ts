/**
 * The browser half of `npm run bench:voice`: the product's voice detector in headless
 * Chromium, in a module worker as on the exam page (bench/voice-bench-worker.ts, bundled
 * here with esbuild; onnxruntime-web's wasm files and the model served from a local server,
 * as the product serves them from its own origin).
 */
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { voiceAssetDirs } from '../packages/detection/src/node/voice-node.js';
import { SILERO_MODEL_FILE } from '../packages/detection/src/voice/silero.js';
import { browserUnavailable, launchBrowser } from '../e2e/helpers/browser.js';

/** What the browser measured, ms. */
export interface BrowserVoiceTimings {
  loadMs: number;
  /** `VoiceDetector.push` per chunk of the clip, as the capture worklet delivers them. */
  chunkMs: number[];
  /** The model alone per 32 ms frame. */
  frameMs: number[];
}

/** Runs in the page: loads the clip, starts the worker, sends it the work, keeps the result. */
const PAGE_SCRIPT = `
const ask = (worker, message, transfer = []) => new Promise((resolve, reject) => {
  worker.onmessage = (e) =>
    e.data.type === 'failed' ? reject(new Error(e.data.error)) : resolve(e.data);
  worker.postMessage(message, transfer);
});
const f32 = async (url) => new Float32Array(await (await fetch(url)).arrayBuffer());
try {
  const { rate, chunk } = await (await fetch('/params.json')).json();
  const clip = await f32('/clip.f32');
  const frames = await f32('/frames.f32');
  const worker = new Worker('/worker.js', { type: 'module' });
  const ready = await ask(worker, { type: 'init', modelUrl: '/model.onnx', runtimePath: '/ort/' });
  const chunks = await ask(worker, { type: 'chunks', samples: clip, sampleRate: rate, chunk }, [clip.buffer]);
  const timed = await ask(worker, { type: 'frames', samples: frames }, [frames.buffer]);
  window.benchResult = { loadMs: ready.loadMs, chunkMs: chunks.ms, frameMs: timed.ms };
} catch (error) {
  window.benchResult = { error: String(error) };
}
`;

const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
};

function typeOf(path: string): string {
  return TYPES[path.slice(path.lastIndexOf('.'))] ?? 'application/octet-stream';
}

/** Serves the page, the bundled worker, the clip, the model and the runtime's files. */
async function serve(files: Map<string, Uint8Array | string>, runtimeDir: string) {
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    void (async () => {
      const body = path.startsWith('/ort/')
        ? await readFile(join(runtimeDir, basename(path))).catch(() => undefined)
        : files.get(path);
      if (body === undefined) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': typeOf(path === '/' ? '.html' : path) }).end(body);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => server.close() };
}

/** Bundles the bench worker as the web build bundles the voice worker (external wasm). */
async function workerBundle(): Promise<string> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL('./voice-bench-worker.ts', import.meta.url))],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    conditions: ['onnxruntime-web-use-extern-wasm'],
    logLevel: 'error',
  });
  return result.outputFiles[0]!.text;
}

/**
 * Times the voice detector in headless Chromium on `clip` (at `rate`, in chunks of `chunk`
 * samples) and the model on `frames` (16 kHz); a reason string when Chromium is missing.
 */
export async function browserVoiceTimings(
  clip: Float32Array,
  rate: number,
  chunk: number,
  frames: Float32Array,
): Promise<BrowserVoiceTimings | string> {
  const missing = browserUnavailable();
  if (missing) return missing;
  const dirs = voiceAssetDirs();
  const bytes = (a: Float32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const files = new Map<string, Uint8Array | string>([
    ['/', `<!doctype html><title>bench</title><script type="module" src="/page.js"></script>`],
    ['/page.js', PAGE_SCRIPT],
    ['/worker.js', await workerBundle()],
    ['/params.json', JSON.stringify({ rate, chunk })],
    ['/clip.f32', bytes(clip)],
    ['/frames.f32', bytes(frames)],
    ['/model.onnx', new Uint8Array(await readFile(join(dirs.model, SILERO_MODEL_FILE)))],
  ]);
  const server = await serve(files, dirs.runtime);
  const browser = await launchBrowser();
  try {
    const page = await browser.context.newPage();
    await page.goto(`${server.url}/`);
    await page.waitForFunction('window.benchResult !== undefined', undefined, {
      timeout: 10 * 60_000,
    });
    const result = (await page.evaluate('window.benchResult')) as
      BrowserVoiceTimings | { error: string };
    if ('error' in result) throw new Error(`browser: ${result.error}`);
    return result;
  } finally {
    await browser.close();
    server.close();
  }
}
