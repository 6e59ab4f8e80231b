import type { FacePhotoProblem, FaceQualityFactor } from '@invigil/contracts';
import {
  assessFaceQuality,
  FACE_QUALITY_LIMITS,
  type FaceQualityFacts,
  type FaceQualityLimits,
} from './face-quality.js';
import type { RegionQuality } from './region-quality.js';

/**
 * Limits of a usable face photo, chosen on the library's sample faces and their darkened and
 * blurred copies (docs/detection-quality.md, "Check-in face photo"): an ordinary indoor face
 * reads luminance 85–150 and sharpness 330–550; a box blur of radius 2 brings sharpness to
 * 50–65 (still usable), radius 4 to 15–28; a fifth of the light brings luminance to 17–30.
 */
export const FACE_PHOTO_LIMITS = {
  /** Below this mean luminance of the face (or, with no face found, of the frame): too dark. */
  minLuminance: 45,
  /** Below this sharpness of the face: too blurred. */
  minSharpness: 30,
} as const;

/** What the face photo rule needs to know about a photo. */
export interface FacePhotoFacts {
  /** Faces found (after the detectors' own thresholds). */
  faces: number;
  /** Quality of the whole photo; undefined when not measured (then not judged). */
  frame?: RegionQuality;
  /** Quality of the face's box when exactly one face was found; null or undefined: not measured. */
  face?: RegionQuality | null;
  /**
   * The face's measurements for the identity quality gate (`measureFaceQuality`) when exactly
   * one face was found; null or undefined: not measured (then the gate is not applied). Pose
   * is judged only when the mesh ran (`yaw`/`pitch` not null), as in the gate.
   */
  gate?: FaceQualityFacts | null;
  /** Whether the recognition network described the face; undefined when not asked (browser). */
  described?: boolean;
}

/**
 * The check-in rule: a face photo is usable with exactly one face that is bright and sharp
 * enough, passes the quality gate every later comparison applies (`assessFaceQuality`: a
 * reference the gate would refuse makes every comparison against it a poor one) and (where
 * the recognition network ran) could be described. Without a face, a dark frame is named as
 * the cause, since that is what the student can fix. The photo's own brightness and sharpness
 * limits are judged first, so a dark or blurred photo is named as before; the gate's failing
 * factor is named next, ahead of "unclear", since it says what to change.
 */
export function judgeFacePhoto(
  f: FacePhotoFacts,
  limits: { minLuminance: number; minSharpness: number } = FACE_PHOTO_LIMITS,
  gateLimits: FaceQualityLimits = FACE_QUALITY_LIMITS,
): FacePhotoProblem | null {
  if (f.faces > 1) return 'several_faces';
  if (f.faces === 0) {
    // Sharpness says nothing without a face (a blank wall is "flat", not blurred).
    return f.frame && f.frame.luminance < limits.minLuminance ? 'too_dark' : 'no_face';
  }
  if (f.face && f.face.luminance < limits.minLuminance) return 'too_dark';
  if (f.face && f.face.sharpness < limits.minSharpness) return 'too_blurred';
  if (f.gate) {
    const { failed } = assessFaceQuality(f.gate, gateLimits);
    if (failed) return gateProblem(failed, f.gate, gateLimits);
  }
  if (f.described === false) return 'unclear';
  return null;
}

/** The problem the student is told for the gate's failing factor: what they can change. */
function gateProblem(
  failed: FaceQualityFactor,
  facts: FaceQualityFacts,
  limits: FaceQualityLimits,
): FacePhotoProblem {
  switch (failed) {
    case 'size':
      return 'too_small';
    case 'brightness':
      return facts.brightness > limits.maxBrightness ? 'too_bright' : 'too_dark';
    case 'noise':
      return 'too_noisy';
    case 'blur':
      return 'too_blurred';
    case 'pose':
      return 'turned_away';
  }
}
