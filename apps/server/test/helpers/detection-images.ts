import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import jpeg from 'jpeg-js';

/** Test images made at test time from the model library's own sample photo (MIT). */
export interface DetectionImages {
  twoFaces: Buffer;
  oneFace: Buffer;
  noFace: Buffer;
  /** Not an image at all. */
  garbage: Buffer;
}

interface Rgba {
  width: number;
  height: number;
  data: Uint8Array;
}

/** The library's sample: 800×718, five faces in a row at y≈341–490. */
function sample(): Rgba {
  const require = createRequire(import.meta.url);
  const dir = path.dirname(path.dirname(require.resolve('@vladmandic/human')));
  const bytes = readFileSync(path.join(dir, 'assets', 'screenshot-facedetect.jpg'));
  return jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true });
}

/** A grey canvas with a region of `src` pasted at (dx, dy). */
function compose(
  src: Rgba,
  region: { x: number; y: number; w: number; h: number },
  canvas: { w: number; h: number; dx: number; dy: number },
): Buffer {
  const out = new Uint8Array(canvas.w * canvas.h * 4).fill(128);
  for (let y = 0; y < region.h; y++) {
    for (let x = 0; x < region.w; x++) {
      const s = ((region.y + y) * src.width + region.x + x) * 4;
      const d = ((canvas.dy + y) * canvas.w + canvas.dx + x) * 4;
      out.set(src.data.subarray(s, s + 4), d);
    }
  }
  for (let i = 3; i < out.length; i += 4) out[i] = 255;
  return jpeg.encode({ width: canvas.w, height: canvas.h, data: out }, 90).data;
}

let cached: DetectionImages | undefined;

/** Two faces (the first two of the sample), one face (the fourth, on grey), and flat grey. */
export function detectionImages(): DetectionImages {
  if (cached) return cached;
  const src = sample();
  cached = {
    twoFaces: compose(src, { x: 0, y: 250, w: 320, h: 350 }, { w: 320, h: 350, dx: 0, dy: 0 }),
    oneFace: compose(src, { x: 466, y: 300, w: 166, h: 230 }, { w: 400, h: 400, dx: 117, dy: 85 }),
    noFace: compose(src, { x: 0, y: 0, w: 1, h: 1 }, { w: 320, h: 240, dx: 0, dy: 0 }),
    garbage: Buffer.from('this is not an image'),
  };
  return cached;
}
