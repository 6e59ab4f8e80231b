/** An image as packed RGB bytes, row by row. */
export interface RgbImage {
  width: number;
  height: number;
  /** width × height × 3 bytes. */
  data: Uint8Array;
}

/** A rectangle in pixels: x, y, width, height. */
export type Rect = [number, number, number, number];

/** Copy a rectangle out of an image (clamped to its bounds). */
export function crop(img: RgbImage, [x, y, w, h]: Rect): RgbImage {
  const x0 = Math.max(0, Math.floor(x));
  const y0 = Math.max(0, Math.floor(y));
  const x1 = Math.min(img.width, Math.ceil(x + w));
  const y1 = Math.min(img.height, Math.ceil(y + h));
  const width = Math.max(1, x1 - x0);
  const height = Math.max(1, y1 - y0);
  const data = new Uint8Array(width * height * 3);
  for (let row = 0; row < height; row++) {
    const from = ((y0 + row) * img.width + x0) * 3;
    data.set(img.data.subarray(from, from + width * 3), row * width * 3);
  }
  return { width, height, data };
}

/**
 * Surround an image with a border of its mean colour, `fraction` of its size on each side.
 * Face detectors are trained on faces that fill part of a frame; a tight crop of a face
 * (an ID photo, a close-up) is otherwise missed or split into phantom faces.
 */
export function pad(
  img: RgbImage,
  fraction: number,
): { image: RgbImage; offset: [number, number] } {
  const px = Math.round(img.width * fraction);
  const py = Math.round(img.height * fraction);
  const width = img.width + 2 * px;
  const height = img.height + 2 * py;
  const mean = meanColour(img);
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i += 3) {
    data[i] = mean[0];
    data[i + 1] = mean[1];
    data[i + 2] = mean[2];
  }
  for (let row = 0; row < img.height; row++) {
    const from = row * img.width * 3;
    data.set(img.data.subarray(from, from + img.width * 3), ((row + py) * width + px) * 3);
  }
  return { image: { width, height, data }, offset: [px, py] };
}

function meanColour(img: RgbImage): [number, number, number] {
  const sum = [0, 0, 0];
  const n = img.width * img.height;
  for (let i = 0; i < img.data.length; i += 3) {
    sum[0]! += img.data[i]!;
    sum[1]! += img.data[i + 1]!;
    sum[2]! += img.data[i + 2]!;
  }
  return [Math.round(sum[0]! / n), Math.round(sum[1]! / n), Math.round(sum[2]! / n)];
}

/** Mean luminance (0–255) and its spread, from a sparse sample of pixels. */
export function luminanceStats(img: RgbImage): { mean: number; p5: number; p95: number } {
  const hist = new Uint32Array(256);
  const step = Math.max(1, Math.floor((img.width * img.height) / 20000));
  let total = 0;
  let sum = 0;
  for (let p = 0; p < img.width * img.height; p += step) {
    const i = p * 3;
    const y = Math.round(
      0.299 * img.data[i]! + 0.587 * img.data[i + 1]! + 0.114 * img.data[i + 2]!,
    );
    hist[y]!++;
    sum += y;
    total++;
  }
  const at = (q: number) => {
    let acc = 0;
    for (let v = 0; v < 256; v++) {
      acc += hist[v]!;
      if (acc >= q * total) return v;
    }
    return 255;
  };
  return { mean: sum / total, p5: at(0.05), p95: at(0.95) };
}

/**
 * Stretch contrast and lift shadows of a dim or washed-out frame so that faces in poor
 * light look like faces in normal light to the detectors. Frames that already use the
 * range are returned unchanged (the same object), so normal frames cost nothing.
 */
export function normaliseLighting(img: RgbImage): RgbImage {
  const { mean, p5, p95 } = luminanceStats(img);
  const range = p95 - p5;
  if (mean > 70 && mean < 190 && range > 120) return img;
  const lo = p5;
  const scale = 255 / Math.max(1, range);
  // Gamma brings the stretched mean towards mid-grey: <1 lifts a dark frame.
  const stretchedMean = Math.min(254, Math.max(1, (mean - lo) * scale));
  const gamma = Math.min(2.5, Math.max(0.4, Math.log(128 / 255) / Math.log(stretchedMean / 255)));
  const lut = new Uint8Array(256);
  for (let v = 0; v < 256; v++) {
    const s = Math.min(1, Math.max(0, ((v - lo) * scale) / 255));
    lut[v] = Math.round(255 * s ** gamma);
  }
  const data = new Uint8Array(img.data.length);
  for (let i = 0; i < data.length; i++) data[i] = lut[img.data[i]!]!;
  return { width: img.width, height: img.height, data };
}

/**
 * Typical difference between horizontally neighbouring pixels (median of |Δ| on the green
 * channel over a sparse sample): small for clean frames, large for sensor noise.
 */
export function noiseLevel(img: RgbImage): number {
  const diffs: number[] = [];
  const step = Math.max(1, Math.floor((img.width * img.height) / 20000));
  for (let p = 0; p < img.width * img.height - 1; p += step) {
    if ((p + 1) % img.width === 0) continue;
    diffs.push(Math.abs(img.data[p * 3 + 1]! - img.data[(p + 1) * 3 + 1]!));
  }
  diffs.sort((a, b) => a - b);
  return diffs[Math.floor(diffs.length / 2)] ?? 0;
}

/** A box blur of the given radius (separable, so cost does not grow with the radius). */
export function boxBlur(img: RgbImage, radius: number): RgbImage {
  const { width, height } = img;
  const pass = (src: Uint8Array, horizontal: boolean): Uint8Array => {
    const out = new Uint8Array(src.length);
    const len = horizontal ? width : height;
    const lines = horizontal ? height : width;
    for (let line = 0; line < lines; line++) {
      for (let c = 0; c < 3; c++) {
        const at = (k: number) => (horizontal ? line * width + k : k * width + line) * 3 + c;
        let sum = 0;
        let n = 0;
        for (let k = 0; k <= Math.min(radius, len - 1); k++) {
          sum += src[at(k)]!;
          n++;
        }
        for (let k = 0; k < len; k++) {
          out[at(k)] = Math.round(sum / n);
          const add = k + radius + 1;
          const drop = k - radius;
          if (add < len) {
            sum += src[at(add)]!;
            n++;
          }
          if (drop >= 0) {
            sum -= src[at(drop)]!;
            n--;
          }
        }
      }
    }
    return out;
  };
  return { width, height, data: pass(pass(img.data, true), false) };
}

/** Noise above this level (see noiseLevel) is smoothed before detection. */
export const NOISY_FRAME_LEVEL = 9;

/**
 * Box blur of one channel (a plane of width × height values) in place of the given radius,
 * separable with running sums, so cost does not grow with the radius.
 */
export function blurPlane(
  plane: Float32Array,
  width: number,
  height: number,
  radius: number,
): void {
  const line = new Float32Array(Math.max(width, height));
  // One line (a row: start y·width, stride 1; a column: start x, stride width) at a time.
  const blurLine = (start: number, stride: number, len: number) => {
    for (let k = 0, i = start; k < len; k++, i += stride) line[k] = plane[i]!;
    let sum = 0;
    let n = 0;
    for (let k = 0; k <= Math.min(radius, len - 1); k++) {
      sum += line[k]!;
      n++;
    }
    for (let k = 0, i = start; k < len; k++, i += stride) {
      plane[i] = sum / n;
      if (k + radius + 1 < len) {
        sum += line[k + radius + 1]!;
        n++;
      }
      if (k - radius >= 0) {
        sum -= line[k - radius]!;
        n--;
      }
    }
  };
  for (let y = 0; y < height; y++) blurLine(y * width, 1, width);
  for (let x = 0; x < width; x++) blurLine(x, width, height);
}

/**
 * Radius of the box blur of a noisy frame's brightness. Radius 2 found as many faces but lost
 * detail the identity network needs: over three noise seeds of the development set, identity's
 * equal error rate was 16–18 % with radius 2 and 11–12 % with radius 1.
 */
const LUMA_RADIUS = 1;
/** Radius of the (twice applied) box blur of a noisy frame's colour differences. */
const CHROMA_RADIUS = 5;

/**
 * Smooth sensor noise (cheap cameras in poor light) that otherwise hides faces from the
 * detector; clean frames are returned unchanged. The frame is split into brightness (luma)
 * and colour difference (chroma), as camera noise reduction does: the detectors find faces
 * by their brightness pattern, so luma gets only a small blur that keeps the eyes and mouth,
 * while chroma, which carries much of the noise and little of the shape, is smoothed far
 * more. On the development set's noisy copies this found faces in dim noisy frames that a
 * plain box blur of all three channels lost (docs/detection-quality.md).
 */
export function reduceNoise(img: RgbImage): RgbImage {
  const level = noiseLevel(img);
  if (level < NOISY_FRAME_LEVEL) return img;
  const { width, height, data } = img;
  const n = width * height;
  const y = new Float32Array(n);
  const cb = new Float32Array(n);
  const cr = new Float32Array(n);
  for (let p = 0, i = 0; p < n; p++, i += 3) {
    const r = data[i]!;
    const g = data[i + 1]!;
    const b = data[i + 2]!;
    const l = 0.299 * r + 0.587 * g + 0.114 * b;
    y[p] = l;
    cb[p] = b - l;
    cr[p] = r - l;
  }
  blurPlane(y, width, height, LUMA_RADIUS);
  for (const plane of [cb, cr]) {
    blurPlane(plane, width, height, CHROMA_RADIUS);
    blurPlane(plane, width, height, CHROMA_RADIUS);
  }
  const out = new Uint8Array(data.length);
  for (let p = 0, i = 0; p < n; p++, i += 3) {
    const l = y[p]!;
    const r = l + cr[p]!;
    const b = l + cb[p]!;
    // Uint8Array assignment would wrap, not clamp: clamp (and round) explicitly.
    out[i] = clampByte(r);
    out[i + 1] = clampByte((l - 0.299 * r - 0.114 * b) / 0.587);
    out[i + 2] = clampByte(b);
  }
  return { width, height, data: out };
}

const clampByte = (v: number): number => (v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v));

/**
 * The frame as the detectors see it: sensor noise smoothed, then poor lighting normalised.
 * The quality gate measures sharpness on it, so whoever measures a face prepares it alike.
 */
export function prepareFrame(img: RgbImage): RgbImage {
  return normaliseLighting(reduceNoise(img));
}

/** Packed RGB from RGBA pixels (a canvas's ImageData), dropping alpha. */
export function rgbFromRgba(width: number, height: number, rgba: ArrayLike<number>): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0, j = 0; i < data.length; i += 3, j += 4) {
    data[i] = rgba[j] ?? 0;
    data[i + 1] = rgba[j + 1] ?? 0;
    data[i + 2] = rgba[j + 2] ?? 0;
  }
  return { width, height, data };
}
