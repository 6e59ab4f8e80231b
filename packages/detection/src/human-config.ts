import type { Config } from '@vladmandic/human';

/** Which detectors a pass runs. Faces always run; the rest are optional and costly. */
export interface DetectorParts {
  /** Face mesh, needed for head pose. */
  pose: boolean;
  /** Face descriptor for identity (the face recognition network; needs the mesh). */
  embedding: boolean;
  /** Object detector (phone, book, person). */
  objects: boolean;
  /**
   * Anti-spoof and liveness scores of each face (two small models on the face crop). Server
   * only: the browser never turns it on (absent = off).
   */
  liveness?: boolean;
  /**
   * Faces off (absent = on): an objects-only pass, as on the tiles of multi-scale object
   * detection, where faces are not wanted (the whole frame's pass finds them).
   */
  faces?: boolean;
}

/** All parts on. */
export const ALL_PARTS: DetectorParts = {
  pose: true,
  embedding: true,
  objects: true,
  liveness: true,
};

/** Model files each detector loads, relative to the model base path. */
export const MODEL_FILES = {
  face: 'blazeface.json',
  mesh: 'facemesh.json',
  /** Not a human model: see face-recognition.ts. */
  embedding: 'face_recognition_model (@vladmandic/face-api 1.7.15)',
  objects: 'centernet.json',
  antispoof: 'antispoof.json',
  liveness: 'liveness.json',
} as const;

/**
 * The human library configuration for a pass. Everything we do not use is off so that it
 * is neither loaded nor run; caching between frames is off because each frame is judged
 * on its own (a stale cached face would hide that the student left).
 */
export function humanConfig(
  urls: { modelBasePath: string; wasmPath: string },
  parts: DetectorParts,
): Partial<Config> {
  return {
    backend: 'wasm',
    modelBasePath: urls.modelBasePath,
    wasmPath: urls.wasmPath,
    debug: false,
    async: false,
    warmup: 'none',
    cacheSensitivity: 0,
    cacheModels: false,
    validateModels: false,
    filter: { enabled: true, equalization: false, flip: false },
    gesture: { enabled: false },
    face: {
      enabled: parts.faces !== false,
      detector: {
        modelPath: MODEL_FILES.face,
        rotation: false,
        maxDetected: 6,
        minConfidence: 0.2,
        iouThreshold: 0.2,
        return: false,
      },
      mesh: { enabled: parts.pose || parts.embedding, modelPath: MODEL_FILES.mesh },
      attention: { enabled: false },
      iris: { enabled: false },
      description: { enabled: false },
      emotion: { enabled: false },
      // No frame-to-frame caching here either (skip 0): each frame is judged on its own.
      antispoof: {
        enabled: parts.liveness === true,
        modelPath: MODEL_FILES.antispoof,
        skipFrames: 0,
        skipTime: 0,
      },
      liveness: {
        enabled: parts.liveness === true,
        modelPath: MODEL_FILES.liveness,
        skipFrames: 0,
        skipTime: 0,
      },
      gear: { enabled: false },
    },
    body: { enabled: false },
    hand: { enabled: false },
    segmentation: { enabled: false },
    object: {
      enabled: parts.objects,
      modelPath: MODEL_FILES.objects,
      // Low on purpose: the decision thresholds (per object) are applied afterwards.
      minConfidence: 0.1,
      maxDetected: 20,
      iouThreshold: 0.4,
    },
  } as Partial<Config>;
}
