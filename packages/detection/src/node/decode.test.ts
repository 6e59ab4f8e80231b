import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { decodeImage, UnreadableImageError } from './decode.js';

describe('decodeImage', () => {
  it('decodes a JPEG to RGB', () => {
    const rgba = Buffer.alloc(8 * 4 * 4, 200);
    const bytes = jpeg.encode({ data: rgba, width: 8, height: 4 }, 90).data;
    const img = decodeImage(new Uint8Array(bytes));
    expect([img.width, img.height, img.data.length]).toEqual([8, 4, 96]);
    expect(Math.abs(img.data[0]! - 200)).toBeLessThan(4);
  });

  it('decodes a PNG and composites transparency over white', () => {
    const png = new PNG({ width: 2, height: 1 });
    png.data.set([255, 0, 0, 255, 0, 0, 0, 0]);
    const img = decodeImage(new Uint8Array(PNG.sync.write(png)));
    expect(Array.from(img.data)).toEqual([255, 0, 0, 255, 255, 255]);
  });

  it('rejects bytes that are not an image, or a truncated one', () => {
    expect(() => decodeImage(new TextEncoder().encode('not an image'))).toThrow(
      UnreadableImageError,
    );
    const bytes = jpeg.encode(
      { data: Buffer.alloc(64 * 64 * 4, 90), width: 64, height: 64 },
      90,
    ).data;
    expect(() => decodeImage(new Uint8Array(bytes.subarray(0, 40)))).toThrow(UnreadableImageError);
  });

  it('refuses a header that declares too many pixels before decoding anything', () => {
    // A PNG signature and IHDR of 50 000 × 50 000 (10 GB of RGBA) and no pixel data.
    const png = Buffer.alloc(33);
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(png);
    png.writeUInt32BE(13, 8);
    png.write('IHDR', 12, 'latin1');
    png.writeUInt32BE(50_000, 16);
    png.writeUInt32BE(50_000, 20);
    png.set([8, 6], 24);
    expect(() => decodeImage(png)).toThrow(/too large: 50000 × 50000/);
    // A real JPEG whose frame header is rewritten to 9000 × 9000.
    const jpg = Buffer.from(
      jpeg.encode({ data: Buffer.alloc(8 * 8 * 4, 90), width: 8, height: 8 }, 90).data,
    );
    const sof = jpg.indexOf(Buffer.from([0xff, 0xc0]));
    jpg.writeUInt16BE(9000, sof + 5);
    jpg.writeUInt16BE(9000, sof + 7);
    expect(() => decodeImage(jpg)).toThrow(UnreadableImageError);
    expect(() => decodeImage(jpg)).toThrow(/too large/);
  });
});
