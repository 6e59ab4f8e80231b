import { describe, expect, it } from 'vitest';
import { calibrate, leaveGroupOut, pointAt, type ScoredFrame } from './object-sweep.js';

const f = (group: string, label: boolean, score: number): ScoredFrame => ({ group, label, score });

const frames = [
  f('a', true, 0.7),
  f('a', true, 0.6),
  f('b', true, 0.3),
  f('c', false, 0.28),
  f('d', false, 0.1),
  f('e', false, 0),
];

describe('object threshold sweep', () => {
  it('counts precision and recall at a threshold', () => {
    expect(pointAt(frames, 0.25)).toMatchObject({ tp: 3, fp: 1, positives: 3, recall: 1 });
    expect(pointAt(frames, 0.5)).toMatchObject({ tp: 2, fp: 0, precision: 1 });
  });

  it('calibrates to the highest recall at the precision asked for', () => {
    expect(calibrate(frames, 0.8)).toBe(0.3);
    // Precision 75 % allows one false alarm: the lowest threshold with full recall that keeps it.
    expect(calibrate(frames, 0.75)).toBe(0.15);
  });

  it('holds out every picture in turn', () => {
    const out = leaveGroupOut(frames, 0.8);
    // Picture c (a 0.28 negative) held out is judged at a threshold fitted without it
    // (0.15): a false alarm that fitting on every frame would have hidden.
    expect(out).toMatchObject({ positives: 3, tp: 3, fp: 1 });
    expect(out.thresholds).toEqual([0.15, 0.3]);
  });
});
