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
});
