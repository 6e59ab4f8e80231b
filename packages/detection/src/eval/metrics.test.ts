import { describe, expect, it } from 'vitest';
import {
  accuracy,
  confusion,
  precision,
  ratesAt,
  recall,
  spoofFalsePositiveRate,
  spoofThresholdFor,
  verificationRoc,
} from './metrics.js';

describe('binary metrics', () => {
  it('skips unlabelled frames and computes accuracy, precision and recall', () => {
    const c = confusion([
      { label: true, predicted: true },
      { label: true, predicted: false },
      { label: false, predicted: true },
      { label: false, predicted: false },
      { label: null, predicted: true },
    ]);
    expect(c).toEqual({ tp: 1, fn: 1, fp: 1, tn: 1 });
    expect([accuracy(c), precision(c), recall(c)]).toEqual([0.5, 0.5, 0.5]);
  });
});

describe('verificationRoc', () => {
  it('finds a zero equal error rate when the scores separate', () => {
    const { eer, eerThreshold } = verificationRoc([0.8, 0.9, 0.7], [0.1, 0.2, 0.3]);
    expect(eer).toBe(0);
    expect(ratesAt([0.8, 0.9, 0.7], [0.1, 0.2, 0.3], eerThreshold)).toEqual({ far: 0, frr: 0 });
  });

  it('counts a probe without a face (score 0) as a failed match', () => {
    const { eer } = verificationRoc([0.9, 0.8, 0, 0.85], [0.1, 0.2, 0.3, 0.25]);
    expect(eer).toBeGreaterThan(0);
  });
});

describe('spoof false positives', () => {
  const reals = [0.9, 0.95, 0.8, 0.45, 0.99, 0.2, 0.97, 0.85, 0.9, 0.92];

  it('is the share of real faces scored below the threshold', () => {
    expect(spoofFalsePositiveRate(reals, 0.5)).toBe(0.2);
    expect(spoofFalsePositiveRate(reals, 0.45)).toBe(0.1);
    expect(spoofFalsePositiveRate(reals, 0.1)).toBe(0);
  });

  it('keeps the preferred threshold when it is within the budget', () => {
    expect(spoofThresholdFor(reals, 0.2, 0.5, 0.3)).toBe(0.5);
  });

  it('steps down until the budget is met', () => {
    expect(spoofThresholdFor(reals, 0.1, 0.5, 0.3)).toBe(0.45);
  });

  it('never goes below the floor', () => {
    expect(spoofThresholdFor(reals, 0, 0.5, 0.3)).toBe(0.3);
  });
});
