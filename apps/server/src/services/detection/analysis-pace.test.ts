import { afterEach, describe, expect, it } from 'vitest';
import { AnalysisPace, BUSY_REST_MS, type CpuTimes, machineCpuTimes } from './analysis-pace.js';

describe('AnalysisPace', () => {
  const paces: AnalysisPace[] = [];
  afterEach(() => paces.splice(0).forEach((p) => p.stop()));

  /** A pace over scripted CPU readings: each sample() reads the next one. */
  function scripted(limit: number, readings: CpuTimes[]) {
    let i = 0;
    const pace = new AnalysisPace(
      limit,
      () => readings[Math.min(i++, readings.length - 1)]!,
      60_000,
      2,
    );
    paces.push(pace);
    return pace;
  }

  it('does not rest while the machine has CPU to spare, and rests while it is busy', () => {
    // 1000 ms of CPU time per sample, 700 of them idle: 30 % busy.
    const quiet = scripted(60, [
      { idle: 0, total: 0 },
      { idle: 700, total: 1000 },
    ]);
    quiet.sample();
    expect(quiet.busyPercent()).toBeCloseTo(30);
    expect(quiet.restMs()).toBe(0);

    const busy = scripted(60, [
      { idle: 0, total: 0 },
      { idle: 200, total: 1000 },
      { idle: 300, total: 2000 },
    ]);
    busy.sample();
    busy.sample();
    expect(busy.busyPercent()).toBeCloseTo(85);
    expect(busy.restMs()).toBe(BUSY_REST_MS);
  });

  it('judges by the last few seconds only', () => {
    const pace = scripted(60, [
      { idle: 0, total: 0 },
      { idle: 0, total: 1000 }, // busy…
      { idle: 900, total: 2000 }, // …then quiet
      { idle: 1800, total: 3000 },
    ]);
    pace.sample();
    pace.sample();
    pace.sample();
    // The window keeps the newest three readings: 1800 idle of 2000.
    expect(pace.busyPercent()).toBeCloseTo(10);
    expect(pace.restMs()).toBe(0);
  });

  it('never rests at a limit of 100, and reads real CPU times', () => {
    const pace = new AnalysisPace(100, () => ({ idle: 0, total: 1 }));
    expect(pace.restMs()).toBe(0);
    const times = machineCpuTimes();
    expect(times.total).toBeGreaterThan(0);
    expect(times.idle).toBeLessThanOrEqual(times.total);
  });
});
