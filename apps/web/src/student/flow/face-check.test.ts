import { describe, expect, it } from 'vitest';
import type { BrowserDetector } from '@invigil/detection/browser';
import { checkPhotoInBrowser } from './face-check';

const W = 320;
const H = 240;
const FACE: [number, number, number, number] = [100, 60, 120, 120];

/** RGBA pixels of 8-px squares alternating between `base - 20` and `base + 20`. */
function blocks(base: number): Uint8ClampedArray {
  const data = new Uint8ClampedArray(W * H * 4);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const v = ((x >> 3) + (y >> 3)) % 2 === 0 ? base - 20 : base + 20;
      data.set([v, v, v, 255], (y * W + x) * 4);
    }
  }
  return data;
}

/** A canvas holding `data`, as the identity step's capture canvas would. */
function canvasOf(data: Uint8ClampedArray): HTMLCanvasElement {
  const context = { getImageData: () => ({ width: W, height: H, data }) };
  return { width: W, height: H, getContext: () => context } as unknown as HTMLCanvasElement;
}

/** A detector that finds the given faces in any photo. */
function detectorFinding(faces: { box: typeof FACE }[]): BrowserDetector {
  const analysis = { faces: faces.map((f) => ({ ...f, confidence: 0.9 })), objects: [] };
  return { analyzeImage: async () => analysis } as unknown as BrowserDetector;
}

describe('the browser’s face photo check', () => {
  const photo = new Blob([new Uint8Array(4)], { type: 'image/jpeg' });

  it('passes a bright, sharp, large face, measured from the canvas pixels', async () => {
    const verdict = await checkPhotoInBrowser(
      detectorFinding([{ box: FACE }]),
      canvasOf(blocks(128)),
      photo,
    );
    expect(verdict).toEqual({ problem: null, checked: true });
  });

  it('applies the identity quality gate: a washed-out face is too bright', async () => {
    const verdict = await checkPhotoInBrowser(
      detectorFinding([{ box: FACE }]),
      canvasOf(blocks(228)),
      photo,
    );
    expect(verdict).toEqual({ problem: 'too_bright', checked: true });
  });

  it('names several faces, and leaves the photo to the server without a detector', async () => {
    const two = detectorFinding([{ box: FACE }, { box: [10, 10, 60, 60] }]);
    expect(await checkPhotoInBrowser(two, canvasOf(blocks(128)), photo)).toEqual({
      problem: 'several_faces',
      checked: true,
    });
    expect(await checkPhotoInBrowser(null, canvasOf(blocks(128)), photo)).toEqual({
      problem: null,
      checked: false,
    });
  });
});
