import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { voiceAssetDirs } from '@invigil/detection/node';
import { voiceAssetRoutes } from './voice-routes.js';

const app = Fastify();

beforeAll(async () => {
  await app.register(voiceAssetRoutes, { dirs: voiceAssetDirs() });
  await app.ready();
});
afterAll(() => app.close());

describe('voice detector assets', () => {
  it('serves the Silero model and the runtime wasm with their types, cacheable', async () => {
    const model = await app.inject('/detection/voice/silero_vad_v5.onnx');
    expect(model.statusCode).toBe(200);
    expect(model.headers['content-type']).toBe('application/octet-stream');
    expect(model.headers['cache-control']).toMatch(/max-age=604800/);
    expect(model.headers.etag).toBeTruthy();
    const wasm = await app.inject('/detection/ort/ort-wasm-simd-threaded.wasm');
    expect(wasm.statusCode).toBe(200);
    expect(wasm.headers['content-type']).toBe('application/wasm');
    expect(wasm.rawPayload.subarray(0, 4)).toEqual(Buffer.from([0, 0x61, 0x73, 0x6d]));
    const glue = await app.inject('/detection/ort/ort-wasm-simd-threaded.mjs');
    expect(glue.headers['content-type']).toContain('text/javascript');
  });

  it('serves nothing else from those packages', async () => {
    for (const path of [
      '/detection/voice/silero_vad_legacy.onnx',
      '/detection/voice/index.js',
      '/detection/ort/ort.min.js',
      '/detection/ort/ort-wasm-simd-threaded.jsep.wasm',
      '/detection/ort/../package.json',
    ]) {
      expect((await app.inject(path)).statusCode, path).toBe(404);
    }
  });
});
