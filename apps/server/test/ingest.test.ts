import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_SEGMENT_BYTES, MAX_SNAPSHOT_BYTES } from '@invigil/contracts';
import { mediaSegments, sessionEvents, snapshots } from '../src/db/schema.js';
import { RecordingService } from '../src/services/recording/recording.service.js';
import { LocalDiskBlobStore } from '../src/adapters/local-disk.blob-store.js';
import type { TestResponse } from './helpers/http-client.js';
import { expectError, expectValidationDetails } from './helpers/matrix-errors.js';
import { jpegBytes, pngHeader, webmBytes } from './helpers/media-bytes.js';
import {
  blobFiles,
  checkedIn,
  getRaw,
  putSegment,
  putSnapshot,
  recordingFixture,
  sha256,
  T0,
} from './helpers/recording.js';
import { engines, startTestServer, type TestServer } from './helpers/test-server.js';

describe.each(engines())('recording ingest on %s', (engine) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(engine);
  });
  afterAll(async () => server?.close());

  const db = () => server.instance.database.db;
  const segmentRows = (sessionId: string) =>
    db().select().from(mediaSegments).where(eq(mediaSegments.sessionId, sessionId));
  const snapshotRows = (sessionId: string) =>
    db().select().from(snapshots).where(eq(snapshots.sessionId, sessionId));

  it('stores a segment (201), serves the same bytes back, and acks a retry (200)', async () => {
    const { student, sessionId } = await checkedIn(server);
    const bytes = Buffer.from('\u001aE\u00df\u00a3 webm segment 0', 'latin1');
    const first = await putSegment(student, sessionId, 'webcam', 0, bytes);
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(first.body).toEqual({ stored: true, duplicate: false, sha256: sha256(bytes) });

    const back = await getRaw(student, `/api/sessions/${sessionId}/media/webcam/0`);
    expect(back.status).toBe(200);
    expect(sha256(back.bytes)).toBe(sha256(bytes));
    expect(back.headers.get('content-type')).toBe('video/webm');
    expect(back.headers.get('etag')).toBe(`"${sha256(bytes)}"`);
    expect(back.headers.get('cache-control')).toBe('private');

    const again = await putSegment(student, sessionId, 'webcam', 0, bytes);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ stored: true, duplicate: true, sha256: sha256(bytes) });
    expect(await segmentRows(sessionId)).toHaveLength(1);
    expect(await blobFiles(server, sessionId)).toHaveLength(1);
  });

  it('refuses different bytes for a stored seq (409 UPLOAD_CONFLICT) and keeps the first', async () => {
    const { student, sessionId } = await checkedIn(server);
    const a = webmBytes('version A');
    expect((await putSegment(student, sessionId, 'screen', 4, a)).status).toBe(201);
    const conflict = await putSegment(student, sessionId, 'screen', 4, webmBytes('version B'));
    expectError(conflict, 409, 'UPLOAD_CONFLICT');
    expect(conflict.body.details).toEqual({ storedSha256: sha256(a) });
    const back = await getRaw(student, `/api/sessions/${sessionId}/media/screen/4`);
    expect(back.bytes.equals(a)).toBe(true);
    expect(await blobFiles(server, sessionId)).toHaveLength(1);
  });

  it('accepts content-type parameters, keeps only allow-listed codecs, serves the bare type', async () => {
    const { student, sessionId } = await checkedIn(server);
    const bytes = webmBytes('with codecs');
    const res = await putSegment(student, sessionId, 'webcam', 0, bytes, {
      contentType: 'video/webm;codecs=vp8,opus',
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const odd = await putSegment(student, sessionId, 'webcam', 1, webmBytes('odd'), {
      contentType: 'Video/WebM; codecs="<b>"; name=x.html',
    });
    expect(odd.status, JSON.stringify(odd.body)).toBe(201);
    const png = pngHeader(4, 4);
    const snap = await putSnapshot(student, sessionId, 'id_face', 0, png, {
      contentType: 'IMAGE/PNG',
    });
    expect(snap.status, JSON.stringify(snap.body)).toBe(201);
    const rows = (await segmentRows(sessionId)).sort((a, b) => a.seq - b.seq);
    expect(rows.map((r) => [r.contentType, r.codecs])).toEqual([
      ['video/webm', 'vp8,opus'],
      ['video/webm', null],
    ]);
    expect((await snapshotRows(sessionId)).map((r) => r.contentType)).toEqual(['image/png']);
    const media = await getRaw(student, `/api/sessions/${sessionId}/media/webcam/0`);
    expect(media.headers.get('content-type')).toBe('video/webm');
    const image = await getRaw(student, `/api/sessions/${sessionId}/snapshots/id_face/0`);
    expect(image.status).toBe(200);
    expect(image.headers.get('content-type')).toBe('image/png');
    expect(image.bytes.equals(png)).toBe(true);
  });

  it('refuses a body that does not match x-sha256 (400 HASH_MISMATCH), storing nothing', async () => {
    const { student, sessionId } = await checkedIn(server);
    const res = await putSegment(student, sessionId, 'webcam', 0, Buffer.from('real'), {
      sha: sha256('something else'),
    });
    expectError(res, 400, 'HASH_MISMATCH');
    expect(res.body.details).toEqual({
      expected: sha256('something else'),
      actual: sha256('real'),
    });
    const snap = await putSnapshot(student, sessionId, 'webcam', 0, jpegBytes('hash'), {
      sha: 'A'.repeat(64),
    });
    expectError(snap, 400, 'HASH_MISMATCH');
    expect(await segmentRows(sessionId)).toEqual([]);
    expect(await snapshotRows(sessionId)).toEqual([]);
    expect(await blobFiles(server, sessionId)).toEqual([]);
  });

  it('refuses oversized bodies (413) and other content types (415), storing nothing', async () => {
    const { student, sessionId } = await checkedIn(server);
    const big = await putSnapshot(
      student,
      sessionId,
      'webcam',
      0,
      Buffer.alloc(MAX_SNAPSHOT_BYTES + 1),
    );
    expectError(big, 413, 'PAYLOAD_TOO_LARGE');
    const huge = await putSegment(
      student,
      sessionId,
      'webcam',
      0,
      Buffer.alloc(MAX_SEGMENT_BYTES + 1),
    );
    expectError(huge, 413, 'PAYLOAD_TOO_LARGE');
    // A real JPEG padded after its end to exactly the limit.
    const jpeg = jpegBytes('at the limit');
    const padded = Buffer.concat([jpeg, Buffer.alloc(MAX_SNAPSHOT_BYTES - jpeg.length, 7)]);
    const atLimit = await putSnapshot(student, sessionId, 'webcam', 1, padded);
    expect(atLimit.status, JSON.stringify(atLimit.body)).toBe(201);

    const bytes = Buffer.from('{"not":"media"}');
    for (const [put, type] of [
      [putSegment, 'application/json'],
      [putSegment, 'text/plain'],
      [putSegment, 'image/png'],
      [putSegment, 'video/webmx'],
      [putSegment, 'multipart/form-data; boundary=x'],
      [putSnapshot, 'video/webm'],
      [putSnapshot, 'image/gif'],
      [putSnapshot, null],
    ] as const) {
      const res = await put(student, sessionId, 'webcam', 2, bytes, { contentType: type });
      expectError(res, 415, 'UNSUPPORTED_MEDIA_TYPE');
    }
    expect(await segmentRows(sessionId)).toEqual([]);
    // Only the snapshot at the limit was stored.
    expect(await blobFiles(server, sessionId)).toHaveLength(1);
    expect(await snapshotRows(sessionId)).toHaveLength(1);
  });

  it('refuses missing or garbled headers and parameters (400 VALIDATION_FAILED)', async () => {
    const { student, sessionId } = await checkedIn(server);
    const bytes = Buffer.from('segment');
    const seg = (
      opts: Parameters<typeof putSegment>[5],
      track = 'webcam',
      seq: number | string = 0,
    ) => putSegment(student, sessionId, track, seq as number, bytes, opts);
    const cases: [string, Promise<TestResponse>, string][] = [
      ['no x-sha256', seg({ sha: null }), 'x-sha256'],
      ['x-sha256 not hex', seg({ sha: 'z'.repeat(64) }), 'x-sha256'],
      ['x-sha256 too short', seg({ sha: 'ab'.repeat(16) }), 'x-sha256'],
      ['no x-start-ms', seg({ headers: { 'x-start-ms': null } }), 'x-start-ms'],
      ['x-start-ms not a number', seg({ headers: { 'x-start-ms': 'soon' } }), 'x-start-ms'],
      ['x-start-ms negative', seg({ headers: { 'x-start-ms': '-5' } }), 'x-start-ms'],
      ['x-start-ms fractional', seg({ headers: { 'x-start-ms': '1.5' } }), 'x-start-ms'],
      ['x-start-ms in 1990', seg({ startMs: Date.UTC(1990, 0, 1) }), 'x-start-ms'],
      ['x-end-ms before start', seg({ endMs: T0 - 1 }), 'x-end-ms'],
      ['x-end-ms an hour later', seg({ startMs: T0, endMs: T0 + 3_600_000 }), 'x-end-ms'],
      ['x-end-ms huge', seg({ headers: { 'x-end-ms': '9'.repeat(40) } }), 'x-end-ms'],
      ['unknown track', seg({}, 'microphone'), 'params.track'],
      ['negative seq', seg({}, 'webcam', -1), 'params.seq'],
      ['seq too large', seg({}, 'webcam', 1_000_001), 'params.seq'],
      ['seq not a number', seg({}, 'webcam', 'x'), 'params.seq'],
      [
        'snapshot without x-taken-ms',
        putSnapshot(student, sessionId, 'webcam', 0, bytes, { headers: { 'x-taken-ms': null } }),
        'x-taken-ms',
      ],
      ['unknown snapshot kind', putSnapshot(student, sessionId, 'selfie', 0, bytes), 'params.kind'],
      ['empty body', putSegment(student, sessionId, 'webcam', 0, Buffer.alloc(0)), ''],
    ];
    for (const [name, call, path] of cases) {
      const res = await call;
      const details = expectValidationDetails(res);
      if (path) expect(JSON.stringify(details), name).toContain(path);
    }
    expect(await segmentRows(sessionId)).toEqual([]);
    expect(await blobFiles(server, sessionId)).toEqual([]);
  });

  it('lets only the session’s own student upload: another student 404, staff and tokens 403', async () => {
    const { student, proctor, admin, sessionId } = await checkedIn(server);
    const other = await server.signedIn('student');
    const bytes = Buffer.from('x');
    expectError(await putSegment(other, sessionId, 'webcam', 0, bytes), 404, 'NOT_FOUND');
    expectError(await putSnapshot(other, sessionId, 'webcam', 0, bytes), 404, 'NOT_FOUND');
    expectError(
      await putSegment(student, crypto.randomUUID(), 'webcam', 0, bytes),
      404,
      'NOT_FOUND',
    );
    expectError(await putSegment(proctor, sessionId, 'webcam', 0, bytes), 403, 'FORBIDDEN');
    expectError(await putSnapshot(admin, sessionId, 'webcam', 0, bytes), 403, 'FORBIDDEN');
    const token = await admin.post('/api/tokens', { name: 't', scopes: ['sessions:write'] });
    const viaToken = Object.assign(server.anonymous(), { bearer: token.body.token as string });
    expectError(await putSegment(viaToken, sessionId, 'webcam', 0, bytes), 403, 'FORBIDDEN');
    const noCsrf = Object.assign(server.anonymous(), { cookie: student.cookie });
    expectError(await putSegment(noCsrf, sessionId, 'webcam', 0, bytes), 403, 'CSRF_FAILED');
    expectError(await putSegment(server.anonymous(), sessionId, 'webcam', 0, bytes), 401);
    expect(await segmentRows(sessionId)).toEqual([]);
    expect(await blobFiles(server, sessionId)).toEqual([]);
  });

  it('accepts uploads from check-in (409 SESSION_NOT_RECORDING before) until the grace period after the end, review or not', async () => {
    const f = await recordingFixture(server);
    const bytes = webmBytes('early');
    const early = await putSegment(f.student, f.sessionId, 'webcam', 0, bytes);
    expectError(early, 409, 'SESSION_NOT_RECORDING');
    expect(early.body.details).toEqual({ state: 'registered' });
    expectError(
      await f.student.post(`/api/sessions/${f.sessionId}/events`, {
        events: [{ seq: 0, type: 'page.load', at: T0 }],
      }),
      409,
      'SESSION_NOT_RECORDING',
    );

    expect((await f.move(f.student, 'checking_in')).status).toBe(200);
    expect((await putSegment(f.student, f.sessionId, 'room_scan', 0, bytes)).status).toBe(201);
    expect((await f.move(f.proctor, 'terminated')).status).toBe(200);
    // A backlog still arrives after the session ended.
    expect((await putSegment(f.student, f.sessionId, 'webcam', 0, bytes)).status).toBe(201);
    expect((await f.move(f.proctor, 'under_review')).status).toBe(200);
    // Starting the review does not cut the backlog off…
    expect((await putSegment(f.student, f.sessionId, 'webcam', 1, bytes)).status).toBe(201);
    const verdict = await f.proctor.post(`/api/sessions/${f.sessionId}/verdict`, {
      verdict: 'clean',
      reason: 'Nothing to see',
    });
    expect(verdict.status, JSON.stringify(verdict.body)).toBe(200);
    // …nor does the verdict: uploads close with the grace period after the end.
    expect((await putSnapshot(f.student, f.sessionId, 'webcam', 0, jpegBytes('late'))).status).toBe(
      201,
    );
    expect(
      (
        await f.student.post(`/api/sessions/${f.sessionId}/events`, {
          events: [{ seq: 0, type: 'page.visible', at: T0 }],
        })
      ).status,
    ).toBe(200);

    server.clock.advance(16 * 60_000);
    expectError(
      await putSegment(f.student, f.sessionId, 'webcam', 2, bytes),
      409,
      'SESSION_CLOSED',
    );
    expectError(
      await putSnapshot(f.student, f.sessionId, 'webcam', 1, jpegBytes('too late')),
      409,
      'SESSION_CLOSED',
    );
    // A retry of what is already stored is still acknowledged, so the browser can let go of it.
    expect((await putSegment(f.student, f.sessionId, 'webcam', 0, bytes)).status).toBe(200);
    expect((await segmentRows(f.sessionId)).map((r) => `${r.track}/${r.seq}`).sort()).toEqual([
      'room_scan/0',
      'webcam/0',
      'webcam/1',
    ]);
    expect(await blobFiles(server, f.sessionId)).toHaveLength(4);
  });

  it('stores concurrent identical uploads once, never a 500', async () => {
    const { student, sessionId } = await checkedIn(server);
    const bytes = Buffer.concat([webmBytes('concurrent'), Buffer.alloc(256 * 1024, 3)]);
    const results = await Promise.all(
      Array.from({ length: 8 }, () => putSegment(student, sessionId, 'webcam', 7, bytes)),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 200)).toHaveLength(7);
    expect(await segmentRows(sessionId)).toHaveLength(1);
    expect(await blobFiles(server, sessionId)).toHaveLength(1);

    const racing = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        putSnapshot(student, sessionId, 'screen', 0, jpegBytes(`variant ${i % 2}`)),
      ),
    );
    const codes = racing.map((r) => r.status);
    expect(
      codes.every((s) => [200, 201, 409].includes(s)),
      JSON.stringify(codes),
    ).toBe(true);
    expect(codes.filter((s) => s === 201)).toHaveLength(1);
    expect(await snapshotRows(sessionId)).toHaveLength(1);
    expect(await blobFiles(server, sessionId)).toHaveLength(2);
  });

  it('removes the stored blob when the row cannot be inserted', async () => {
    const { student, sessionId } = await checkedIn(server);
    const blobs = await LocalDiskBlobStore.open(server.instance.config.blobDir);
    const service = new RecordingService(db(), server.clock, blobs);
    // Valid bytes, so that it is the database, not the content check, that refuses.
    const bytes = webmBytes('doomed');
    // Bypassing the HTTP checks, end before start violates a database constraint.
    await expect(
      service.storeSegment(
        { userId: student.userId, email: student.email, role: 'student', via: 'cookie' },
        {
          sessionId,
          track: 'webcam',
          seq: 0,
          startMs: T0,
          endMs: T0 - 1,
          sha256: sha256(bytes),
          contentType: 'video/webm',
          bytes,
        },
      ),
    ).rejects.toThrow();
    expect(await segmentRows(sessionId)).toEqual([]);
    expect(await blobFiles(server, sessionId)).toEqual([]);
  });

  it('stores event batches idempotently: duplicates reported, first write wins, ordered by seq', async () => {
    const { student, proctor, sessionId } = await checkedIn(server);
    const path = `/api/sessions/${sessionId}/events`;
    const ev = (seq: number, type: string, data: Record<string, unknown> = {}) => ({
      seq,
      type,
      at: T0 + seq * 1000,
      data,
    });
    const first = await student.post(path, {
      events: [ev(3, 'window.blur'), ev(1, 'page.load'), ev(2, 'page.hidden', { n: 1 })],
    });
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body).toEqual({ accepted: [1, 2, 3], duplicates: [] });

    const retry = await student.post(path, {
      events: [ev(2, 'page.hidden', { n: 2 }), ev(4, 'window.focus'), ev(4, 'window.focus')],
    });
    expect(retry.body).toEqual({ accepted: [4], duplicates: [2, 4] });
    const noData = await student.post(path, { events: [{ seq: 5, type: 'page.visible', at: T0 }] });
    expect(noData.body).toEqual({ accepted: [5], duplicates: [] });

    const list = await proctor.get(path);
    expect(list.status).toBe(200);
    expect(list.body.map((e: any) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(list.body[1]).toMatchObject({
      source: 'client',
      seq: 2,
      type: 'page.hidden',
      clientMs: T0 + 2000,
      data: { n: 1 },
    });
    expect(list.body[4].data).toEqual({});
    const rows = await db()
      .select()
      .from(sessionEvents)
      .where(eq(sessionEvents.sessionId, sessionId));
    expect(rows).toHaveLength(5);

    expectError(await proctor.post(path, { events: [ev(9, 'page.load')] }), 403, 'FORBIDDEN');
    const other = await server.signedIn('student');
    expectError(await other.post(path, { events: [ev(9, 'page.load')] }), 404, 'NOT_FOUND');
    expectError(await other.get(path), 404, 'NOT_FOUND');
    for (const bad of [
      { events: [] },
      { events: [{ seq: 1, type: 'teleported', at: T0 }] },
      { events: [{ seq: -1, type: 'page.load', at: T0 }] },
      { events: [{ seq: 1, type: 'page.load', at: T0, data: { nested: { x: 1 } } }] },
      { events: Array.from({ length: 501 }, (_, i) => ev(i, 'page.load')) },
    ]) {
      expectValidationDetails(await student.post(path, bad));
    }
  });
});
