import { describe, expect, it } from 'vitest';
import { EnergyVad, rmsDbfs, SILENCE_DBFS, type VadChange } from './vad.js';

/** A sine wave of the given peak amplitude. */
function sine(amplitude: number, n = 1024): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => amplitude * Math.sin((2 * Math.PI * i) / 32));
}

/** Feeds levels spaced `stepMs` apart from t=0; returns every change. */
function run(vad: EnergyVad, levels: number[], stepMs = 100): VadChange[] {
  return levels.flatMap((db, i) => vad.push(i * stepMs, db) ?? []);
}

describe('rmsDbfs', () => {
  it('is 0 dBFS for a full-scale square wave and about −3 dBFS for a full-scale sine', () => {
    expect(rmsDbfs(Float32Array.from({ length: 64 }, (_, i) => (i % 2 ? 1 : -1)))).toBe(0);
    expect(rmsDbfs(sine(1))).toBeCloseTo(-3, 0);
  });

  it('drops 20 dB per tenfold smaller amplitude', () => {
    expect(rmsDbfs(sine(0.1)) - rmsDbfs(sine(1))).toBeCloseTo(-20, 0);
  });

  it('floors silence and empty input', () => {
    expect(rmsDbfs(new Float32Array(128))).toBe(SILENCE_DBFS);
    expect(rmsDbfs([])).toBe(SILENCE_DBFS);
  });
});

describe('EnergyVad', () => {
  it('stays off in quiet and for a click shorter than the attack', () => {
    const vad = new EnergyVad({ thresholdDb: -45, attackMs: 150 });
    expect(run(vad, [-70, -60, -30, -70, -70, -30, -70])).toEqual([]);
    expect(vad.isActive()).toBe(false);
  });

  it('starts at the first loud frame once the attack has passed', () => {
    const vad = new EnergyVad({ thresholdDb: -45, attackMs: 150 });
    expect(run(vad, [-70, -40, -35, -38])).toEqual([{ active: true, atMs: 100, peakDb: -35 }]);
    expect(vad.isActive()).toBe(true);
  });

  it('bridges pauses shorter than the hangover and dips within the hysteresis', () => {
    const vad = new EnergyVad({
      thresholdDb: -45,
      hysteresisDb: 6,
      attackMs: 100,
      hangoverMs: 500,
    });
    // On, a dip to −49 (within 6 dB), a 300 ms pause, then loud again: one start, no end.
    const changes = run(vad, [-40, -40, -49, -49, -70, -70, -70, -40, -40]);
    expect(changes).toEqual([{ active: true, atMs: 0, peakDb: -40 }]);
  });

  it('ends at the first quiet frame once the hangover has passed', () => {
    const vad = new EnergyVad({ thresholdDb: -45, attackMs: 100, hangoverMs: 300 });
    const changes = run(vad, [-40, -30, -40, -80, -80, -80, -80, -80]);
    expect(changes).toEqual([
      { active: true, atMs: 0, peakDb: -30 },
      { active: false, atMs: 300, peakDb: -30 },
    ]);
  });

  it('decides by time, so sparse (throttled) samples still give the same answer', () => {
    const vad = new EnergyVad({ thresholdDb: -45, attackMs: 150, hangoverMs: 1500 });
    const changes = run(vad, [-40, -40, -80, -80, -80], 1000);
    expect(changes).toEqual([
      { active: true, atMs: 0, peakDb: -40 },
      { active: false, atMs: 2000, peakDb: -40 },
    ]);
  });

  it('end() closes an open stretch and is a no-op when off', () => {
    const vad = new EnergyVad({ thresholdDb: -45, attackMs: 0 });
    expect(vad.end(10)).toBeNull();
    vad.push(0, -20);
    expect(vad.end(500)).toEqual({ active: false, atMs: 500, peakDb: -20 });
    expect(vad.isActive()).toBe(false);
  });
});
