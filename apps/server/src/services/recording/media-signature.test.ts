import { describe, expect, it } from 'vitest';
import { jpegBytes, mp4Bytes, pngHeader, webmBytes } from '../../../test/helpers/media-bytes.js';
import { inspectSegment, inspectSnapshot } from './media-signature.js';

const html = Buffer.from('<html><script>window.__pwned = 1</script></html>');
const webp = Buffer.concat([
  Buffer.from('RIFF\0\0\0\0WEBPVP8 \x0a\0\0\0', 'latin1'),
  Buffer.from([0, 0, 0, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01]),
]);

describe('inspectSegment', () => {
  it('accepts WebM (EBML) for video/webm and audio/webm, MP4 (ftyp) for video/mp4', () => {
    expect(inspectSegment(webmBytes('a'), 'video/webm')).toEqual({ ok: true });
    expect(inspectSegment(webmBytes('a'), 'audio/webm')).toEqual({ ok: true });
    expect(inspectSegment(mp4Bytes('a'), 'video/mp4')).toEqual({ ok: true });
  });

  it('refuses bytes whose signature is not the declared type', () => {
    const mismatch = { ok: false, code: 'CONTENT_MISMATCH' };
    expect(inspectSegment(html, 'video/webm')).toEqual(mismatch);
    expect(inspectSegment(mp4Bytes('a'), 'video/webm')).toEqual(mismatch);
    expect(inspectSegment(webmBytes('a'), 'video/mp4')).toEqual(mismatch);
    expect(inspectSegment(jpegBytes('a'), 'video/webm')).toEqual(mismatch);
    expect(inspectSegment(Buffer.from([0x1a, 0x45, 0xdf]), 'video/webm')).toEqual(mismatch);
    expect(inspectSegment(webmBytes('a'), 'text/html')).toEqual(mismatch);
  });
});

describe('inspectSnapshot', () => {
  it('accepts a readable image of the declared type, with its size', () => {
    expect(inspectSnapshot(jpegBytes('a', 32, 24), 'image/jpeg')).toEqual({
      ok: true,
      image: { type: 'image/jpeg', width: 32, height: 24 },
    });
    expect(inspectSnapshot(pngHeader(640, 480), 'image/png')).toMatchObject({ ok: true });
  });

  it('refuses WebP even as declared: the server’s analysis cannot decode it', () => {
    expect(inspectSnapshot(webp, 'image/webp')).toEqual({ ok: false, code: 'CONTENT_MISMATCH' });
  });

  it('refuses HTML, a polyglot without a frame header, and a type other than declared', () => {
    const mismatch = { ok: false, code: 'CONTENT_MISMATCH' };
    expect(inspectSnapshot(html, 'image/jpeg')).toEqual(mismatch);
    const magicThenHtml = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff]), html]);
    expect(inspectSnapshot(magicThenHtml, 'image/jpeg')).toEqual(mismatch);
    expect(inspectSnapshot(jpegBytes('a'), 'image/png')).toEqual(mismatch);
    expect(inspectSnapshot(pngHeader(10, 10), 'image/jpeg')).toEqual(mismatch);
    expect(inspectSnapshot(webp, 'image/jpeg')).toEqual(mismatch);
  });

  it('refuses an image whose header declares too many pixels, before decoding', () => {
    expect(inspectSnapshot(pngHeader(50_000, 50_000), 'image/png')).toEqual({
      ok: false,
      code: 'IMAGE_TOO_LARGE',
      image: { type: 'image/png', width: 50_000, height: 50_000 },
    });
  });
});
