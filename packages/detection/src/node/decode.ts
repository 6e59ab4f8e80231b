import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { imageSizeAllowed, MAX_IMAGE_PIXELS, readImageHeader } from '@invigil/contracts';

import type { RgbImage } from '../image-ops.js';

/** Thrown for bytes that are not a readable JPEG or PNG. */
export class UnreadableImageError extends Error {
  override name = 'UnreadableImageError';
}

function isJpeg(b: Uint8Array): boolean {
  return b.length > 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff;
}

function isPng(b: Uint8Array): boolean {
  return b.length > 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47;
}

function rgbaToRgb(rgba: Uint8Array, width: number, height: number): Uint8Array {
  const out = new Uint8Array(width * height * 3);
  for (let i = 0, j = 0; i < out.length; i += 3, j += 4) {
    // Composite transparency over white, as a browser shows it.
    const a = (rgba[j + 3] ?? 255) / 255;
    out[i] = Math.round((rgba[j] ?? 0) * a + 255 * (1 - a));
    out[i + 1] = Math.round((rgba[j + 1] ?? 0) * a + 255 * (1 - a));
    out[i + 2] = Math.round((rgba[j + 2] ?? 0) * a + 255 * (1 - a));
  }
  return out;
}

/**
 * Decode JPEG or PNG bytes (by content, not name) to RGB. The size is read from the header
 * first and checked against the contracts' caps (MAX_IMAGE_SIDE, MAX_IMAGE_PIXELS), so a
 * crafted header declaring billions of pixels is refused before a decoder allocates them.
 */
export function decodeImage(bytes: Uint8Array): RgbImage {
  const header = readImageHeader(bytes);
  if (!header) throw new UnreadableImageError('Not a JPEG or PNG image with a readable header');
  if (!imageSizeAllowed(header)) {
    throw new UnreadableImageError(`Image too large: ${header.width} × ${header.height} pixels`);
  }
  try {
    if (isJpeg(bytes)) {
      const img = jpeg.decode(bytes, {
        useTArray: true,
        formatAsRGBA: false,
        maxResolutionInMP: MAX_IMAGE_PIXELS / 1e6,
        maxMemoryUsageInMB: 1024,
      });
      return { width: img.width, height: img.height, data: img.data };
    }
    if (isPng(bytes)) {
      const img = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      if (!imageSizeAllowed(img)) throw new Error('image too large');
      return {
        width: img.width,
        height: img.height,
        data: rgbaToRgb(img.data, img.width, img.height),
      };
    }
  } catch (e) {
    throw new UnreadableImageError(`Not a readable image: ${(e as Error).message}`);
  }
  throw new UnreadableImageError('Not a JPEG or PNG image');
}
