import { describe, expect, it } from 'vitest';
import { expectError } from './helpers/matrix-errors.js';
import { jpegBytes, pngHeader, webmBytes } from './helpers/media-bytes.js';
import {
  blobFiles,
  checkedIn,
  getRaw,
  putSegment,
  putSnapshot,
  sha256,
} from './helpers/recording.js';
import { MIN, useTamperedUploadsServer } from './helpers/tampered-uploads-fixture.js';
import { requestEngines } from './helpers/test-server.js';

const HTML = '<html><body><script>window.__pwned = 1</script></body></html>';

/** The headers every stored-blob response carries, whatever the student uploaded. */
function expectFixedHeaders(headers: Headers, type: string, what: string): void {
  expect(headers.get('content-type'), what).toBe(type);
  expect(headers.get('x-content-type-options'), what).toBe('nosniff');
  expect(headers.get('content-security-policy'), what).toBe("default-src 'none'; sandbox");
  expect(headers.get('cross-origin-resource-policy'), what).toBe('same-origin');
  expect(headers.get('content-disposition'), what).toMatch(
    /^inline; filename="(segment\.webm|snapshot\.(jpg|png))"$/,
  );
}

/**
 * What a tampered browser can upload as recording content, and what the server makes of it:
 * only allow-listed types are stored and served (with headers that keep a staff member's
 * browser from running anything), bytes must be what they claim, and images are sized from
 * their header before anything decodes them. Refusals for content are recorded as evidence.
 */
describe.each(requestEngines())('tampered uploads on %s', (engine) => {
  const uploads = useTamperedUploadsServer(engine);
  const { segmentRows, snapshotRows, refusals } = uploads;

  it('keeps only the allow-listed type: smuggled parameters are dropped, never served', async () => {
    const f = await checkedIn(uploads.server);
    const image = jpegBytes('smuggled parameters');
    const snap = await putSnapshot(f.student, f.sessionId, 'webcam', 0, image, {
      contentType: 'image/jpeg;x=,text/html',
    });
    expect(snap.status, JSON.stringify(snap.body)).toBe(201);
    const segment = webmBytes('smuggled parameters');
    const seg = await putSegment(f.student, f.sessionId, 'webcam', 0, segment, {
      contentType: 'video/webm;codecs=vp8,opus;x=,text/html',
    });
    expect(seg.status, JSON.stringify(seg.body)).toBe(201);
    expect((await snapshotRows(f.sessionId)).map((r) => r.contentType)).toEqual(['image/jpeg']);
    expect((await segmentRows(f.sessionId)).map((r) => [r.contentType, r.codecs])).toEqual([
      ['video/webm', 'vp8,opus'],
    ]);
    const served = await getRaw(f.proctor, `/api/sessions/${f.sessionId}/snapshots/webcam/0`);
    expect(served.status).toBe(200);
    expectFixedHeaders(served.headers, 'image/jpeg', 'snapshot');
    expect(served.bytes.equals(image)).toBe(true);
    const media = await getRaw(f.proctor, `/api/sessions/${f.sessionId}/media/webcam/0`);
    expectFixedHeaders(media.headers, 'video/webm', 'segment');
    // A type off the list is still refused outright.
    expectError(
      await putSnapshot(f.student, f.sessionId, 'webcam', 1, image, { contentType: 'text/html' }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    );
  });

  it('refuses bytes that are not what they claim (415 CONTENT_MISMATCH), storing nothing', async () => {
    const f = await checkedIn(uploads.server);
    const html = Buffer.from(HTML);
    const fakeJpeg = await putSnapshot(f.student, f.sessionId, 'webcam', 0, html);
    expectError(fakeJpeg, 415, 'CONTENT_MISMATCH');
    // JPEG magic in front of HTML is still no JPEG: there is no frame header to read.
    const magic = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff]), html]);
    expectError(
      await putSnapshot(f.student, f.sessionId, 'webcam', 1, magic),
      415,
      'CONTENT_MISMATCH',
    );
    // A real PNG declared as JPEG.
    expectError(
      await putSnapshot(f.student, f.sessionId, 'id_face', 0, pngHeader(64, 64)),
      415,
      'CONTENT_MISMATCH',
    );
    expectError(
      await putSegment(f.student, f.sessionId, 'webcam', 0, html),
      415,
      'CONTENT_MISMATCH',
    );
    expectError(
      await putSegment(f.student, f.sessionId, 'screen', 0, jpegBytes('not video')),
      415,
      'CONTENT_MISMATCH',
    );
    expect(await snapshotRows(f.sessionId)).toEqual([]);
    expect(await segmentRows(f.sessionId)).toEqual([]);
    expect(await blobFiles(uploads.server, f.sessionId)).toEqual([]);

    // Each refusal is evidence: one event per code and track or kind per minute, no bytes.
    const events = await refusals(f.sessionId);
    expect(events).toHaveLength(4);
    expect(events.every((e) => e.source === 'server')).toBe(true);
    expect(events.map((e) => e.data)).toEqual(
      expect.arrayContaining([
        {
          target: 'snapshot',
          kind: 'webcam',
          seq: 0,
          code: 'CONTENT_MISMATCH',
          sizeBytes: html.length,
          declaredType: 'image/jpeg',
        },
        {
          target: 'media',
          track: 'webcam',
          seq: 0,
          code: 'CONTENT_MISMATCH',
          sizeBytes: html.length,
          declaredType: 'video/webm',
        },
        expect.objectContaining({ target: 'snapshot', kind: 'id_face' }),
        expect.objectContaining({ target: 'media', track: 'screen' }),
      ]),
    );
    uploads.server.clock.advance(MIN + 1000);
    expectError(
      await putSnapshot(f.student, f.sessionId, 'webcam', 2, html),
      415,
      'CONTENT_MISMATCH',
    );
    expect(await refusals(f.sessionId)).toHaveLength(5);
  });

  it('sizes images from their header: 50 000 × 50 000 is 413 IMAGE_TOO_LARGE, stored nowhere', async () => {
    const f = await checkedIn(uploads.server);
    const bomb = pngHeader(50_000, 50_000);
    const res = await putSnapshot(f.student, f.sessionId, 'webcam', 0, bomb, {
      contentType: 'image/png',
    });
    expectError(res, 413, 'IMAGE_TOO_LARGE');
    expect(res.body.details).toEqual({ width: 50_000, height: 50_000 });
    const wide = await putSnapshot(f.student, f.sessionId, 'screen', 0, jpegBytes('wide', 9000, 1));
    expectError(wide, 413, 'IMAGE_TOO_LARGE');
    expect(await snapshotRows(f.sessionId)).toEqual([]);
    expect(await blobFiles(uploads.server, f.sessionId)).toEqual([]);
    expect((await refusals(f.sessionId)).map((e) => e.data)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          code: 'IMAGE_TOO_LARGE',
          kind: 'webcam',
          declaredType: 'image/png',
        }),
      ]),
    );
  });

  it('serves every blob with the fixed headers on 200, 206 and 304', async () => {
    const f = await checkedIn(uploads.server);
    const segment = Buffer.concat([webmBytes('headers'), Buffer.alloc(100, 1)]);
    const image = jpegBytes('headers');
    expect((await putSegment(f.student, f.sessionId, 'webcam', 0, segment)).status).toBe(201);
    expect((await putSnapshot(f.student, f.sessionId, 'webcam', 0, image)).status).toBe(201);
    for (const [path, type, bytes] of [
      [`/api/sessions/${f.sessionId}/media/webcam/0`, 'video/webm', segment],
      [`/api/sessions/${f.sessionId}/snapshots/webcam/0`, 'image/jpeg', image],
    ] as const) {
      for (const reader of [f.student, f.proctor]) {
        const whole = await getRaw(reader, path);
        expect(whole.status).toBe(200);
        expectFixedHeaders(whole.headers, type, `200 ${path}`);
        const part = await getRaw(reader, path, { range: 'bytes=0-9' });
        expect(part.status).toBe(206);
        expectFixedHeaders(part.headers, type, `206 ${path}`);
        const cached = await getRaw(reader, path, { 'if-none-match': `"${sha256(bytes)}"` });
        expect(cached.status).toBe(304);
        expectFixedHeaders(cached.headers, type, `304 ${path}`);
      }
    }
  });
});
