import { confusion, precision, recall } from './metrics.js';

/** One labelled frame's best object score at each scale (0: nothing found). */
export interface ScoredFrame {
  /** The picture the frame was made from: frames of one picture are held out together. */
  group: string;
  label: boolean;
  score: number;
}

/** Precision and recall when a frame counts as positive at `score ≥ threshold`. */
export interface OperatingPoint {
  threshold: number;
  precision: number;
  recall: number;
  tp: number;
  fp: number;
  positives: number;
}

/** The frames' precision and recall at one threshold. */
export function pointAt(frames: readonly ScoredFrame[], threshold: number): OperatingPoint {
  const c = confusion(frames.map((f) => ({ label: f.label, predicted: f.score >= threshold })));
  return {
    threshold,
    precision: precision(c),
    recall: recall(c),
    tp: c.tp,
    fp: c.fp,
    positives: c.tp + c.fn,
  };
}

/** Thresholds a sweep tries: 0.10 to 0.60 in steps of 0.05. */
export const SWEEP = [0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6];

/**
 * The threshold a set of frames supports: the one with the highest recall whose precision
 * is at least `minPrecision` (ties: the lowest, furthest from the weakest positive, as long
 * as precision holds); the highest threshold of the sweep when none reaches it.
 */
export function calibrate(
  frames: readonly ScoredFrame[],
  minPrecision: number,
  sweep: readonly number[] = SWEEP,
): number {
  let best: OperatingPoint | null = null;
  for (const t of [...sweep].sort((a, b) => b - a)) {
    const p = pointAt(frames, t);
    const ok = p.tp + p.fp === 0 || p.precision >= minPrecision;
    if (ok && (!best || p.recall >= best.recall)) best = p;
  }
  return best?.threshold ?? Math.max(...sweep);
}

/**
 * Leave-one-picture-out: for each picture, calibrate on the frames of every other picture
 * and judge its own frames at that threshold; the pooled outcome is what a threshold
 * chosen on this set is worth on pictures it has not seen (derived copies of one picture
 * would otherwise leak into their own calibration).
 */
export function leaveGroupOut(
  frames: readonly ScoredFrame[],
  minPrecision: number,
): OperatingPoint & { thresholds: number[] } {
  let tp = 0;
  let fp = 0;
  let positives = 0;
  const thresholds: number[] = [];
  for (const group of new Set(frames.map((f) => f.group))) {
    const held = frames.filter((f) => f.group === group);
    const threshold = calibrate(
      frames.filter((f) => f.group !== group),
      minPrecision,
    );
    thresholds.push(threshold);
    const p = pointAt(held, threshold);
    tp += p.tp;
    fp += p.fp;
    positives += p.positives;
  }
  return {
    threshold: NaN,
    precision: tp / (tp + fp),
    recall: tp / positives,
    tp,
    fp,
    positives,
    thresholds: [...new Set(thresholds)].sort((a, b) => a - b),
  };
}
