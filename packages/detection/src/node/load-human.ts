import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Human as HumanType, Config } from '@vladmandic/human';

const require = createRequire(import.meta.url);

/**
 * The human package's directory. Its exports map does not expose the wasm build (the keys
 * lack "./"), so we find the package through its main entry and load files by path.
 */
function humanDir(): string {
  return dirname(dirname(require.resolve('@vladmandic/human')));
}

/** Where the shipped models and wasm binaries live on this machine. */
export function assetDirs(): { models: string; wasm: string; faceRecognition: string } {
  return {
    models: join(humanDir(), 'models'),
    wasm: dirname(require.resolve('@tensorflow/tfjs-backend-wasm')),
    // Only the weight files of this package are used (see face-recognition.ts).
    faceRecognition: join(dirname(dirname(require.resolve('@vladmandic/face-api'))), 'model'),
  };
}

let shimmed = false;

/**
 * Node's fetch cannot read file:// URLs, which is how human and the tfjs wasm backend load
 * models and binaries. Wrap it once so file URLs are read from disk; every other URL goes
 * to the original fetch (nothing here ever asks for one).
 */
function installFileFetch(): void {
  if (shimmed) return;
  shimmed = true;
  const original = globalThis.fetch;
  globalThis.fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (!url.startsWith('file://')) return original(input, init);
    const body = await readFile(new URL(url));
    const type = url.endsWith('.json')
      ? 'application/json'
      : url.endsWith('.wasm')
        ? 'application/wasm'
        : 'application/octet-stream';
    return new Response(body, { status: 200, headers: { 'content-type': type } });
  }) as typeof fetch;
}

/** The human library's Node build on the tfjs wasm backend, with models read from disk. */
export function loadHumanModule(): { Human: new (config?: Partial<Config>) => HumanType } {
  installFileFetch();
  return require(join(humanDir(), 'dist', 'human.node-wasm.js')) as {
    Human: new (config?: Partial<Config>) => HumanType;
  };
}

/** file:// URLs (with trailing slash) of the model, wasm and face recognition directories. */
export function assetUrls(): {
  modelBasePath: string;
  wasmPath: string;
  faceRecognitionPath: string;
} {
  const dirs = assetDirs();
  return {
    modelBasePath: `${pathToFileURL(dirs.models).href}/`,
    wasmPath: `${pathToFileURL(dirs.wasm).href}/`,
    faceRecognitionPath: `${pathToFileURL(dirs.faceRecognition).href}/`,
  };
}
