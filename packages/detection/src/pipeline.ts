import type { Result } from '@vladmandic/human';
import type { FaceQualityData } from '@invigil/contracts';
import type { FaceFinding, FrameAnalysis, IdentityFinding, ObjectFinding } from './analysis.js';
import { assessFaceQuality, measureFaceQuality, type FaceQualityFacts } from './face-quality.js';
import type { DetectorParts } from './human-config.js';
import { crop, pad, prepareFrame, type Rect, type RgbImage } from './image-ops.js';
import { descriptorSimilarity } from './face-recognition.js';
import { byArea, faceConfidence, faceFinding, objectsOf } from './interpret.js';
import { withTiledObjects } from './object-tiles.js';
import type { DetectionThresholds } from './thresholds.js';

/** One pass of the detection library over an image with the given parts switched on. */
export type DetectPass = (image: RgbImage, parts: DetectorParts) => Promise<Result>;

/** Frames at least this large (longest side) are also searched tile by tile for small faces. */
export const TILE_MIN_SIDE = 800;
/** Border added around every frame before face detection, as a fraction of its size. */
export const FACE_PAD = 0.25;

/** Options for analysing one frame. */
export interface FrameOptions {
  parts: DetectorParts;
  /** Embedding of the enrolled face: adds an identity finding for the main face. */
  enrolled?: readonly number[] | undefined;
  /** Search large frames tile by tile as well (more faces found, ~4× the face cost). */
  tiles?: boolean;
  /**
   * Also look for objects on overlapping tiles (multi-scale: small phones and books are
   * found; four more object passes, see object-tiles.ts).
   */
  objectTiles?: boolean;
  /**
   * Describes a face for identity (the face recognition network): given the frame and the
   * face's mesh in it, its descriptor. Needed when `parts.embedding` is on.
   */
  describe?: (image: RgbImage, mesh: Result['face'][number]['mesh']) => number[] | null;
  /** Also return the main face's quality measurements (`faceFacts`: the check-in photo's rule). */
  faceFacts?: boolean;
}

/** A frame analysis plus the main face's embedding (which never leaves the process). */
export interface PipelineResult extends Omit<FrameAnalysis, 'models'> {
  embedding?: number[];
  /** With `faceFacts`: the main face's measurements for the quality gate. */
  faceFacts?: FaceQualityFacts;
}

function iou(a: Rect, b: Rect): number {
  const w = Math.min(a[0] + a[2], b[0] + b[2]) - Math.max(a[0], b[0]);
  const h = Math.min(a[1] + a[3], b[1] + b[3]) - Math.max(a[1], b[1]);
  const inter = Math.max(0, w) * Math.max(0, h);
  const union = a[2] * a[3] + b[2] * b[3] - inter;
  return union > 0 ? inter / union : 0;
}

function centreInside(outer: Rect, inner: Rect): boolean {
  const cx = inner[0] + inner[2] / 2;
  const cy = inner[1] + inner[3] / 2;
  return cx >= outer[0] && cx <= outer[0] + outer[2] && cy >= outer[1] && cy <= outer[1] + outer[3];
}

/** The same face seen twice (overlapping passes): boxes overlap or one holds the other's centre. */
function sameFace(a: Rect, b: Rect): boolean {
  return iou(a, b) >= 0.3 || centreInside(a, b.slice() as Rect) || centreInside(b, a);
}

/** Keep the most confident of each group of detections of one face. */
export function mergeFaces(candidates: FaceFinding[]): FaceFinding[] {
  const kept: FaceFinding[] = [];
  for (const f of [...candidates].sort((a, b) => b.score - a.score)) {
    const same = kept.find((k) => sameFace(k.box, f.box));
    if (!same) kept.push(f);
    // A tile's detection may win on score; the whole-frame pass's liveness scores still apply.
    else if (same.real === undefined && f.real !== undefined) {
      same.real = f.real;
      if (f.live !== undefined) same.live = f.live;
    }
  }
  return kept.sort(byArea);
}

/** Overlapping tiles (60 % of each side) covering the four corners of a frame. */
function tileRects(width: number, height: number): Rect[] {
  const tw = Math.round(width * 0.6);
  const th = Math.round(height * 0.6);
  return [
    [0, 0, tw, th],
    [width - tw, 0, tw, th],
    [0, height - th, tw, th],
    [width - tw, height - th, tw, th],
  ];
}

/**
 * Analyse one frame the way the product does everywhere: normalise poor lighting, pad the
 * frame so close-up faces are found, run faces (+ mesh, + embedding) on the padded frame
 * and objects on the unpadded one, optionally search large frames tile by tile for small
 * faces, then keep faces whose confidence passes the threshold.
 */
export async function analyseFrame(
  detect: DetectPass,
  original: RgbImage,
  options: FrameOptions,
  t: DetectionThresholds,
): Promise<PipelineResult> {
  const timings: Record<string, number> = {};
  const time = async <T>(name: string, fn: () => Promise<T> | T): Promise<T> => {
    const started = performance.now();
    try {
      return await fn();
    } finally {
      timings[name] = Math.round((timings[name] ?? 0) + performance.now() - started);
    }
  };
  const image = await time('prepare', () => prepareFrame(original));
  const padded = pad(image, FACE_PAD);
  const back: [number, number] = [-padded.offset[0], -padded.offset[1]];
  // One pass over the padded frame: the border helps close-up faces and objects held near
  // the frame's edge (a phone at the ear) alike.
  // The mesh is what identity needs from this pass; the descriptor is computed afterwards
  // for the main face only.
  const main = await time('detect', () =>
    detect(padded.image, {
      ...options.parts,
      embedding: false,
      pose: options.parts.pose || options.parts.embedding,
    }),
  );
  const candidates: FaceFinding[] = [];
  /** The mesh behind each finding of the main pass, for identity. */
  const meshes = new Map<FaceFinding, Result['face'][number]['mesh']>();
  const collect = (result: Result, offset: [number, number], keepMesh: boolean) => {
    // Only the whole-frame pass runs the liveness models (the tiles never do).
    const liveness = keepMesh && options.parts.liveness === true;
    for (const f of result.face) {
      if (faceConfidence(f) < t.faceMinScore) continue;
      const finding = faceFinding(f, t, offset, liveness);
      candidates.push(finding);
      if (keepMesh && f.mesh.length) meshes.set(finding, f.mesh);
    }
  };
  collect(main, back, true);
  if (options.tiles && Math.max(image.width, image.height) >= TILE_MIN_SIDE) {
    const parts = { pose: options.parts.pose, embedding: false, objects: false, liveness: false };
    for (const rect of tileRects(image.width, image.height)) {
      collect(
        await time('tiles', () => detect(crop(image, rect), parts)),
        [rect[0], rect[1]],
        false,
      );
    }
  }
  const faces = mergeFaces(candidates);
  let objects: ObjectFinding[] = options.parts.objects ? objectsOf(main, t, back) : [];
  if (options.parts.objects && options.objectTiles) {
    const found = objects;
    objects = await time('objectTiles', () => withTiledObjects(detect, image, found, t));
  }
  const result: PipelineResult = {
    width: original.width,
    height: original.height,
    faces,
    objects,
    timings,
  };
  const mesh = faces[0] && meshes.get(faces[0]);
  if (options.parts.embedding && options.describe && mesh) {
    const embedding = await time('identity', () => options.describe!(padded.image, mesh));
    if (embedding) result.embedding = embedding;
  }
  const facts =
    faces[0] && (options.parts.embedding || options.faceFacts)
      ? measureFaceQuality(original, image, faces[0])
      : undefined;
  if (facts && options.faceFacts) result.faceFacts = facts;
  if (facts && options.parts.embedding) {
    result.faceQuality = identityQuality(facts, !!result.embedding);
  }
  if (options.enrolled) result.identity = judgeIdentity(result, options.enrolled, t);
  return result;
}

/** The main face's quality for identity; a face the network could not describe fails on pose. */
function identityQuality(facts: FaceQualityFacts, described: boolean): FaceQualityData {
  if (!described) return { score: 0, ok: false, failed: 'pose' };
  const { score, ok, failed } = assessFaceQuality(facts);
  return { score, ok, failed };
}

/**
 * The identity decision: compared only when the main face passed the quality gate; a poor
 * face, or none, is "insufficient quality", never a different person.
 */
function judgeIdentity(
  result: PipelineResult,
  enrolled: readonly number[],
  t: DetectionThresholds,
): IdentityFinding {
  const quality = result.faceQuality;
  const similarity = result.embedding ? descriptorSimilarity(result.embedding, enrolled) : 0;
  if (!result.embedding || !quality?.ok) {
    return {
      similarity,
      match: false,
      status: 'insufficient_quality',
      ...(quality && { quality }),
    };
  }
  const match = similarity >= t.identityMatch;
  return { similarity, match, status: match ? 'match' : 'mismatch', quality };
}
