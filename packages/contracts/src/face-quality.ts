import { z } from 'zod';

/**
 * What makes a face too poor to compare with the identity photo: too small in the frame,
 * too dark, too noisy, too blurred, or turned too far from the camera.
 */
export const FaceQualityFactor = z.enum(['size', 'brightness', 'noise', 'blur', 'pose']);
export type FaceQualityFactor = z.infer<typeof FaceQualityFactor>;

/**
 * The outcome of one identity comparison: the same person, a different one, or no decision
 * because the face was too poor to compare (never a mismatch).
 */
export const IdentityStatus = z.enum(['match', 'mismatch', 'insufficient_quality']);
export type IdentityStatus = z.infer<typeof IdentityStatus>;

/** A face's quality for identity: 0..1 (0.5 = the limit), and the factor that failed, if any. */
export const FaceQualityData = z.object({
  score: z.number().min(0).max(1),
  ok: z.boolean(),
  failed: FaceQualityFactor.nullable(),
});
export type FaceQualityData = z.infer<typeof FaceQualityData>;

/** Human words for each factor, for the student's hint and for flag details. */
export const FACE_QUALITY_FACTOR_LABELS: Record<FaceQualityFactor, string> = {
  size: 'face too small in the picture',
  brightness: 'too dark',
  noise: 'picture too grainy',
  blur: 'picture too blurred',
  pose: 'face turned away',
};
