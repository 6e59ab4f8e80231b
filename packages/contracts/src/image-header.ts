/**
 * Image sizes read from the file header alone, before any decoder touches the bytes: a
 * crafted header can declare billions of pixels in a few bytes, and a decoder allocates
 * what the header says. Shared by the server's upload checks and the detectors' decoder.
 */

/** Longest side accepted for a stored or analysed image, in pixels. */
export const MAX_IMAGE_SIDE = 8192;
/** Most pixels accepted for a stored or analysed image (4096 × 4096). */
export const MAX_IMAGE_PIXELS = 4096 * 4096;

/** What an image's header says. */
export interface ImageHeader {
  type: 'image/jpeg' | 'image/png';
  width: number;
  height: number;
}

const be16 = (b: Uint8Array, i: number) => ((b[i] ?? 0) << 8) | (b[i + 1] ?? 0);
const be32 = (b: Uint8Array, i: number) => be16(b, i) * 65536 + be16(b, i + 2);
const ascii = (b: Uint8Array, i: number, text: string) =>
  b.length >= i + text.length && [...text].every((c, k) => b[i + k] === c.charCodeAt(0));

/** Start-of-frame markers carry the size; C4 (DHT), C8 (JPG) and CC (DAC) do not. */
const isSof = (m: number) => m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;
/** Markers without a length field: RST0–7 and TEM. */
const isStandalone = (m: number) => (m >= 0xd0 && m <= 0xd7) || m === 0x01;

function jpegSize(b: Uint8Array): [number, number] | undefined {
  let i = 2;
  while (i + 4 <= b.length) {
    if (b[i] !== 0xff) return undefined;
    // Any number of 0xFF fill bytes may precede a marker.
    while (b[i + 1] === 0xff && i + 2 < b.length) i += 1;
    const marker = b[i + 1] ?? 0;
    if (isStandalone(marker)) {
      i += 2;
      continue;
    }
    // Scan data or the end before any frame header: there is no size to read.
    if (marker === 0xd9 || marker === 0xda) return undefined;
    const length = be16(b, i + 2);
    if (length < 2) return undefined;
    if (isSof(marker)) {
      if (i + 9 > b.length) return undefined;
      return [be16(b, i + 7), be16(b, i + 5)];
    }
    i += 2 + length;
  }
  return undefined;
}

function pngSize(b: Uint8Array): [number, number] | undefined {
  if (b.length < 24 || !ascii(b, 12, 'IHDR')) return undefined;
  return [be32(b, 16), be32(b, 20)];
}

/**
 * The type and size an image's header declares, judged by its signature (JPEG `FF D8 FF`,
 * PNG `89 50 4E 47 0D 0A 1A 0A`), without decoding any pixel. Undefined when the signature is
 * unknown (any other format, WebP included: the server's analysis cannot decode it), the
 * header is truncated or malformed, or a side is zero.
 */
export function readImageHeader(bytes: Uint8Array): ImageHeader | undefined {
  const b = bytes;
  let type: ImageHeader['type'];
  let size: [number, number] | undefined;
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) {
    type = 'image/jpeg';
    size = jpegSize(b);
  } else if ([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a].every((v, i) => b[i] === v)) {
    type = 'image/png';
    size = pngSize(b);
  } else {
    return undefined;
  }
  if (!size || size[0] <= 0 || size[1] <= 0) return undefined;
  return { type, width: size[0], height: size[1] };
}

/** True when an image of this size may be stored and decoded (MAX_IMAGE_SIDE, MAX_IMAGE_PIXELS). */
export function imageSizeAllowed(h: { width: number; height: number }): boolean {
  return (
    h.width <= MAX_IMAGE_SIDE &&
    h.height <= MAX_IMAGE_SIDE &&
    h.width * h.height <= MAX_IMAGE_PIXELS
  );
}
