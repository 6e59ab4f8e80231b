import { describe, expect, it } from 'vitest';
import type { ObjectFinding } from './analysis.js';
import { boxIou, mergeDetections, overlappingTiles, toFrame } from './multi-scale.js';

const phone = (box: ObjectFinding['box'], score: number): ObjectFinding => ({
  label: 'cell phone',
  score,
  box,
});

describe('overlappingTiles', () => {
  it('covers a 640×480 frame with four tiles of 60 % overlapping by 20 %', () => {
    expect(overlappingTiles(640, 480)).toEqual([
      [0, 0, 384, 288],
      [256, 0, 384, 288],
      [0, 192, 384, 288],
      [256, 192, 384, 288],
    ]);
  });

  it('covers every pixel, for any grid', () => {
    for (const grid of [1, 2, 3]) {
      const tiles = overlappingTiles(333, 251, grid, 0.25);
      expect(tiles).toHaveLength(grid * grid);
      for (const [x, y] of [
        [0, 0],
        [332, 250],
        [166, 125],
        [332, 0],
      ] as const) {
        expect(tiles.some(([tx, ty, w, h]) => x >= tx && x < tx + w && y >= ty && y < ty + h)).toBe(
          true,
        );
      }
      for (const [tx, ty, w, h] of tiles) {
        expect(tx + w).toBeLessThanOrEqual(333);
        expect(ty + h).toBeLessThanOrEqual(251);
      }
    }
  });

  it('rejects a grid that is not a positive integer', () => {
    expect(() => overlappingTiles(640, 480, 0)).toThrow();
    expect(() => overlappingTiles(640, 480, 1.5)).toThrow();
  });
});

describe('toFrame', () => {
  it('moves a tile detection by the tile origin', () => {
    expect(toFrame(phone([10, 20, 30, 40], 0.5), [256, 192, 384, 288]).box).toEqual([
      266, 212, 30, 40,
    ]);
  });

  it('undoes the scale of an upscaled tile', () => {
    expect(toFrame(phone([100, 40, 60, 20], 0.5), [50, 10, 200, 150], 2).box).toEqual([
      100, 30, 30, 10,
    ]);
  });
});

describe('mergeDetections', () => {
  it('keeps one phone seen by the frame and a tile, with the best score', () => {
    const merged = mergeDetections([phone([100, 100, 40, 80], 0.3), phone([102, 98, 40, 82], 0.6)]);
    expect(merged).toHaveLength(1);
    expect(merged[0]!.score).toBe(0.6);
  });

  it('fuses overlapping boxes by score', () => {
    const merged = mergeDetections([
      phone([100, 100, 40, 80], 0.5),
      phone([110, 100, 40, 80], 0.5),
    ]);
    expect(merged[0]!.box).toEqual([105, 100, 40, 80]);
  });

  it("merges a piece cut by a tile's edge into the whole object without moving its box", () => {
    const whole = phone([200, 100, 60, 120], 0.5);
    const piece = phone([200, 100, 24, 120], 0.7);
    const merged = mergeDetections([whole, piece]);
    expect(merged).toHaveLength(1);
    expect(merged[0]).toMatchObject({ score: 0.7, box: [200, 100, 24, 120] });
    // The piece leads (higher score); the whole box overlaps it too little (IoU 0.4) to be fused.
    expect(boxIou(whole.box, piece.box)).toBeCloseTo(0.4);
  });

  it('never merges different classes', () => {
    const book: ObjectFinding = { label: 'book', score: 0.4, box: [100, 100, 40, 80] };
    const merged = mergeDetections([phone([100, 100, 40, 80], 0.6), book]);
    expect(merged.map((d) => d.label)).toEqual(['cell phone', 'book']);
  });

  it('keeps separate phones apart, highest score first', () => {
    const merged = mergeDetections([phone([0, 0, 20, 40], 0.3), phone([300, 200, 20, 40], 0.8)]);
    expect(merged.map((d) => d.score)).toEqual([0.8, 0.3]);
  });

  it('returns nothing for nothing', () => {
    expect(mergeDetections([])).toEqual([]);
  });
});
