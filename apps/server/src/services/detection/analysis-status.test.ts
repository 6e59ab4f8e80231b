import { describe, expect, it } from 'vitest';
import { analysisRates } from './analysis-status.js';

describe('analysisRates', () => {
  it('divides what was analysed in the window by its length, and by the workers', () => {
    expect(analysisRates(180, 60, 2)).toEqual({
      analysedPerSecond: 3,
      analysedPerSecondPerWorker: 1.5,
    });
  });

  it('rounds to thousandths', () => {
    expect(analysisRates(1, 60, 3)).toEqual({
      analysedPerSecond: 0.017,
      analysedPerSecondPerWorker: 0.006,
    });
  });

  it('has no rate per worker without workers (analysis off in this process)', () => {
    expect(analysisRates(12, 60, 0)).toEqual({
      analysedPerSecond: 0.2,
      analysedPerSecondPerWorker: null,
    });
  });

  it('is zero for an empty window', () => {
    expect(analysisRates(0, 60, 1)).toEqual({
      analysedPerSecond: 0,
      analysedPerSecondPerWorker: 0,
    });
    expect(analysisRates(5, 0, 1).analysedPerSecond).toBe(0);
  });
});
