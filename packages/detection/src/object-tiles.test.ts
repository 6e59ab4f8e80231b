import type { Result } from '@vladmandic/human';
import { describe, expect, it } from 'vitest';
import type { ObjectFinding } from './analysis.js';
import type { RgbImage } from './image-ops.js';
import { TILE_SCORE_DISCOUNT, withTiledObjects } from './object-tiles.js';
import type { DetectPass } from './pipeline.js';
import { DEFAULT_THRESHOLDS } from './thresholds.js';

const frame: RgbImage = { width: 640, height: 480, data: new Uint8Array(640 * 480 * 3) };

/** A stand-in detection pass: on its n-th call (the n-th tile), one phone scoring `found[n]`. */
function fakePass(found: Record<number, number>): { detect: DetectPass; parts: unknown[] } {
  const parts: unknown[] = [];
  let call = 0;
  const detect: DetectPass = (image, p) => {
    parts.push(p);
    const score = found[call++];
    const object =
      score === undefined
        ? []
        : [{ label: 'cell phone', score, box: [10, 20, 30, 60], boxRaw: [0, 0, 0, 0] }];
    expect(image.width).toBe(384);
    return Promise.resolve({ face: [], object } as unknown as Result);
  };
  return { detect, parts };
}

describe('withTiledObjects', () => {
  it('runs the object model alone on four tiles and maps their phones to the frame', async () => {
    const { detect, parts } = fakePass({ 3: 0.6 });
    const objects = await withTiledObjects(detect, frame, [], DEFAULT_THRESHOLDS);
    expect(parts).toHaveLength(4);
    expect(parts[0]).toMatchObject({ faces: false, objects: true, pose: false });
    expect(objects).toHaveLength(1);
    expect(objects[0]).toMatchObject({ label: 'cell phone', box: [266, 212, 30, 60] });
    expect(objects[0]!.score).toBeCloseTo(0.6 - TILE_SCORE_DISCOUNT);
  });

  it("merges a tile's view of the whole frame's phone into one finding", async () => {
    const whole: ObjectFinding = { label: 'cell phone', score: 0.3, box: [12, 22, 30, 58] };
    const { detect } = fakePass({ 0: 0.7 });
    const objects = await withTiledObjects(detect, frame, [whole], DEFAULT_THRESHOLDS);
    expect(objects).toHaveLength(1);
    expect(objects[0]!.score).toBeCloseTo(0.7 - TILE_SCORE_DISCOUNT);
  });

  it('holds tile detections to the threshold after the discount', async () => {
    const t = DEFAULT_THRESHOLDS.phoneMinScore;
    const { detect } = fakePass({ 0: t + TILE_SCORE_DISCOUNT / 2 });
    expect(await withTiledObjects(detect, frame, [], DEFAULT_THRESHOLDS)).toEqual([]);
  });
});
