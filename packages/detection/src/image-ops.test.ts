import { describe, expect, it } from 'vitest';
import {
  crop,
  luminanceStats,
  noiseLevel,
  normaliseLighting,
  pad,
  prepareFrame,
  reduceNoise,
  rgbFromRgba,
  type RgbImage,
} from './image-ops.js';

function solid(width: number, height: number, rgb: [number, number, number]): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i += 3) data.set(rgb, i);
  return { width, height, data };
}

function gradient(width: number, height: number, lo: number, hi: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      data.fill(
        Math.round(lo + ((hi - lo) * x) / (width - 1)),
        (y * width + x) * 3,
        (y * width + x) * 3 + 3,
      );
  return { width, height, data };
}

describe('crop', () => {
  it('copies the rectangle and clamps it to the image', () => {
    const img = gradient(10, 4, 0, 90);
    const c = crop(img, [8, 2, 5, 5]);
    expect([c.width, c.height]).toEqual([2, 2]);
    expect(c.data[0]).toBe(img.data[(2 * 10 + 8) * 3]);
  });
});

describe('pad', () => {
  it('adds a border of the mean colour and reports the offset', () => {
    const { image, offset } = pad(solid(20, 10, [10, 20, 30]), 0.25);
    expect([image.width, image.height]).toEqual([30, 16]);
    expect(offset).toEqual([5, 3]);
    expect(Array.from(image.data.subarray(0, 3))).toEqual([10, 20, 30]);
  });
});

describe('normaliseLighting', () => {
  it('leaves a well exposed frame untouched', () => {
    const img = gradient(64, 8, 0, 255);
    expect(normaliseLighting(img)).toBe(img);
  });

  it('brings a dark frame towards mid-grey and stretches its range', () => {
    const dark = gradient(64, 8, 5, 60);
    const out = normaliseLighting(dark);
    const before = luminanceStats(dark);
    const after = luminanceStats(out);
    expect(after.mean).toBeGreaterThan(before.mean + 50);
    expect(after.p95 - after.p5).toBeGreaterThan(before.p95 - before.p5);
  });
});

describe('reduceNoise', () => {
  it('smooths a noisy frame and leaves a clean one alone', async () => {
    const { degrade } = await import('./eval/degrade.js');
    const clean = gradient(64, 32, 40, 200);
    expect(reduceNoise(clean)).toBe(clean);
    const noisy = degrade(clean, 'noisy');
    expect(noiseLevel(noisy)).toBeGreaterThanOrEqual(9);
    expect(noiseLevel(reduceNoise(noisy))).toBeLessThan(noiseLevel(noisy));
  });

  it('smooths colour noise more than brightness and keeps a grey frame grey', async () => {
    const { degrade } = await import('./eval/degrade.js');
    const out = reduceNoise(degrade(solid(64, 64, [120, 120, 120]), 'noisy'));
    let chroma = 0;
    for (let i = 0; i < out.data.length; i += 3)
      chroma +=
        Math.abs(out.data[i]! - out.data[i + 1]!) + Math.abs(out.data[i + 2]! - out.data[i + 1]!);
    // Independent noise of σ = 25 per channel differs by ~28 between two channels on average.
    expect(chroma / (out.data.length / 3) / 2).toBeLessThan(8);
    expect(Math.abs(luminanceStats(out).mean - 120)).toBeLessThan(3);
  });
});

describe('prepareFrame', () => {
  it('leaves a clean, well exposed frame untouched and lifts a dark one', () => {
    const img = gradient(64, 8, 0, 255);
    expect(prepareFrame(img)).toBe(img);
    const dark = gradient(64, 8, 5, 60);
    expect(luminanceStats(prepareFrame(dark)).mean).toBeGreaterThan(luminanceStats(dark).mean);
  });
});

describe('rgbFromRgba', () => {
  it('drops the alpha channel of canvas pixels', () => {
    const rgba = new Uint8ClampedArray([1, 2, 3, 255, 4, 5, 6, 128]);
    expect(rgbFromRgba(2, 1, rgba)).toEqual({
      width: 2,
      height: 1,
      data: new Uint8Array([1, 2, 3, 4, 5, 6]),
    });
  });
});
