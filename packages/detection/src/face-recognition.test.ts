import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  correctBacklight,
  descriptorSimilarity,
  landmarksOf,
  similarityTransform,
} from './face-recognition.js';
import { crop, pad } from './image-ops.js';
import { decodeImage } from './node/decode.js';
import { NodeDetector } from './node/node-detector.js';

describe('similarityTransform', () => {
  it('recovers a rotation, scale and shift exactly', () => {
    const [c, s, tx, ty] = [0.8 * Math.cos(0.3), 0.8 * Math.sin(0.3), 5, -7];
    const src: [number, number][] = [
      [10, 20],
      [40, 22],
      [25, 40],
      [14, 55],
      [38, 56],
    ];
    const dst = src.map(([x, y]) => [c * x - s * y + tx, s * x + c * y + ty]);
    const t = similarityTransform(src, dst);
    expect(t.c).toBeCloseTo(c, 9);
    expect(t.s).toBeCloseTo(s, 9);
    expect(t.tx).toBeCloseTo(tx, 9);
    expect(t.ty).toBeCloseTo(ty, 9);
  });
});

describe('landmarksOf and descriptorSimilarity', () => {
  it('needs the eye, nose and mouth points of the mesh', () => {
    expect(landmarksOf([[1, 2, 0]])).toBeNull();
    const mesh = Array.from({ length: 468 }, (_, i) => [i, 2 * i, 0]);
    expect(landmarksOf(mesh)).toEqual([
      [83, 166],
      [312.5, 625],
      [1, 2],
      [61, 122],
      [291, 582],
    ]);
  });

  it('is 1 for the same descriptor and falls with distance', () => {
    expect(descriptorSimilarity([0.1, 0.2], [0.1, 0.2])).toBe(1);
    expect(descriptorSimilarity([0, 0], [0.3, 0.4])).toBe(0.5);
    expect(descriptorSimilarity([0, 0], [3, 4])).toBe(0);
  });
});

describe('correctBacklight', () => {
  const SIDE = 150;
  /** A synthetic face crop: a dark stripe pattern (features) under a given glare ramp. */
  const face = (level: number, glare: number): Float32Array => {
    const out = new Float32Array(SIDE * SIDE * 3);
    for (let y = 0; y < SIDE; y++)
      for (let x = 0; x < SIDE; x++) {
        const feature = (Math.floor(x / 10) + Math.floor(y / 10)) % 2 ? 1 : 0.3;
        const v = level * feature + (glare * Math.abs(x - SIDE / 2)) / (SIDE / 2);
        out.fill(v, (y * SIDE + x) * 3, (y * SIDE + x) * 3 + 3);
      }
    return out;
  };

  it('leaves a face as bright as its frame alone', () => {
    expect(correctBacklight(face(180, 0), 120)).toBeNull();
  });

  it('removes glare from a face much darker than its frame and restores its contrast', () => {
    const veiled = face(60, 80);
    const out = correctBacklight(veiled, 200)!;
    expect(out).not.toBeNull();
    const at = (img: Float32Array, x: number) => img[(75 * SIDE + x) * 3]!;
    // Glare relative to the features' contrast: the same dark feature at the centre (x 75)
    // and off-centre (x 115) against a bright one next to it (x 85).
    const veil = (img: Float32Array) =>
      Math.abs(at(img, 115) - at(img, 75)) / Math.abs(at(img, 85) - at(img, 75));
    expect(veil(out)).toBeLessThan(veil(veiled) / 2);
  });
});

describe('face recognition on the real network', () => {
  it('finds the same person more alike than two different people', async () => {
    // Five faces in a row, shipped with the detection library's npm package (MIT).
    const require = createRequire(import.meta.url);
    const assets = join(dirname(dirname(require.resolve('@vladmandic/human'))), 'assets');
    const row = decodeImage(readFileSync(join(assets, 'screenshot-facedetect.jpg')));
    const first = crop(row, [0, 300, 160, 220]);
    const second = crop(row, [152, 300, 178, 220]);
    const detector = await NodeDetector.create();
    const parts = { objects: false };
    const a = (await detector.analyze(first, { parts })).embedding;
    const b = (await detector.analyze(second, { parts })).embedding;
    // The same face again, placed differently in a larger frame.
    const a2 = (await detector.analyze(pad(first, 0.3).image, { parts })).embedding;
    expect(a?.length).toBe(128);
    expect(descriptorSimilarity(a!, a2!)).toBeGreaterThan(0.8);
    expect(descriptorSimilarity(a!, b!)).toBeLessThan(descriptorSimilarity(a!, a2!));
  });
});
