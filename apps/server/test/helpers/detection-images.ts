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

let decoded: Rgba | undefined;

/** The library's sample: 800×718, five faces in a row at y≈341–490. */
function sample(): Rgba {
  if (decoded) return decoded;
  const require = createRequire(import.meta.url);
  const dir = path.dirname(path.dirname(require.resolve('@vladmandic/human')));
  const bytes = readFileSync(path.join(dir, 'assets', 'screenshot-facedetect.jpg'));
  decoded = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true });
  return decoded;
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

/** Left edges of the sample's five face tiles (150×152 px at y 345; the first is a man). */
const FACE_TILES = [8, 164, 321, 478, 634] as const;

/** A face photo as the check-in takes it: sample face `person` (0–4) on a grey frame. */
export function facePhoto(person: number): Buffer {
  const x = FACE_TILES[person] ?? FACE_TILES[0];
  return compose(
    sample(),
    { x: x - 12, y: 300, w: 166, h: 230 },
    { w: 400, h: 400, dx: 117, dy: 85 },
  );
}

/**
 * A photo of an ID card held up to a 1280×720 webcam: a light card with a blue band, lines of
 * "text" and, unless `person` is null, sample face `person` as its passport photo, scaled to
 * `scale` (0.8: a face about 150 px high, as on a card held at arm's length).
 */
export function idDocumentPhoto(person: number | null, scale = 0.8): Buffer {
  const src = sample();
  const w = 1280;
  const h = 720;
  const out = new Uint8Array(w * h * 4);
  const fill = (x0: number, y0: number, fw: number, fh: number, rgb: readonly number[]) => {
    for (let y = y0; y < y0 + fh; y++) {
      for (let x = x0; x < x0 + fw; x++) {
        const d = (y * w + x) * 4;
        out[d] = rgb[0]!;
        out[d + 1] = rgb[1]!;
        out[d + 2] = rgb[2]!;
        out[d + 3] = 255;
      }
    }
  };
  fill(0, 0, w, h, [90, 80, 70]);
  fill(260, 120, 760, 480, [225, 230, 240]);
  fill(260, 120, 760, 70, [40, 70, 140]);
  for (let i = 0; i < 6; i++) fill(580, 250 + i * 50, 360 - (i % 3) * 60, 14, [60, 60, 70]);
  const tw = Math.round(150 * scale);
  const th = Math.round(152 * scale);
  if (person === null) {
    fill(300, 230, tw, th, [200, 200, 205]);
  } else {
    const tx = FACE_TILES[person] ?? FACE_TILES[0];
    for (let y = 0; y < th; y++) {
      for (let x = 0; x < tw; x++) {
        const s = ((345 + Math.floor(y / scale)) * src.width + tx + Math.floor(x / scale)) * 4;
        out.set(src.data.subarray(s, s + 4), ((230 + y) * w + 300 + x) * 4);
      }
    }
  }
  return Buffer.from(jpeg.encode({ width: w, height: h, data: out }, 90).data);
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
