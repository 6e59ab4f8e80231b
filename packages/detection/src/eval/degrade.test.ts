import { describe, expect, it } from 'vitest';
import { luminanceStats, type RgbImage } from '../image-ops.js';
import { degrade, downscale } from './degrade.js';

const grey = (w: number, h: number, v: number): RgbImage => ({
  width: w,
  height: h,
  data: new Uint8Array(w * h * 3).fill(v),
});

describe('degrade', () => {
  it('darkens, adds repeatable noise, lowers resolution and backlights', () => {
    const img = grey(60, 30, 128);
    expect(luminanceStats(degrade(img, 'dark')).mean).toBeLessThan(40);
    const a = degrade(img, 'noisy');
    expect(a.data).toEqual(degrade(img, 'noisy').data);
    expect(luminanceStats(a).p95 - luminanceStats(a).p5).toBeGreaterThan(40);
    expect([degrade(img, 'lowres').width, degrade(img, 'lowres').height]).toEqual([20, 10]);
    const lit = degrade(img, 'backlit');
    expect(lit.data[0]!).toBeGreaterThan(lit.data[(15 * 60 + 30) * 3]!);
  });

  it('downscale averages areas', () => {
    expect(Array.from(downscale(grey(4, 4, 90), 0.5).data)).toEqual(new Array(12).fill(90));
  });
});
