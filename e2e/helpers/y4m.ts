import { writeFileSync } from 'node:fs';

/** An image as packed RGB bytes, row by row. */
export interface Rgb {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Options of a Y4M clip. */
interface ClipOptions {
  width?: number;
  height?: number;
  frames?: number;
  fps?: number;
}

/**
 * Writes a Y4M video (the raw format Chromium's fake camera reads with
 * `--use-file-for-fake-video-capture`), 4:2:0, full-range BT.601 like JPEG. `luma` gives
 * each pixel's brightness for frame f; chroma is taken from `chroma` or left neutral.
 */
function writeY4m(
  file: string,
  { width = 640, height = 480, frames = 10, fps = 15 }: ClipOptions,
  luma: (x: number, y: number, f: number) => number,
  chroma?: (x: number, y: number) => [number, number],
): void {
  const header = Buffer.from(`YUV4MPEG2 W${width} H${height} F${fps}:1 Ip A1:1 C420jpeg\n`);
  const cw = width / 2;
  const ch = height / 2;
  const frameBytes = 6 + width * height + 2 * cw * ch;
  const out = Buffer.alloc(header.length + frames * frameBytes);
  header.copy(out, 0);
  let at = header.length;
  for (let f = 0; f < frames; f++) {
    at += out.write('FRAME\n', at, 'latin1');
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) out[at + y * width + x] = luma(x, y, f);
    }
    at += width * height;
    for (let y = 0; y < ch; y++) {
      for (let x = 0; x < cw; x++) {
        const [u, v] = chroma ? chroma(x * 2, y * 2) : [128, 128];
        out[at + y * cw + x] = u;
        out[at + cw * ch + y * cw + x] = v;
      }
    }
    at += 2 * cw * ch;
  }
  writeFileSync(file, out);
}

/**
 * A soft grey gradient drifting a little each frame, with no face or object in it. Mid
 * grey, never black: a black frame would look like a covered camera, another situation.
 */
export function writeGreyY4m(file: string, options: ClipOptions = {}): void {
  const width = options.width ?? 640;
  writeY4m(file, options, (x, y, f) => 90 + Math.round((60 * ((x + y + f * 4) % width)) / width));
}

/** A still picture fitted (letterboxed, nearest pixel) into every frame of the clip. */
export function writeImageY4m(file: string, image: Rgb, options: ClipOptions = {}): void {
  const width = options.width ?? 640;
  const height = options.height ?? 480;
  const scale = Math.min(width / image.width, height / image.height);
  const left = Math.floor((width - image.width * scale) / 2);
  const top = Math.floor((height - image.height * scale) / 2);
  const rgb = (x: number, y: number): [number, number, number] => {
    const sx = Math.floor((x - left) / scale);
    const sy = Math.floor((y - top) / scale);
    if (sx < 0 || sy < 0 || sx >= image.width || sy >= image.height) return [40, 40, 40];
    const i = (sy * image.width + sx) * 3;
    return [image.data[i] ?? 0, image.data[i + 1] ?? 0, image.data[i + 2] ?? 0];
  };
  const clamp = (n: number) => Math.max(0, Math.min(255, Math.round(n)));
  writeY4m(
    file,
    options,
    (x, y) => {
      const [r, g, b] = rgb(x, y);
      return clamp(0.299 * r + 0.587 * g + 0.114 * b);
    },
    (x, y) => {
      const [r, g, b] = rgb(x, y);
      return [
        clamp(128 - 0.168736 * r - 0.331264 * g + 0.5 * b),
        clamp(128 + 0.5 * r - 0.418688 * g - 0.081312 * b),
      ];
    },
  );
}
