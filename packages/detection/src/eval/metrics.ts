/** Counts of a binary decision against labels. */
export interface Confusion {
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}

/** Tally predictions against labels (null labels are skipped). */
export function confusion(
  pairs: ReadonlyArray<{ label: boolean | null; predicted: boolean }>,
): Confusion {
  const c: Confusion = { tp: 0, fp: 0, tn: 0, fn: 0 };
  for (const { label, predicted } of pairs) {
    if (label === null) continue;
    if (label && predicted) c.tp++;
    else if (label) c.fn++;
    else if (predicted) c.fp++;
    else c.tn++;
  }
  return c;
}

/** Share correct; NaN when there is nothing to judge. */
export const accuracy = (c: Confusion): number => (c.tp + c.tn) / (c.tp + c.tn + c.fp + c.fn);
/** Of the positives predicted, the share that were right. */
export const precision = (c: Confusion): number => c.tp / (c.tp + c.fp);
/** Of the real positives, the share found. */
export const recall = (c: Confusion): number => c.tp / (c.tp + c.fn);

/** One point of a verification ROC: at `threshold`, the false accept and false reject rates. */
export interface RocPoint {
  threshold: number;
  far: number;
  frr: number;
}

/**
 * The ROC of a verifier from genuine (same person) and impostor scores, a pair matching
 * when its score is at or above the threshold, and the equal error rate: where false
 * accepts and false rejects cross (the mean of the two at the closest threshold).
 */
export function verificationRoc(
  genuine: number[],
  impostor: number[],
): { roc: RocPoint[]; eer: number; eerThreshold: number } {
  const thresholds = [...new Set([...genuine, ...impostor, 0, 1.0001])].sort((a, b) => a - b);
  const roc = thresholds.map((threshold) => ({
    threshold,
    far: impostor.filter((s) => s >= threshold).length / Math.max(1, impostor.length),
    frr: genuine.filter((s) => s < threshold).length / Math.max(1, genuine.length),
  }));
  let best = roc[0]!;
  for (const p of roc) if (Math.abs(p.far - p.frr) < Math.abs(best.far - best.frr)) best = p;
  // Put the operating point midway between this score and the next one down (no score lies
  // between, so the rates are the same), leaving a margin on both sides of the boundary.
  const below = thresholds.filter((t) => t < best.threshold).pop() ?? best.threshold;
  return { roc, eer: (best.far + best.frr) / 2, eerThreshold: (best.threshold + below) / 2 };
}

/** Rate at a fixed threshold. */
export function ratesAt(
  genuine: number[],
  impostor: number[],
  threshold: number,
): { far: number; frr: number } {
  return {
    far: impostor.filter((s) => s >= threshold).length / Math.max(1, impostor.length),
    frr: genuine.filter((s) => s < threshold).length / Math.max(1, genuine.length),
  };
}

/**
 * Spoof false positives on real faces: of the frames with exactly one face (each given as
 * its anti-spoof score), the share scored below `threshold` (flagged as a photo or screen).
 */
export function spoofFalsePositiveRate(reals: readonly number[], threshold: number): number {
  return reals.filter((r) => r < threshold).length / reals.length;
}

/**
 * The spoof threshold for a false-positive budget: `preferred` when its rate on real faces
 * is within `maxFpr`, else the highest step of 0.05 below it that is, never below `floor`
 * (where the budget cannot be met, `floor`). Higher thresholds flag more.
 */
export function spoofThresholdFor(
  reals: readonly number[],
  maxFpr: number,
  preferred: number,
  floor: number,
): number {
  if (reals.length === 0) return preferred;
  for (let t = preferred; t >= floor - 1e-9; t = Math.round((t - 0.05) * 100) / 100) {
    if (spoofFalsePositiveRate(reals, t) <= maxFpr) return t;
  }
  return floor;
}
