import { createHash } from 'node:crypto';
import jpeg from 'jpeg-js';

/**
 * Upload bodies that pass the server's content checks: real file signatures and, for images,
 * a readable header. `label` makes the bytes (and so the SHA-256) unique per call site.
 */

/** Bytes derived from a label, so two labels never give the same body. */
const tail = (label: string) => Buffer.from(` ${label} `, 'utf8');

/** A WebM (EBML) segment body: the EBML magic, then the label. Enough for ingest checks. */
export function webmBytes(label = 'segment'): Buffer {
  return Buffer.concat([Buffer.from([0x1a, 0x45, 0xdf, 0xa3]), tail(label)]);
}

/** An MP4 body: an `ftyp` box header, then the label. */
export function mp4Bytes(label = 'segment'): Buffer {
  const ftyp = Buffer.from([0, 0, 0, 0x18, 0x66, 0x74, 0x79, 0x70, 0x69, 0x73, 0x6f, 0x6d]);
  return Buffer.concat([ftyp, Buffer.alloc(12), tail(label)]);
}

/**
 * A real JPEG (`width`×`height`, a flat colour derived from the label) that any decoder
 * reads. Small by default so tests stay fast.
 */
export function jpegBytes(label = 'snapshot', width = 16, height = 16): Buffer {
  const h = createHash('sha256').update(label).digest();
  const data = Buffer.alloc(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    data[i * 4] = h[0]!;
    data[i * 4 + 1] = h[1]!;
    data[i * 4 + 2] = h[2]!;
    data[i * 4 + 3] = 255;
  }
  return Buffer.from(jpeg.encode({ data, width, height }, 90).data);
}

/**
 * A PNG signature and IHDR chunk declaring `width`×`height` (no pixel data follows): what a
 * header check reads without decoding, e.g. a 50 000 × 50 000 "decompression bomb".
 */
export function pngHeader(width: number, height: number): Buffer {
  const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const ihdr = Buffer.alloc(25);
  ihdr.writeUInt32BE(13, 0);
  ihdr.write('IHDR', 4, 'latin1');
  ihdr.writeUInt32BE(width, 8);
  ihdr.writeUInt32BE(height, 12);
  ihdr[16] = 8; // bit depth
  ihdr[17] = 6; // RGBA
  return Buffer.concat([sig, ihdr]);
}
