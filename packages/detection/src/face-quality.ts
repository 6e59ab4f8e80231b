import type { FaceQualityData, FaceQualityFactor } from '@invigil/contracts';
import type { FaceFinding } from './analysis.js';
import { regionQuality } from './region-quality.js';
import { crop, noiseLevel, type RgbImage } from './image-ops.js';

/** The measurements of one face that decide whether it can be compared for identity. */
export interface FaceQualityFacts {
  /** Width of the face's box in pixels of the original frame. */
  sizePx: number;
  /** Mean luminance (0–255) of the face's box in the original frame (before any correction). */
  brightness: number;
  /** Noise of the face's box in the original frame (median neighbour difference, 0–255). */
  noise: number;
  /** Sharpness of the face's box after noise reduction (variance of the Laplacian). */
  sharpness: number;
  /** Head pose in degrees; null when the mesh did not run (pose is then not judged). */
  yaw: number | null;
  pitch: number | null;
}

/**
 * Where each factor reaches the limit of a usable face (quality 0.5). Chosen on the
 * development set and its simulated conditions (docs/detection-quality.md, "Identity that
 * abstains"): the faces kept must meet the error targets while dark frames are still
 * compared.
 */
export interface FaceQualityLimits {
  /** Smallest face width, px. */
  minSizePx: number;
  /** Darkest face, mean luminance. */
  minBrightness: number;
  /** Most washed-out face (overexposed), mean luminance. */
  maxBrightness: number;
  /**
   * Noisiest face: noise as a percentage of the face's brightness (the same sensor noise
   * drowns a dim face and barely touches a bright one).
   */
  maxNoisePct: number;
  /** Softest face, Laplacian variance. */
  minSharpness: number;
  /** Largest |yaw| and |pitch|, degrees (the mesh reads turns low, see head_turned). */
  maxYawDeg: number;
  maxPitchDeg: number;
}

/** The calibrated limits. */
export const FACE_QUALITY_LIMITS: FaceQualityLimits = {
  minSizePx: 40,
  minBrightness: 10,
  maxBrightness: 190,
  maxNoisePct: 40,
  minSharpness: 35,
  maxYawDeg: 30,
  maxPitchDeg: 30,
};

/** A face's quality, its score per factor, and the worst factor when it fails. */
export interface FaceQuality extends FaceQualityData {
  factors: Record<FaceQualityFactor, number>;
}

const clamp01 = (v: number) => (Number.isFinite(v) ? Math.min(1, Math.max(0, v)) : 0);
const round = (v: number) => Math.round(v * 1000) / 1000;
/** At least `limit`: 0.5 at the limit, 1 at twice the limit. */
const atLeast = (value: number, limit: number) => clamp01((0.5 * value) / limit);
/** At most `limit`: 1 at zero, 0.5 at the limit, 0 at twice the limit. */
const atMost = (value: number, limit: number) => clamp01(1 - (0.5 * value) / limit);
/** At most `limit` of a value that ends at `top`: 0.5 at the limit, 0 at the top. */
const below = (value: number, limit: number, top: number) =>
  clamp01(0.5 + (0.5 * (limit - value)) / Math.max(1, top - limit));

/**
 * The quality gate of identity: each factor scored 0..1 (0.5 exactly at its limit), the
 * face's score the worst of them. Below 0.5 no comparison is made: the result is
 * "insufficient quality" (naming the worst factor), never "different person". A pure
 * function, the same in the browser, on the server and in the evaluation.
 */
export function assessFaceQuality(
  f: FaceQualityFacts,
  limits: FaceQualityLimits = FACE_QUALITY_LIMITS,
): FaceQuality {
  const factors: Record<FaceQualityFactor, number> = {
    size: round(atLeast(f.sizePx, limits.minSizePx)),
    brightness: round(
      Math.min(
        atLeast(f.brightness, limits.minBrightness),
        below(f.brightness, limits.maxBrightness, 255),
      ),
    ),
    noise: round(atMost((100 * f.noise) / Math.max(1, f.brightness), limits.maxNoisePct)),
    blur: round(atLeast(f.sharpness, limits.minSharpness)),
    pose: round(
      f.yaw === null || f.pitch === null
        ? 1
        : Math.min(
            atMost(Math.abs(f.yaw), limits.maxYawDeg),
            atMost(Math.abs(f.pitch), limits.maxPitchDeg),
          ),
    ),
  };
  let worst: FaceQualityFactor = 'size';
  for (const k of Object.keys(factors) as FaceQualityFactor[]) {
    if (factors[k] < factors[worst]) worst = k;
  }
  const score = factors[worst];
  const ok = score >= 0.5;
  return { score, ok, failed: ok ? null : worst, factors };
}

/**
 * Measure a face for the quality gate: size and pose from its finding, brightness and noise
 * from the original frame (what the camera delivered), sharpness from the frame as the
 * detectors saw it (after noise reduction, so noise does not pass for detail).
 */
export function measureFaceQuality(
  original: RgbImage,
  prepared: RgbImage,
  face: Pick<FaceFinding, 'box' | 'headPose'>,
): FaceQualityFacts {
  const box = face.box;
  const region = crop(original, box);
  return {
    sizePx: Math.round(box[2]),
    brightness: Math.round(regionQuality(original, box).luminance * 10) / 10,
    noise: noiseLevel(region),
    sharpness: Math.round(regionQuality(prepared, box).sharpness),
    yaw: face.headPose?.yaw ?? null,
    pitch: face.headPose?.pitch ?? null,
  };
}
