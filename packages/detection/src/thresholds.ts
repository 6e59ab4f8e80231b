/**
 * The numbers behind every detection decision. One set, used by the browser, the server,
 * the CLI and the evaluation, so that what we measure is what the product does. Calibrated
 * on the development set; see docs/detection-quality.md for how and with what result.
 */
export interface DetectionThresholds {
  /** A face counts when its detector score reaches this. */
  faceMinScore: number;
  /** Head turned away when |yaw| exceeds this (degrees). */
  headYawDeg: number;
  /** Head turned away when looking down (pitch) beyond this (degrees). */
  headPitchDownDeg: number;
  /** Head turned away when looking up beyond this (degrees). */
  headPitchUpDeg: number;
  /** Same person when the embedding similarity (0..1) reaches this. */
  identityMatch: number;
  /** Object detector scores needed to report each object. */
  phoneMinScore: number;
  bookMinScore: number;
  personMinScore: number;
  /**
   * A face may be a photo or a screen when its anti-spoof score (0..1) is below this. Only
   * the false-positive rate on real faces is measured (docs/detection-quality.md).
   */
  spoofReal: number;
}

/** The calibrated defaults. */
export const DEFAULT_THRESHOLDS: DetectionThresholds = {
  faceMinScore: 0.5,
  headYawDeg: 18,
  headPitchDownDeg: 15,
  headPitchUpDeg: 25,
  identityMatch: 0.555,
  phoneMinScore: 0.25,
  bookMinScore: 0.3,
  personMinScore: 0.4,
  spoofReal: 0.3,
};
