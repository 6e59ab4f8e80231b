import type { Box } from './analysis.js';

/** Brightness and sharpness of a region of a photo. */
export interface RegionQuality {
  /** Mean luminance, 0–255. */
  luminance: number;
  /** Variance of the Laplacian of the region scaled to QUALITY_SIDE px: low = blurred. */
  sharpness: number;
}

/** Regions are scaled to this square before the Laplacian, so face size does not matter. */
export const QUALITY_SIDE = 96;

/** Pixels as packed RGB (3 channels) or RGBA (4, a canvas's ImageData). */
export interface Pixels {
  width: number;
  height: number;
  data: ArrayLike<number>;
  channels?: 3 | 4;
}

/**
 * Brightness and sharpness of `box` (default: the whole image): the region is averaged down
 * (or sampled up) to QUALITY_SIDE × QUALITY_SIDE grey values, then the mean and the variance
 * of the 4-neighbour Laplacian are taken. The same numbers in the browser and on the server.
 */
export function regionQuality(img: Pixels, box?: Box): RegionQuality {
  const ch = img.channels ?? 3;
  const [bx, by, bw, bh] = box ?? [0, 0, img.width, img.height];
  const x0 = Math.max(0, Math.floor(bx));
  const y0 = Math.max(0, Math.floor(by));
  const x1 = Math.min(img.width, Math.ceil(bx + bw));
  const y1 = Math.min(img.height, Math.ceil(by + bh));
  const w = Math.max(1, x1 - x0);
  const h = Math.max(1, y1 - y0);
  const n = QUALITY_SIDE;
  const grey = new Float32Array(n * n);
  for (let gy = 0; gy < n; gy++) {
    const sy0 = y0 + Math.floor((gy * h) / n);
    const sy1 = Math.max(sy0 + 1, y0 + Math.floor(((gy + 1) * h) / n));
    for (let gx = 0; gx < n; gx++) {
      const sx0 = x0 + Math.floor((gx * w) / n);
      const sx1 = Math.max(sx0 + 1, x0 + Math.floor(((gx + 1) * w) / n));
      let sum = 0;
      let count = 0;
      for (let y = sy0; y < Math.min(sy1, img.height); y++) {
        for (let x = sx0; x < Math.min(sx1, img.width); x++) {
          const i = (y * img.width + x) * ch;
          sum += 0.299 * img.data[i]! + 0.587 * img.data[i + 1]! + 0.114 * img.data[i + 2]!;
          count++;
        }
      }
      grey[gy * n + gx] = count ? sum / count : 0;
    }
  }
  let total = 0;
  for (const v of grey) total += v;
  let lapSum = 0;
  let lapSq = 0;
  let m = 0;
  for (let y = 1; y < n - 1; y++) {
    for (let x = 1; x < n - 1; x++) {
      const i = y * n + x;
      const lap = grey[i - 1]! + grey[i + 1]! + grey[i - n]! + grey[i + n]! - 4 * grey[i]!;
      lapSum += lap;
      lapSq += lap * lap;
      m++;
    }
  }
  const mean = lapSum / m;
  return { luminance: total / (n * n), sharpness: lapSq / m - mean * mean };
}
