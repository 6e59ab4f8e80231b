import { describe, expect, it } from 'vitest';
import { bootstrapMedianRatio, mannWhitney, median, quantile } from './timing-stats.js';

describe('timing statistics', () => {
  it('computes quantiles by interpolation', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([1, 2, 3, 4])).toBe(2.5);
    expect(quantile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9)).toBeCloseTo(9.1);
    expect(Number.isNaN(median([]))).toBe(true);
  });

  it('finds no difference between identical samples and a clear one between shifted samples', () => {
    const a = Array.from({ length: 50 }, (_, i) => i);
    const same = mannWhitney(a, a);
    expect(same.probabilityGreater).toBe(0.5);
    expect(same.p).toBeCloseTo(1, 5);
    const shifted = mannWhitney(
      a.map((x) => x + 40),
      a,
    );
    expect(shifted.probabilityGreater).toBeGreaterThan(0.9);
    expect(shifted.p).toBeLessThan(1e-6);
  });

  it('matches a textbook U statistic', () => {
    // a beats b in 3 of the 9 pairs.
    expect(mannWhitney([1, 5, 9], [2, 6, 10]).u).toBe(3);
  });

  it('brackets the ratio of medians', () => {
    const a = Array.from({ length: 200 }, (_, i) => 10 + (i % 7));
    const ci = bootstrapMedianRatio(a, a);
    expect(ci.low).toBeLessThanOrEqual(1);
    expect(ci.high).toBeGreaterThanOrEqual(1);
  });
});
