import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkEndedRecordings,
  RECORDING_CHECK_GRACE_MS,
} from '../src/services/recording/recording-check.js';
import { recordRecordingGaps } from '../src/services/recording/recording-manifest.js';
import { completeCheckIn } from './helpers/check-in.js';
import { expectError, expectValidationDetails } from './helpers/matrix-errors.js';
import { jpegBytes, webmBytes } from './helpers/media-bytes.js';
import { checkedIn, getRaw, putSegment, putSnapshot, sha256, T0 } from './helpers/recording.js';
import { engines, startTestServer, type TestServer } from './helpers/test-server.js';

describe.each(engines())('recording manifest and playback on %s', (engine) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(engine);
  });
  afterAll(async () => server?.close());

  const bytesOf = (label: string) => webmBytes(`segment ${label} `.repeat(10));

  it('reports missing sequence numbers as gaps until they arrive', async () => {
    const { student, proctor, sessionId } = await checkedIn(server);
    for (const seq of [0, 1, 3]) {
      expect((await putSegment(student, sessionId, 'webcam', seq, bytesOf(`w${seq}`))).status).toBe(
        201,
      );
    }
    await putSegment(student, sessionId, 'screen', 0, bytesOf('s0'));
    await putSnapshot(student, sessionId, 'webcam', 0, jpegBytes('jpeg'));
    const url = `/api/sessions/${sessionId}/recording`;
    const res = await proctor.get(url);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const m = res.body;
    // The student's own manifest lists what is stored, without the server's verdict on it.
    const own = await student.get(url);
    expect(own.status).toBe(200);
    expect(own.body).toEqual({ ...m, gaps: undefined, complete: undefined });
    expect(m.sessionId).toBe(sessionId);
    expect(m.startedAtMs).toBeNull();
    expect(m.segments.map((s: any) => `${s.track}/${s.seq}`)).toEqual([
      'screen/0',
      'webcam/0',
      'webcam/1',
      'webcam/3',
    ]);
    expect(m.segments[1]).toMatchObject({
      startMs: T0,
      endMs: T0 + 6000,
      sizeBytes: bytesOf('w0').length,
      sha256: sha256(bytesOf('w0')),
      contentType: 'video/webm',
    });
    expect(m.snapshots).toHaveLength(1);
    expect(m.gaps).toEqual([
      { track: 'webcam', afterSeq: 1, missingSeqs: [2], fromMs: T0 + 12_000, toMs: T0 + 18_000 },
    ]);
    expect(m.complete).toBe(false);
    const expectedBytes =
      [0, 1, 3].reduce((n, s) => n + bytesOf(`w${s}`).length, 0) +
      bytesOf('s0').length +
      jpegBytes('jpeg').length;
    expect(m.totalBytes).toBe(expectedBytes);

    await putSegment(student, sessionId, 'webcam', 2, bytesOf('w2'));
    const filled = (await proctor.get(url)).body;
    expect(filled.gaps).toEqual([]);
    expect(filled.complete).toBe(true);
  });

  it('reports a pause over 2 s between segments and a recording that stopped early', async () => {
    const f = await checkedIn(server);
    const t = server.clock.now().getTime() - 60_000;
    await putSegment(f.student, f.sessionId, 'webcam', 0, bytesOf('a'), { startMs: t });
    await putSegment(f.student, f.sessionId, 'webcam', 1, bytesOf('b'), { startMs: t + 9000 });
    const m = (await f.proctor.get(`/api/sessions/${f.sessionId}/recording`)).body;
    expect(m.gaps).toEqual([
      { track: 'webcam', afterSeq: 0, missingSeqs: [], fromMs: t + 6000, toMs: t + 9000 },
    ]);
    // Ended now, 45 s after the last segment ended: the recording stopped early.
    expect((await f.move(f.proctor, 'terminated')).status).toBe(200);
    const ended = (await f.proctor.get(`/api/sessions/${f.sessionId}/recording`)).body;
    expect(ended.gaps).toHaveLength(2);
    expect(ended.gaps[1]).toMatchObject({ track: 'webcam', afterSeq: 1, fromMs: t + 15_000 });
    expect(ended.gaps[1].toMs).toBeGreaterThanOrEqual(t + 60_000);
  });

  it('filters segments, snapshots and gaps by a client-time range', async () => {
    const { student, proctor, sessionId } = await checkedIn(server);
    for (const seq of [0, 1, 2, 4, 5])
      await putSegment(student, sessionId, 'webcam', seq, bytesOf(`${seq}`));
    for (const seq of [0, 1, 2, 3])
      await putSnapshot(student, sessionId, 'screen', seq, jpegBytes(`s${seq}`));
    const url = (q: string) => `/api/sessions/${sessionId}/recording?${q}`;
    const mid = (await proctor.get(url(`fromMs=${T0 + 7000}&toMs=${T0 + 20_000}`))).body;
    expect(mid.segments.map((s: any) => s.seq)).toEqual([1, 2]);
    expect(mid.snapshots.map((s: any) => s.seq)).toEqual([1, 2]);
    // The hole where seq 3 belongs (18–24 s) overlaps the range's end.
    expect(mid.gaps.map((g: any) => g.missingSeqs)).toEqual([[3]]);
    expect(mid.complete).toBe(false);
    expect((await proctor.get(url(`fromMs=${T0}&toMs=${T0 + 17_000}`))).body.gaps).toEqual([]);
    expect(mid.totalBytes).toBe(
      bytesOf('1').length + bytesOf('2').length + jpegBytes('s1').length + jpegBytes('s2').length,
    );
    const late = (await proctor.get(url(`fromMs=${T0 + 20_000}`))).body;
    expect(late.segments.map((s: any) => s.seq)).toEqual([4, 5]);
    expect(late.gaps.map((g: any) => g.missingSeqs)).toEqual([[3]]);
    expect((await student.get(url(`toMs=${T0 - 1}`))).body.segments).toEqual([]);
    for (const q of [
      `fromMs=${T0 + 10}&toMs=${T0}`,
      'fromMs=abc',
      'fromMs=-1',
      'toMs=1.5',
      'unknown=1',
    ]) {
      expectValidationDetails(await student.get(url(q)));
    }
  });

  it('lets the student, assigned staff and admins read; others get 404; tokens need sessions:read', async () => {
    const f = await checkedIn(server);
    await putSegment(f.student, f.sessionId, 'webcam', 0, bytesOf('x'));
    await putSnapshot(f.student, f.sessionId, 'id_face', 0, jpegBytes('face'));
    await f.student.post(`/api/sessions/${f.sessionId}/events`, {
      events: [{ seq: 0, type: 'page.load', at: T0 }],
    });
    const paths = [
      `/api/sessions/${f.sessionId}/recording`,
      `/api/sessions/${f.sessionId}/events`,
      `/api/sessions/${f.sessionId}/media/webcam/0`,
      `/api/sessions/${f.sessionId}/snapshots/id_face/0`,
    ];
    const otherProctor = await server.signedIn('proctor');
    const otherStudent = await server.signedIn('student');
    const readToken = await f.admin.post('/api/tokens', { name: 'r', scopes: ['sessions:read'] });
    const examToken = await f.admin.post('/api/tokens', { name: 'e', scopes: ['exams:read'] });
    const bearer = (t: string) => Object.assign(server.anonymous(), { bearer: t });
    for (const path of paths) {
      for (const c of [f.student, f.proctor, f.instructor, f.admin, bearer(readToken.body.token)]) {
        const res = await getRaw(c, path);
        expect(res.status, path).toBe(200);
      }
      expect((await getRaw(otherProctor, path)).json?.code, path).toBe('NOT_FOUND');
      expect((await getRaw(otherStudent, path)).json?.code, path).toBe('NOT_FOUND');
      expect((await getRaw(bearer(examToken.body.token), path)).json?.code).toBe(
        'INSUFFICIENT_SCOPE',
      );
      expect((await getRaw(server.anonymous(), path)).status).toBe(401);
    }
    expectError(
      await f.student.get(`/api/sessions/${f.sessionId}/media/webcam/1`),
      404,
      'NOT_FOUND',
    );
    expectError(
      await f.student.get(`/api/sessions/${f.sessionId}/snapshots/webcam/0`),
      404,
      'NOT_FOUND',
    );
  });

  it('audits staff views of a recording, but not the student’s own', async () => {
    const f = await checkedIn(server);
    await putSegment(f.student, f.sessionId, 'webcam', 0, bytesOf('x'));
    const views = async () =>
      (await f.admin.get(`/api/audit?examId=${f.examId}&limit=100`)).body.filter(
        (e: any) => e.action === 'recording.view',
      );
    await f.student.get(`/api/sessions/${f.sessionId}/recording`);
    await getRaw(f.student, `/api/sessions/${f.sessionId}/media/webcam/0`);
    expect(await views()).toEqual([]);

    await getRaw(f.proctor, `/api/sessions/${f.sessionId}/media/webcam/0`);
    await getRaw(f.proctor, `/api/sessions/${f.sessionId}/media/webcam/0`);
    const afterMedia = await views();
    expect(afterMedia).toHaveLength(1);
    expect(afterMedia[0]).toMatchObject({
      actorId: f.proctor.userId,
      entityType: 'session',
      entityId: f.sessionId,
      data: { part: 'media', studentId: f.student.userId, track: 'webcam', seq: 0 },
    });
    // Another segment is another view: every object opened is on record, once.
    await putSegment(f.student, f.sessionId, 'webcam', 1, bytesOf('y'));
    await getRaw(f.proctor, `/api/sessions/${f.sessionId}/media/webcam/1`);
    await getRaw(f.proctor, `/api/sessions/${f.sessionId}/media/webcam/1`);
    const afterSecond = await views();
    expect(afterSecond).toHaveLength(2);
    expect(afterSecond[0]).toMatchObject({ data: { object: 'media:webcam:1', seq: 1 } });

    await f.proctor.get(`/api/sessions/${f.sessionId}/recording?fromMs=${T0}`);
    await f.instructor.get(`/api/sessions/${f.sessionId}/events`);
    const all = await views();
    expect(all).toHaveLength(4);
    expect(all[1]).toMatchObject({
      actorId: f.proctor.userId,
      data: { part: 'manifest', fromMs: T0, toMs: null },
    });
    expect(all[0]).toMatchObject({ actorId: f.instructor.userId, data: { part: 'events' } });
  });

  it('serves byte ranges, 416 past the end, and 304 for a matching ETag', async () => {
    const { student, sessionId } = await checkedIn(server);
    // 16 bytes: the WebM magic, then '456789abcdef' at offsets 4–15.
    const bytes = Buffer.concat([webmBytes('').subarray(0, 4), Buffer.from('456789abcdef')]);
    await putSegment(student, sessionId, 'webcam', 0, bytes);
    const url = `/api/sessions/${sessionId}/media/webcam/0`;
    const part = await getRaw(student, url, { range: 'bytes=4-7' });
    expect(part.status).toBe(206);
    expect(part.bytes.toString()).toBe('4567');
    expect(part.headers.get('content-range')).toBe('bytes 4-7/16');
    expect(part.headers.get('content-length')).toBe('4');
    expect(part.headers.get('accept-ranges')).toBe('bytes');
    const tail = await getRaw(student, url, { range: 'bytes=-3' });
    expect(tail.bytes.toString()).toBe('def');
    const open = await getRaw(student, url, { range: 'bytes=10-' });
    expect(open.bytes.toString()).toBe('abcdef');
    const ignored = await getRaw(student, url, { range: 'bytes=0-1,4-5' });
    expect(ignored.status).toBe(200);
    expect(ignored.bytes).toEqual(bytes);
    const past = await getRaw(student, url, { range: 'bytes=16-' });
    expect(past.status).toBe(416);
    expect(past.headers.get('content-range')).toBe('bytes */16');
    expect(past.json?.correlationId).toBeTruthy();
    const etag = `"${sha256(bytes)}"`;
    const cached = await getRaw(student, url, { 'if-none-match': etag });
    expect(cached.status).toBe(304);
    expect(cached.bytes.length).toBe(0);
    expect((await getRaw(student, url, { 'if-none-match': `"x", W/${etag}` })).status).toBe(304);
    expect((await getRaw(student, url, { 'if-none-match': '"other"' })).status).toBe(200);
    const head = await fetch(`${server.url}${url}`, {
      method: 'HEAD',
      headers: { cookie: student.cookie ?? '' },
    });
    expect(head.status).toBe(200);
    expect(head.headers.get('etag')).toBe(etag);
  });

  it('records gaps as server events once, in the event timeline', async () => {
    const f = await checkedIn(server);
    await putSegment(f.student, f.sessionId, 'webcam', 0, bytesOf('0'));
    await putSegment(f.student, f.sessionId, 'webcam', 2, bytesOf('2'));
    await f.student.post(`/api/sessions/${f.sessionId}/events`, {
      events: [{ seq: 0, type: 'recording.started', at: T0 }],
    });
    const db = server.instance.database.db;
    const report = await recordRecordingGaps(db, f.sessionId, server.clock.now());
    expect(report.complete).toBe(false);
    expect(report.gaps).toHaveLength(1);
    await recordRecordingGaps(db, f.sessionId, server.clock.now());
    const events = (await f.proctor.get(`/api/sessions/${f.sessionId}/events`)).body;
    expect(events.map((e: any) => `${e.source}:${e.seq}:${e.type}`)).toEqual([
      'client:0:recording.started',
      'server:0:recording.gap',
    ]);
    expect(events[1]).toMatchObject({
      clientMs: T0 + 6000,
      data: { track: 'webcam', afterSeq: 0, missingSeqs: [1] },
    });
    // A new hole later gets the next server sequence number.
    await putSegment(f.student, f.sessionId, 'webcam', 4, bytesOf('4'));
    await recordRecordingGaps(db, f.sessionId, server.clock.now());
    const more = (await f.proctor.get(`/api/sessions/${f.sessionId}/events`)).body;
    expect(more.filter((e: any) => e.source === 'server').map((e: any) => e.seq)).toEqual([0, 1]);
  });
  it('a review started while uploads may still arrive leaves the holes to the settled check', async () => {
    const f = await checkedIn(server);
    await completeCheckIn(f.student, f.sessionId);
    expect((await f.move(f.student, 'in_progress')).status).toBe(200);
    await putSegment(f.student, f.sessionId, 'webcam', 0, bytesOf('r0'));
    await putSegment(f.student, f.sessionId, 'webcam', 2, bytesOf('r2'));
    expect((await f.move(f.student, 'submitted')).status).toBe(200);
    expect((await f.move(f.proctor, 'under_review')).status).toBe(200);
    const gapEvents = async () =>
      ((await f.proctor.get(`/api/sessions/${f.sessionId}/events`)).body as any[]).filter(
        (e) => e.type === 'recording.gap',
      );
    // The backlog may still be on its way: nothing is recorded as missing yet.
    expect(await gapEvents()).toEqual([]);
    const db = server.instance.database.db;
    const later = new Date(server.clock.now().getTime() + RECORDING_CHECK_GRACE_MS + 60_000);
    expect(await checkEndedRecordings(db, later)).toContain(f.sessionId);
    const gaps = await gapEvents();
    expect(gaps.length).toBeGreaterThan(0);
    const webcam = gaps.filter((e: any) => e.data.track === 'webcam');
    expect(webcam[0].data).toMatchObject({
      afterSeq: 0,
      missingSeqs: [1],
      reason: 'missing_seqs',
      required: true,
    });
    // The exam requires the screen too, and none of it arrived.
    const screen = gaps.filter((e: any) => e.data.track === 'screen');
    expect(screen.map((e: any) => e.data)).toMatchObject([
      { afterSeq: null, missingSeqs: [], reason: 'never', required: true },
    ]);
  });
  it('checks each ended recording once after the upload grace period, recording its holes', async () => {
    const f = await checkedIn(server);
    await completeCheckIn(f.student, f.sessionId);
    expect((await f.move(f.student, 'in_progress')).status).toBe(200);
    await putSegment(f.student, f.sessionId, 'webcam', 0, bytesOf('c0'));
    await putSegment(f.student, f.sessionId, 'webcam', 2, bytesOf('c2'));
    await f.move(f.student, 'submitted');
    const db = server.instance.database.db;
    // Within the grace period the browser may still be uploading: nothing is checked yet.
    expect(await checkEndedRecordings(db, server.clock.now())).not.toContain(f.sessionId);
    const later = new Date(server.clock.now().getTime() + RECORDING_CHECK_GRACE_MS + 60_000);
    expect(await checkEndedRecordings(db, later)).toContain(f.sessionId);
    expect(await checkEndedRecordings(db, later)).not.toContain(f.sessionId);
    const events = (await f.proctor.get(`/api/sessions/${f.sessionId}/events`)).body;
    const types = events.filter((e: any) => e.source === 'server').map((e: any) => e.type);
    expect(types.filter((t: string) => t === 'recording.checked')).toHaveLength(1);
    expect(types).toContain('recording.gap');
    const checked = events.find((e: any) => e.type === 'recording.checked');
    expect(checked.data).toMatchObject({ complete: false, segments: 2 });
  });
});
