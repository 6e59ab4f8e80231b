import { describe, expect, it } from 'vitest';
import type { FaceFinding } from './analysis.js';
import { mergeFaces } from './pipeline.js';

const face = (box: FaceFinding['box'], score: number): FaceFinding => ({
  box,
  score,
  headPose: null,
  headTurned: false,
});

describe('mergeFaces', () => {
  it('keeps the most confident detection of a face seen by two passes', () => {
    const merged = mergeFaces([face([100, 100, 50, 50], 0.6), face([104, 98, 48, 52], 0.9)]);
    expect(merged).toHaveLength(1);
    expect(merged[0]!.score).toBe(0.9);
  });

  it('drops a partial detection whose centre lies inside a whole face', () => {
    expect(mergeFaces([face([0, 0, 200, 200], 0.9), face([120, 120, 60, 60], 0.8)])).toHaveLength(
      1,
    );
  });

  it("keeps the whole frame's liveness scores when a tile's detection wins", () => {
    const whole = { ...face([100, 100, 50, 50], 0.6), real: 0.9, live: 0.8 };
    const merged = mergeFaces([whole, face([104, 98, 48, 52], 0.9)]);
    expect(merged).toHaveLength(1);
    expect(merged[0]).toMatchObject({ score: 0.9, real: 0.9, live: 0.8 });
  });

  it('keeps separate faces, largest first', () => {
    const merged = mergeFaces([face([0, 0, 40, 40], 0.9), face([300, 0, 80, 80], 0.7)]);
    expect(merged.map((f) => f.box[0])).toEqual([300, 0]);
  });
});
