import { describe, expect, it } from 'vitest';
import {
  assessFaceQuality,
  FACE_QUALITY_LIMITS,
  measureFaceQuality,
  type FaceQualityFacts,
} from './face-quality.js';
import type { RgbImage } from './image-ops.js';

const good: FaceQualityFacts = {
  sizePx: 160,
  brightness: 120,
  noise: 3,
  sharpness: 300,
  yaw: 4,
  pitch: -3,
};

/** A 200×200 grey image with a face-sized checkerboard patch (sharp detail) in the middle. */
function frame(light: number, dark: number, noise = 0): RgbImage {
  const data = new Uint8Array(200 * 200 * 3);
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31 - 0.5) * 2 * noise;
  for (let y = 0; y < 200; y++) {
    for (let x = 0; x < 200; x++) {
      const inside = x >= 50 && x < 150 && y >= 50 && y < 150;
      const base = inside ? ((Math.floor(x / 6) + Math.floor(y / 6)) % 2 ? light : dark) : 90;
      const v = Math.min(255, Math.max(0, Math.round(base + rnd())));
      data.fill(v, (y * 200 + x) * 3, (y * 200 + x) * 3 + 3);
    }
  }
  return { width: 200, height: 200, data };
}

describe('assessFaceQuality', () => {
  it('passes a large, bright, clean, sharp, frontal face', () => {
    const q = assessFaceQuality(good);
    expect(q.ok).toBe(true);
    expect(q.failed).toBeNull();
    expect(q.score).toBeGreaterThanOrEqual(0.5);
  });

  it.each([
    ['size', { sizePx: FACE_QUALITY_LIMITS.minSizePx - 1 }],
    ['brightness', { brightness: FACE_QUALITY_LIMITS.minBrightness - 1 }],
    ['brightness', { brightness: FACE_QUALITY_LIMITS.maxBrightness + 5 }],
    ['noise', { noise: ((FACE_QUALITY_LIMITS.maxNoisePct + 2) * good.brightness) / 100 }],
    ['blur', { sharpness: FACE_QUALITY_LIMITS.minSharpness - 1 }],
    ['pose', { yaw: FACE_QUALITY_LIMITS.maxYawDeg + 5 }],
    ['pose', { pitch: -(FACE_QUALITY_LIMITS.maxPitchDeg + 5) }],
  ] as const)('fails on %s and names it', (factor, change) => {
    const q = assessFaceQuality({ ...good, ...change });
    expect(q.ok).toBe(false);
    expect(q.failed).toBe(factor);
    expect(q.score).toBeLessThan(0.5);
    expect(q.factors[factor]).toBe(q.score);
  });

  it('scores each factor 0.5 exactly at its limit (the limit itself passes)', () => {
    const l = FACE_QUALITY_LIMITS;
    const q = assessFaceQuality({
      sizePx: l.minSizePx,
      brightness: 100,
      noise: l.maxNoisePct,
      sharpness: l.minSharpness,
      yaw: l.maxYawDeg,
      pitch: l.maxPitchDeg,
    });
    expect(q.factors).toMatchObject({ size: 0.5, noise: 0.5, blur: 0.5, pose: 0.5 });
    expect(q.ok).toBe(true);
    for (const brightness of [l.minBrightness, l.maxBrightness]) {
      expect(assessFaceQuality({ ...good, brightness, noise: 0 }).factors.brightness).toBe(0.5);
    }
  });

  it('judges noise against the face’s brightness: the same noise fails a dim face only', () => {
    expect(assessFaceQuality({ ...good, brightness: 150, noise: 20 }).ok).toBe(true);
    expect(assessFaceQuality({ ...good, brightness: 35, noise: 20 }).failed).toBe('noise');
  });

  it('names the worst factor when several fail', () => {
    const q = assessFaceQuality({
      ...good,
      brightness: 2,
      noise: 0,
      sharpness: FACE_QUALITY_LIMITS.minSharpness * 0.9,
    });
    expect(q.failed).toBe('brightness');
  });

  it('does not judge pose without a mesh, and keeps scores within 0..1', () => {
    const q = assessFaceQuality({ ...good, yaw: null, pitch: null, sizePx: 10_000, noise: 999 });
    expect(q.factors.pose).toBe(1);
    expect(q.factors.size).toBe(1);
    expect(q.factors.noise).toBe(0);
    expect(q.failed).toBe('noise');
  });

  it('treats an unmeasurable value as failing rather than passing', () => {
    expect(assessFaceQuality({ ...good, sharpness: Number.NaN }).failed).toBe('blur');
  });

  it('follows custom limits', () => {
    const strict = { ...FACE_QUALITY_LIMITS, minSizePx: 200 };
    expect(assessFaceQuality(good, strict).failed).toBe('size');
  });
});

describe('measureFaceQuality', () => {
  const face = { box: [50, 50, 100, 100] as [number, number, number, number], headPose: null };

  it('reads size, brightness, noise and sharpness of the face box', () => {
    const clean = measureFaceQuality(frame(200, 60), frame(200, 60), face);
    expect(clean.sizePx).toBe(100);
    expect(clean.brightness).toBeCloseTo(130, -1);
    expect(clean.noise).toBe(0);
    expect(clean.sharpness).toBeGreaterThan(FACE_QUALITY_LIMITS.minSharpness);
    expect(clean.yaw).toBeNull();
    expect(assessFaceQuality(clean).ok).toBe(true);
  });

  it('finds a dark face dark and a noisy face noisy', () => {
    const dark = measureFaceQuality(frame(12, 4), frame(200, 60), face);
    expect(assessFaceQuality(dark).failed).toBe('brightness');
    const noisy = measureFaceQuality(frame(200, 60, 120), frame(200, 60), face);
    expect((100 * noisy.noise) / noisy.brightness).toBeGreaterThan(FACE_QUALITY_LIMITS.maxNoisePct);
    expect(assessFaceQuality(noisy).failed).toBe('noise');
  });

  it('takes the pose from the finding', () => {
    const turned = measureFaceQuality(frame(200, 60), frame(200, 60), {
      ...face,
      headPose: { yaw: 40, pitch: 2, roll: 0 },
    });
    expect(assessFaceQuality(turned).failed).toBe('pose');
  });
});
