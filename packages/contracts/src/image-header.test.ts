import { describe, expect, it } from 'vitest';
import {
  imageSizeAllowed,
  MAX_IMAGE_PIXELS,
  MAX_IMAGE_SIDE,
  readImageHeader,
} from './image-header.js';

const bytes = (...parts: (number[] | string)[]) =>
  new Uint8Array(
    parts.flatMap((p) => (typeof p === 'string' ? [...p].map((c) => c.charCodeAt(0)) : p)),
  );
const u16 = (n: number) => [n >> 8, n & 0xff];
const u32 = (n: number) => [...u16(Math.floor(n / 65536)), ...u16(n & 0xffff)];

/** A 3×2 baseline JPEG as jpeg-js writes it (APP0, DQT, SOF0, DHT, SOS, EOI). */
const REAL_JPEG = Uint8Array.from(
  atob(
    '/9j/4AAQSkZJRgABAQAAAQABAAD/2wCEABALDA4MChAODQ4SERATGCgaGBYWGDEjJR0oOjM9PDkzODdASFxOQERXRT' +
      'c4UG1RV19iZ2hnPk1xeXBkeFxlZ2MBERISGBUYLxoaL2NCOEJjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2Nj' +
      'Y2NjY2NjY2NjY2NjY2NjY2NjY//AABEIAAIAAwMBEQACEQEDEQH/xAGiAAABBQEBAQEBAQAAAAAAAAAAAQIDBAUGBw' +
      'gJCgsQAAIBAwMCBAMFBQQEAAABfQECAwAEEQUSITFBBhNRYQcicRQygZGhCCNCscEVUtHwJDNicoIJChYXGBkaJSYn' +
      'KCkqNDU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6g4SFhoeIiYqSk5SVlpeYmZqio6Slpqeoqa' +
      'qys7S1tre4ubrCw8TFxsfIycrS09TV1tfY2drh4uPk5ebn6Onq8fLz9PX29/j5+gEAAwEBAQEBAQEBAQAAAAAAAAEC' +
      'AwQFBgcICQoLEQACAQIEBAMEBwUEBAABAncAAQIDEQQFITEGEkFRB2FxEyIygQgUQpGhscEJIzNS8BVictEKFiQ04S' +
      'XxFxgZGiYnKCkqNTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqCg4SFhoeIiYqSk5SVlpeYmZqi' +
      'o6Slpqeoqaqys7S1tre4ubrCw8TFxsfIycrS09TV1tfY2dri4+Tl5ufo6ery8/T19vf4+fr/2gAMAwEAAhEDEQA/AC' +
      'gD/9k=',
  ),
  (c) => c.charCodeAt(0),
);

/** A JPEG with APP segments, fill bytes and a restart marker before a progressive frame. */
function jpeg(width: number, height: number, sof = 0xc2): Uint8Array {
  return bytes(
    [0xff, 0xd8],
    [0xff, 0xe0, ...u16(6), 1, 2, 3, 4],
    [0xff, 0xff, 0xff, 0xe1, ...u16(2)],
    [0xff, 0xd0],
    [0xff, sof, ...u16(17), 8, ...u16(height), ...u16(width), 3],
  );
}

function png(width: number, height: number): Uint8Array {
  return bytes(
    [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
    u32(13),
    'IHDR',
    u32(width),
    u32(height),
    [8, 6, 0, 0, 0],
  );
}

const riff = (chunk: string, payload: number[]) =>
  bytes('RIFF', [0, 0, 0, 0], 'WEBP', chunk, [payload.length, 0, 0, 0], payload);

describe('readImageHeader', () => {
  it('reads a real JPEG and a progressive one behind APP segments, fill bytes and RST', () => {
    expect(readImageHeader(REAL_JPEG)).toEqual({ type: 'image/jpeg', width: 3, height: 2 });
    expect(readImageHeader(jpeg(640, 480))).toEqual({
      type: 'image/jpeg',
      width: 640,
      height: 480,
    });
    expect(readImageHeader(jpeg(50_000, 50_000, 0xc0))).toMatchObject({ width: 50_000 });
  });

  it('reads PNG IHDR', () => {
    expect(readImageHeader(png(1280, 720))).toEqual({
      type: 'image/png',
      width: 1280,
      height: 720,
    });
    expect(readImageHeader(png(50_000, 50_000))).toMatchObject({ width: 50_000, height: 50_000 });
  });

  it('does not read WebP, which the server’s analysis cannot decode', () => {
    const vp8 = riff('VP8 ', [0, 0, 0, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01]);
    expect(readImageHeader(vp8)).toBeUndefined();
    // The header of a real extended WebP (16×16 with alpha).
    const vp8x = Uint8Array.from(
      '52494646a801000057454250565038580a000000100000000f00000f0000'.match(/../g)!,
      (h) => parseInt(h, 16),
    );
    expect(readImageHeader(vp8x)).toBeUndefined();
  });

  it('is undefined for unknown signatures, truncated or malformed headers and zero sides', () => {
    const cases: [string, Uint8Array][] = [
      ['html', bytes('<html><script>alert(1)</script></html>')],
      ['html after JPEG magic', bytes([0xff, 0xd8, 0xff], '<html><script>alert(1)</script>')],
      ['empty', new Uint8Array()],
      ['JPEG without a frame', bytes([0xff, 0xd8, 0xff, 0xda, 0, 2, 0xff, 0xd9])],
      ['JPEG cut in the frame header', jpeg(640, 480).subarray(0, 20)],
      ['JPEG with a bad length', bytes([0xff, 0xd8, 0xff, 0xe0, 0, 1, 0, 0])],
      ['JPEG of zero height', jpeg(640, 0)],
      [
        'PNG without IHDR',
        bytes([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], u32(13), 'IDAT', u32(1), u32(1)),
      ],
      ['PNG cut short', png(10, 10).subarray(0, 20)],
      ['PNG of zero width', png(0, 10)],
      ['WebP of another chunk', riff('ALPH', [0, 0, 0, 0, 0, 0, 0, 0, 0, 0])],
      ['WebP VP8 without start code', riff('VP8 ', [0, 0, 0, 1, 2, 3, 0x80, 0x02, 0xe0, 0x01])],
      ['RIFF that is not WebP', bytes('RIFF', [0, 0, 0, 0], 'WAVE', 'fmt ')],
    ];
    for (const [name, b] of cases) expect(readImageHeader(b), name).toBeUndefined();
  });
});

describe('imageSizeAllowed', () => {
  it('allows up to the side and pixel caps', () => {
    expect(imageSizeAllowed({ width: 640, height: 480 })).toBe(true);
    expect(imageSizeAllowed({ width: 4096, height: 4096 })).toBe(true);
    expect(imageSizeAllowed({ width: MAX_IMAGE_SIDE, height: 100 })).toBe(true);
    expect(imageSizeAllowed({ width: MAX_IMAGE_SIDE + 1, height: 1 })).toBe(false);
    expect(imageSizeAllowed({ width: 8000, height: 8000 })).toBe(false);
    expect(8000 * 8000).toBeGreaterThan(MAX_IMAGE_PIXELS);
    expect(imageSizeAllowed({ width: 50_000, height: 50_000 })).toBe(false);
  });
});
