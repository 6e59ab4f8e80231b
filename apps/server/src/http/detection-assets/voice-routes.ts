import type { FastifyInstance } from 'fastify';
import { serveAssetFolder } from './static-assets.js';

/** URL prefixes of the voice detector's files; the browser's voice worker loads from these. */
export const VOICE_ASSET_PREFIXES = {
  model: '/detection/voice/',
  runtime: '/detection/ort/',
} as const;

/** Where they live on disk: the installed @ricky0123/vad-web and onnxruntime-web packages. */
export interface VoiceAssetDirs {
  model: string;
  runtime: string;
}

/** Content types by extension: the ONNX model is opaque bytes, wasm must say so to stream. */
const TYPES: Record<string, string> = {
  onnx: 'application/octet-stream',
  wasm: 'application/wasm',
  mjs: 'text/javascript; charset=utf-8',
};

/**
 * The Silero VAD model and the ONNX runtime's wasm build, from our own origin. Only the
 * files the voice worker loads are served, not whatever else the packages contain.
 */
export async function voiceAssetRoutes(app: FastifyInstance, opts: { dirs: VoiceAssetDirs }) {
  await serveAssetFolder(app, {
    root: opts.dirs.model,
    prefix: VOICE_ASSET_PREFIXES.model,
    allowed: /^\/silero_vad_v5\.onnx$/,
    types: TYPES,
  });
  await serveAssetFolder(app, {
    root: opts.dirs.runtime,
    prefix: VOICE_ASSET_PREFIXES.runtime,
    allowed: /^\/ort-wasm-simd-threaded\.(wasm|mjs)$/,
    types: TYPES,
  });
}
