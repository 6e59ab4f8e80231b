import type { FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';

/** URL prefixes of the detection assets; the browser's detector loads from these. */
const DETECTION_ASSET_PREFIXES = {
  models: '/detection/models/',
  wasm: '/detection/wasm/',
  faceRecognition: '/detection/face-recognition/',
} as const;

/** Where the assets live on disk (the installed detection packages). */
export interface DetectionAssetDirs {
  models: string;
  wasm: string;
  faceRecognition: string;
}

/**
 * A week: the files change only when the server is upgraded, and the ETag lets a browser
 * revalidate cheaply after that. Not `immutable`, because the names carry no version.
 */
const MAX_AGE_MS = 7 * 24 * 3_600_000;

/**
 * The open-source detector models and the tfjs wasm binaries, served from our own origin so
 * the browser never depends on a third-party CDN. Public: they are the packages' own files.
 * Only the asset types are served (models: .json/.bin, wasm: .wasm), never anything else
 * the package folders happen to contain.
 */
export async function detectionAssetRoutes(
  app: FastifyInstance,
  opts: { dirs: DetectionAssetDirs },
) {
  const common = {
    decorateReply: false,
    index: false,
    list: false,
    dotfiles: 'deny',
    etag: true,
    lastModified: true,
    maxAge: MAX_AGE_MS,
  } as const;
  await app.register(fastifyStatic, {
    ...common,
    root: opts.dirs.models,
    prefix: DETECTION_ASSET_PREFIXES.models,
    allowedPath: (pathName) => /^\/[\w.-]+\.(json|bin)$/.test(pathName),
  });
  await app.register(fastifyStatic, {
    ...common,
    root: opts.dirs.wasm,
    prefix: DETECTION_ASSET_PREFIXES.wasm,
    allowedPath: (pathName) => /^\/[\w.-]+\.wasm$/.test(pathName),
  });
  // Identity's network: only its own weight files, not the other models of that package.
  await app.register(fastifyStatic, {
    ...common,
    root: opts.dirs.faceRecognition,
    prefix: DETECTION_ASSET_PREFIXES.faceRecognition,
    allowedPath: (pathName) => /^\/face_recognition_model[\w.-]*\.(json|bin)$/.test(pathName),
  });
}
