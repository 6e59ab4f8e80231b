import type { FastifyInstance } from 'fastify';
import { serveAssetFolder } from './static-assets.js';

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
 * The open-source detector models and the tfjs wasm binaries, served from our own origin so
 * the browser never depends on a third-party CDN. Public: they are the packages' own files.
 * Only the asset types are served (models: .json/.bin, wasm: .wasm), never anything else
 * the package folders happen to contain.
 */
export async function detectionAssetRoutes(
  app: FastifyInstance,
  opts: { dirs: DetectionAssetDirs },
) {
  await serveAssetFolder(app, {
    root: opts.dirs.models,
    prefix: DETECTION_ASSET_PREFIXES.models,
    allowed: /^\/[\w.-]+\.(json|bin)$/,
  });
  await serveAssetFolder(app, {
    root: opts.dirs.wasm,
    prefix: DETECTION_ASSET_PREFIXES.wasm,
    allowed: /^\/[\w.-]+\.wasm$/,
  });
  // Identity's network: only its own weight files, not the other models of that package.
  await serveAssetFolder(app, {
    root: opts.dirs.faceRecognition,
    prefix: DETECTION_ASSET_PREFIXES.faceRecognition,
    allowed: /^\/face_recognition_model[\w.-]*\.(json|bin)$/,
  });
}
