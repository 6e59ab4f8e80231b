import type { FastifyInstance, FastifyReply } from 'fastify';
import fastifyStatic from '@fastify/static';

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

/** A week, as for the other detection assets (names carry no version, so not immutable). */
const MAX_AGE_MS = 7 * 24 * 3_600_000;

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
  const common = {
    decorateReply: false,
    index: false,
    list: false,
    dotfiles: 'deny',
    etag: true,
    lastModified: true,
    maxAge: MAX_AGE_MS,
    setHeaders: (reply: FastifyReply, path: string) => {
      const type = TYPES[path.slice(path.lastIndexOf('.') + 1)];
      if (type) reply.header('content-type', type);
    },
  } as const;
  await app.register(fastifyStatic, {
    ...common,
    root: opts.dirs.model,
    prefix: VOICE_ASSET_PREFIXES.model,
    allowedPath: (pathName) => pathName === '/silero_vad_v5.onnx',
  });
  await app.register(fastifyStatic, {
    ...common,
    root: opts.dirs.runtime,
    prefix: VOICE_ASSET_PREFIXES.runtime,
    allowedPath: (pathName) => /^\/ort-wasm-simd-threaded\.(wasm|mjs)$/.test(pathName),
  });
}
