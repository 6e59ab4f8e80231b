import type { RgbImage } from '../image-ops.js';

/** The poor conditions real webcams produce, simulated from normal frames. */
export const DEGRADATIONS = ['dark', 'noisy', 'lowres', 'backlit'] as const;
export type Degradation = (typeof DEGRADATIONS)[number];

const clamp = (v: number) => (v < 0 ? 0 : v > 255 ? 255 : Math.round(v));

function map(img: RgbImage, fn: (v: number, x: number, y: number, i: number) => number): RgbImage {
  const data = new Uint8Array(img.data.length);
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      const i = (y * img.width + x) * 3;
      for (let c = 0; c < 3; c++) data[i + c] = clamp(fn(img.data[i + c]!, x, y, i + c));
    }
  }
  return { width: img.width, height: img.height, data };
}

/** A deterministic pseudo-random generator (mulberry32), so every run sees the same noise. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Scale by area averaging (what a cheap camera at low resolution delivers). */
export function downscale(img: RgbImage, factor: number): RgbImage {
  const width = Math.max(1, Math.round(img.width * factor));
  const height = Math.max(1, Math.round(img.height * factor));
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const y0 = Math.floor(y / factor);
    const y1 = Math.max(y0 + 1, Math.min(img.height, Math.floor((y + 1) / factor)));
    for (let x = 0; x < width; x++) {
      const x0 = Math.floor(x / factor);
      const x1 = Math.max(x0 + 1, Math.min(img.width, Math.floor((x + 1) / factor)));
      for (let c = 0; c < 3; c++) {
        let sum = 0;
        for (let yy = y0; yy < y1; yy++)
          for (let xx = x0; xx < x1; xx++) sum += img.data[(yy * img.width + xx) * 3 + c]!;
        data[(y * width + x) * 3 + c] = Math.round(sum / ((y1 - y0) * (x1 - x0)));
      }
    }
  }
  return { width, height, data };
}

/**
 * A degraded copy of a frame: `dark` (a quarter of the light, crushed shadows), `noisy`
 * (sensor noise, σ = 25 levels), `lowres` (a third of the resolution, as a far or cheap
 * camera gives), `backlit` (a bright window behind an underexposed subject).
 */
export function degrade(img: RgbImage, kind: Degradation, seed = 1): RgbImage {
  switch (kind) {
    case 'dark':
      return map(img, (v) => 255 * (v / 255) ** 1.3 * 0.25);
    case 'noisy': {
      const rnd = random(seed);
      const gauss = () => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
      return map(img, (v) => v + 25 * gauss());
    }
    case 'lowres':
      return downscale(img, 1 / 3);
    case 'backlit': {
      const cx = img.width / 2;
      const cy = img.height / 2;
      const r = Math.hypot(cx, cy);
      return map(img, (v, x, y) => {
        const d = Math.hypot(x - cx, y - cy) / r;
        return v * 0.45 + 255 * Math.min(1, d * 1.4) ** 2 * 0.8;
      });
    }
  }
}
