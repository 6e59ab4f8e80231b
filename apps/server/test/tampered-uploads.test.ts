import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_POLICY,
  RECORDING_GAP_EVENT,
  UPLOAD_REFUSED_EVENT,
  type ProctoringPolicyInput,
} from '@invigil/contracts';
import { interventions, mediaSegments, sessionEvents, snapshots } from '../src/db/schema.js';
import {
  EVENT_DATA_MAX_BYTES,
  eventQuota,
  segmentQuota,
  snapshotQuota,
  type QuotaInputs,
} from '../src/services/recording/upload-quota.js';
import { completeCheckIn, inProgress } from './helpers/check-in.js';
import { buildExam } from './helpers/factories.js';
import type { HttpClient } from './helpers/http-client.js';
import { expectError } from './helpers/matrix-errors.js';
import { jpegBytes, pngHeader, webmBytes } from './helpers/media-bytes.js';
import {
  blobFiles,
  checkedIn,
  getRaw,
  putSegment,
  putSnapshot,
  recordingFixture,
  sha256,
} from './helpers/recording.js';
import { requestEngines, startTestServer, type TestServer } from './helpers/test-server.js';

const MIN = 60_000;
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
 * What a tampered browser can send to the recording ingest, and what the server makes of
 * it: only allow-listed types are stored and served (with headers that keep a staff
 * member's browser from running anything), bytes must be what they claim, images are sized
 * from their header before anything decodes them, every session has an allowance, uploads
 * close after the end, identity photos are fixed once the attempt starts, and every write
 * route is rate limited per user. Refusals for content are recorded as evidence.
 */
describe.each(requestEngines())('tampered uploads on %s', (engine) => {
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
  const refusals = async (sessionId: string) =>
    (
      await db()
        .select()
        .from(sessionEvents)
        .where(
          and(eq(sessionEvents.sessionId, sessionId), eq(sessionEvents.type, UPLOAD_REFUSED_EVENT)),
        )
    ).map((e) => ({ source: e.source, data: e.data }));

  /** The quota inputs of a started session, as the server derives them. */
  async function quotaOf(
    f: { student: HttpClient; admin: HttpClient; examId: string; sessionId: string },
    policy: ProctoringPolicyInput,
  ): Promise<QuotaInputs> {
    const exam = (await f.admin.get(`/api/exams/${f.examId}`)).body;
    const session = (await f.student.get(`/api/sessions/${f.sessionId}`)).body;
    return {
      policy: { ...DEFAULT_POLICY, ...policy },
      durationMinutes: exam.durationMinutes,
      extraTimeMinutes: 0,
      pausedMs: 0,
      startedAt: new Date(session.startedAt),
      endedAt: null,
    };
  }

  it('keeps only the allow-listed type: smuggled parameters are dropped, never served', async () => {
    const f = await checkedIn(server);
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
    const f = await checkedIn(server);
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
    expect(await blobFiles(server, f.sessionId)).toEqual([]);

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
    server.clock.advance(MIN + 1000);
    expectError(
      await putSnapshot(f.student, f.sessionId, 'webcam', 2, html),
      415,
      'CONTENT_MISMATCH',
    );
    expect(await refusals(f.sessionId)).toHaveLength(5);
  });

  it('sizes images from their header: 50 000 × 50 000 is 413 IMAGE_TOO_LARGE, stored nowhere', async () => {
    const f = await checkedIn(server);
    const bomb = pngHeader(50_000, 50_000);
    const res = await putSnapshot(f.student, f.sessionId, 'webcam', 0, bomb, {
      contentType: 'image/png',
    });
    expectError(res, 413, 'IMAGE_TOO_LARGE');
    expect(res.body.details).toEqual({ width: 50_000, height: 50_000 });
    const wide = await putSnapshot(f.student, f.sessionId, 'screen', 0, jpegBytes('wide', 9000, 1));
    expectError(wide, 413, 'IMAGE_TOO_LARGE');
    expect(await snapshotRows(f.sessionId)).toEqual([]);
    expect(await blobFiles(server, f.sessionId)).toEqual([]);
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
    const f = await checkedIn(server);
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

  it('closes ingest after the grace period: new uploads 409 SESSION_CLOSED, retries 200', async () => {
    const f = await inProgress(server);
    const seg = (seq: number, label = `closing ${seq}`) =>
      putSegment(f.student, f.sessionId, 'webcam', seq, webmBytes(label));
    const events = (seqs: number[]) =>
      f.student.post(`/api/sessions/${f.sessionId}/events`, {
        events: seqs.map((seq) => ({ seq, type: 'page.visible', at: Date.now(), data: {} })),
      });
    expect((await seg(0)).status).toBe(201);
    expect((await events([10])).status).toBe(200);
    const submitted = await f.move(f.student, 'submitted');
    expect(submitted.status, JSON.stringify(submitted.body)).toBe(200);

    // One second after the end the browser is still draining its queue.
    server.clock.advance(1000);
    expect((await seg(1)).status).toBe(201);
    expect(
      (await putSnapshot(f.student, f.sessionId, 'webcam', 0, jpegBytes('closing'))).status,
    ).toBe(201);
    expect((await events([11])).body).toEqual({ accepted: [11], duplicates: [] });

    // Twenty minutes after: anything new is refused; what was acknowledged is acked again.
    server.clock.advance(20 * MIN);
    const late = await seg(2);
    expectError(late, 409, 'SESSION_CLOSED');
    expect(late.body.details).toEqual({
      endedAt: submitted.body.endedAt,
      closedAt: new Date(Date.parse(submitted.body.endedAt) + 15 * MIN).toISOString(),
    });
    expectError(
      await putSnapshot(f.student, f.sessionId, 'webcam', 1, jpegBytes('too late')),
      409,
      'SESSION_CLOSED',
    );
    const retry = await seg(1);
    expect(retry.status).toBe(200);
    expect(retry.body.duplicate).toBe(true);
    expectError(await seg(1, 'other bytes'), 409, 'UPLOAD_CONFLICT');
    expect((await events([10, 11])).body).toEqual({ accepted: [], duplicates: [10, 11] });
    expectError(await events([11, 12]), 409, 'SESSION_CLOSED');
    const stored = await db()
      .select({ seq: sessionEvents.seq })
      .from(sessionEvents)
      .where(and(eq(sessionEvents.sessionId, f.sessionId), eq(sessionEvents.seq, 12)));
    expect(stored).toEqual([]);
    expect((await segmentRows(f.sessionId)).map((r) => r.seq).sort()).toEqual([0, 1]);
    // Closing is not a refusal for content: no evidence event for it.
    expect(await refusals(f.sessionId)).toEqual([]);
  });

  it('keeps ingest open through a review started in the grace period; holes wait for the settled check', async () => {
    const f = await inProgress(server);
    const seg = (seq: number) =>
      putSegment(f.student, f.sessionId, 'webcam', seq, webmBytes(`reviewed ${seq}`));
    const gapEvents = async () =>
      (
        await db()
          .select({ data: sessionEvents.data })
          .from(sessionEvents)
          .where(
            and(
              eq(sessionEvents.sessionId, f.sessionId),
              eq(sessionEvents.type, RECORDING_GAP_EVENT),
            ),
          )
      ).map((e) => e.data as { track: string; reason: string });
    // Segment 1 is still queued in the browser when the student submits.
    expect((await seg(0)).status).toBe(201);
    expect((await seg(2)).status).toBe(201);
    expect((await f.move(f.student, 'submitted')).status).toBe(200);
    // A reviewer starts at once and even gives the verdict, one second after the end.
    server.clock.advance(1000);
    const verdict = await f.proctor.post(`/api/sessions/${f.sessionId}/verdict`, {
      verdict: 'clean',
      reason: 'Nothing to see',
    });
    expect(verdict.status, JSON.stringify(verdict.body)).toBe(200);
    expect((await f.student.get(`/api/sessions/${f.sessionId}`)).body.state).toBe('reviewed');
    // Nothing is declared missing while the browser may still be delivering its backlog…
    expect(await gapEvents()).toEqual([]);
    // …which is still taken: segments, snapshots and events.
    expect((await seg(1)).status).toBe(201);
    expect(
      (await putSnapshot(f.student, f.sessionId, 'webcam', 0, jpegBytes('reviewed'))).status,
    ).toBe(201);
    const batch = await f.student.post(`/api/sessions/${f.sessionId}/events`, {
      events: [{ seq: 50, type: 'page.visible', at: Date.now(), data: {} }],
    });
    expect(batch.body).toEqual({ accepted: [50], duplicates: [] });

    // The settled check (the evidence watchdog's) judges what arrived, review or not.
    server.clock.advance(16 * MIN);
    expectError(await seg(3), 409, 'SESSION_CLOSED');
    expect((await seg(1)).status).toBe(200);
    const sweep = await server.instance.evidence.sweep();
    expect(sweep.settled).toContain(f.sessionId);
    const gaps = await gapEvents();
    // The screen never arrived; the webcam segment delivered during the review is not missing.
    expect(gaps).toContainEqual(expect.objectContaining({ track: 'screen', reason: 'never' }));
    expect(gaps.filter((g) => g.track === 'webcam' && g.reason === 'missing_seqs')).toEqual([]);
  });

  it('refuses a segment past the session’s byte allowance (413 QUOTA_EXCEEDED), keeping the rest', async () => {
    const policy = { webcamBitrateKbps: 100 };
    const f = await inProgress(server, policy);
    const first = webmBytes('within the allowance');
    expect((await putSegment(f.student, f.sessionId, 'webcam', 0, first)).status).toBe(201);
    // More than the whole allowance a minute from now: over it whatever the timing.
    const inputs = await quotaOf(f, policy);
    const ahead = new Date(server.clock.now().getTime() + MIN);
    const size = segmentQuota(inputs, 'webcam', ahead).maxBytes + 1;
    const big = Buffer.concat([webmBytes('too much'), Buffer.alloc(size)]);
    const res = await putSegment(f.student, f.sessionId, 'webcam', 1, big);
    expectError(res, 413, 'QUOTA_EXCEEDED');
    expect(res.body.message).toMatch(/allowance.*contact your proctor/);
    expect(res.body.details).toMatchObject({
      limit: 'bytes',
      used: first.length,
      size: big.length,
    });
    expect(res.body.details.max).toBeLessThan(big.length);
    expect((await segmentRows(f.sessionId)).map((r) => r.seq)).toEqual([0]);
    expect(
      (await blobFiles(server, f.sessionId)).filter((b) => b.startsWith('media')),
    ).toHaveLength(1);
    const kept = await getRaw(f.student, `/api/sessions/${f.sessionId}/media/webcam/0`);
    expect(kept.bytes.equals(first)).toBe(true);
    expect((await refusals(f.sessionId)).map((e) => e.data)).toEqual([
      {
        target: 'media',
        track: 'webcam',
        seq: 1,
        code: 'QUOTA_EXCEEDED',
        sizeBytes: big.length,
        declaredType: 'video/webm',
      },
    ]);
    // The other tracks have their own allowance.
    expect(
      (await putSegment(f.student, f.sessionId, 'screen', 0, webmBytes('screen'))).status,
    ).toBe(201);
  });

  it('refuses sequence numbers past what the exam’s length allows (413 QUOTA_EXCEEDED)', async () => {
    const f = await inProgress(server);
    const inputs = await quotaOf(f, {});
    const now = server.clock.now();
    const { maxSeq } = segmentQuota(inputs, 'screen', now);
    // 90 minutes of 6 s segments, with headroom, three times over.
    expect(maxSeq).toBeGreaterThan(900 * 3);
    expect(
      (await putSegment(f.student, f.sessionId, 'screen', maxSeq, webmBytes('last'))).status,
    ).toBe(201);
    const past = await putSegment(f.student, f.sessionId, 'screen', maxSeq + 1, webmBytes('past'));
    expectError(past, 413, 'QUOTA_EXCEEDED');
    expect(past.body.details).toEqual({ limit: 'seq', max: maxSeq, seq: maxSeq + 1 });
    const shots = snapshotQuota(inputs, 'webcam', now).maxSeq;
    const shot = await putSnapshot(f.student, f.sessionId, 'webcam', shots + 1, jpegBytes('past'));
    expectError(shot, 413, 'QUOTA_EXCEEDED');
    expect(await blobFiles(server, f.sessionId)).toEqual(
      expect.not.arrayContaining([expect.stringContaining(`${maxSeq + 1}-`)]),
    );
  });

  it('fixes identity photos once the attempt started, unless the proctor asks to enrol again', async () => {
    const f = await inProgress(server);
    const path = `/api/sessions/${f.sessionId}/snapshots/id_face`;
    const original = (await getRaw(f.proctor, `${path}/0`)).bytes;
    expect(original.length).toBeGreaterThan(0);
    const swap = jpegBytes('someone else');
    const locked = await putSnapshot(f.student, f.sessionId, 'id_face', 1, swap);
    expectError(locked, 409, 'IDENTITY_LOCKED');
    expectError(
      await putSnapshot(f.student, f.sessionId, 'id_document', 1, jpegBytes('another card')),
      409,
      'IDENTITY_LOCKED',
    );
    // Overwriting the stored slot is a conflict as ever; the photo is unchanged.
    expectError(
      await putSnapshot(f.student, f.sessionId, 'id_face', 0, swap),
      409,
      'UPLOAD_CONFLICT',
    );
    expect((await getRaw(f.proctor, `${path}/0`)).bytes.equals(original)).toBe(true);
    expect(await refusals(f.sessionId)).toEqual([
      expect.objectContaining({
        data: expect.objectContaining({ code: 'IDENTITY_LOCKED', kind: 'id_face' }),
      }),
      expect.objectContaining({
        data: expect.objectContaining({ code: 'IDENTITY_LOCKED', kind: 'id_document' }),
      }),
    ]);

    const request = await f.proctor.post(`/api/sessions/${f.sessionId}/interventions`, {
      kind: 're_enrol',
    });
    expect(request.status, JSON.stringify(request.body)).toBe(201);
    const enrolled = await putSnapshot(f.student, f.sessionId, 'id_face', 1, swap);
    expect(enrolled.status, JSON.stringify(enrolled.body)).toBe(201);
    expect((await getRaw(f.proctor, `${path}/0`)).bytes.equals(original)).toBe(true);
    expect((await getRaw(f.proctor, `${path}/1`)).bytes.equals(swap)).toBe(true);

    // Once the request is completed, the photos are fixed again.
    await db()
      .update(interventions)
      .set({ completedAt: server.clock.now() })
      .where(eq(interventions.id, request.body.id));
    expectError(
      await putSnapshot(f.student, f.sessionId, 'id_face', 2, jpegBytes('third')),
      409,
      'IDENTITY_LOCKED',
    );
    expect((await putSnapshot(f.student, f.sessionId, 'id_face', 1, swap)).status).toBe(200);
  });

  it('counts what each track holds with a running total, exact under concurrent uploads', async () => {
    const f = await inProgress(server);
    const bodies = Array.from({ length: 12 }, (_, i) =>
      Buffer.concat([webmBytes(`parallel ${i}`), Buffer.alloc(1000 * (i + 1))]),
    );
    const shots = Array.from({ length: 6 }, (_, i) => jpegBytes(`parallel shot ${i}`));
    const results = await Promise.all([
      ...bodies.map((b, i) => putSegment(f.student, f.sessionId, 'webcam', i, b)),
      ...shots.map((b, i) => putSnapshot(f.student, f.sessionId, 'webcam', i, b)),
    ]);
    expect(results.map((r) => r.status)).toEqual(results.map(() => 201));
    // One upload after the other: each total is the one before plus its own size.
    const webcam = (await segmentRows(f.sessionId))
      .filter((r) => r.track === 'webcam')
      .sort((a, b) => a.trackBytes - b.trackBytes);
    expect(webcam).toHaveLength(bodies.length);
    webcam.forEach((r, i) =>
      expect(r.trackBytes - (webcam[i - 1]?.trackBytes ?? 0)).toBe(r.sizeBytes),
    );
    expect(webcam.at(-1)?.trackBytes).toBe(bodies.reduce((a, b) => a + b.length, 0));
    const kindTotals = (await snapshotRows(f.sessionId))
      .filter((r) => r.kind === 'webcam')
      .map((r) => r.kindBytes);
    expect(Math.max(...kindTotals)).toBe(shots.reduce((a, b) => a + b.length, 0));
    // The check-in photos count under their own kind.
    const face = (await snapshotRows(f.sessionId)).find((r) => r.kind === 'id_face');
    expect(face?.kindBytes).toBe(face?.sizeBytes);
  });

  /** The client events stored for a session, by sequence number. */
  const clientEvents = async (sessionId: string) =>
    db()
      .select({ seq: sessionEvents.seq, type: sessionEvents.type, data: sessionEvents.data })
      .from(sessionEvents)
      .where(and(eq(sessionEvents.sessionId, sessionId), eq(sessionEvents.source, 'client')))
      .orderBy(sessionEvents.seq);

  it('refuses client events past the session’s allowance (413 QUOTA_EXCEEDED), storing none of the batch', async () => {
    const f = await inProgress(server);
    const post = (events: { seq: number; type: string; at?: number; data?: object }[]) =>
      f.student.post(`/api/sessions/${f.sessionId}/events`, {
        events: events.map((e) => ({ at: server.clock.now().getTime(), data: {}, ...e })),
      });
    // Check-in used event 0; an honest report comes first.
    const noFace = { detector: 'no_face', active: true, confidence: 0.9, model: 'web-1' };
    const lost = server.clock.now().getTime() - 30_000;
    expect((await post([{ seq: 1, type: 'detect.state', at: lost, data: noFace }])).status).toBe(
      200,
    );
    const session = (await f.student.get(`/api/sessions/${f.sessionId}`)).body;
    const { maxSeq } = eventQuota(
      { startedAt: new Date(session.startedAt), endedAt: null },
      server.clock.now(),
    );
    expect(maxSeq).toBeLessThan(10_000);

    // A script floods 500-event batches straight away.
    let next = 2;
    let refused: Awaited<ReturnType<typeof post>> | undefined;
    while (!refused && next < 20_000) {
      const flood = Array.from({ length: 500 }, (_, i) => ({ seq: next + i, type: 'window.blur' }));
      const res = await post(flood);
      if (res.status === 413) refused = res;
      else {
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        next += 500;
      }
    }
    expect(refused).toBeDefined();
    expectError(refused!, 413, 'QUOTA_EXCEEDED');
    expect(refused!.body.message).toMatch(
      /more events than this exam allows.*contact your proctor/,
    );
    expect(refused!.body.details).toEqual({
      limit: 'events',
      max: expect.any(Number),
      seq: next + 499,
    });
    // The allowance of the moment it arrived (it grows with the attempt's time).
    expect(refused!.body.details.max).toBeGreaterThanOrEqual(maxSeq);
    expect(refused!.body.details.max).toBeLessThan(next + 499);
    // Nothing of the refused batch is stored, not even its numbers within the allowance;
    // what was stored before is intact.
    expect(next).toBeLessThanOrEqual(maxSeq);
    const stored = await clientEvents(f.sessionId);
    expect(stored.map((e) => e.seq)).toEqual(Array.from({ length: next }, (_, i) => i));
    expect(stored[1]).toMatchObject({ type: 'detect.state', data: noFace });
    const [open] = (await f.proctor.get(`/api/sessions/${f.sessionId}/flags`)).body;
    expect(open).toMatchObject({ type: 'no_face', startMs: lost, endMs: null });

    // An event carrying more data than any browser sends is refused the same way.
    const bulky = { a: 'x'.repeat(2000), b: 'y'.repeat(2000), c: 'z'.repeat(2000) };
    const big = await post([{ seq: next, type: 'clipboard.copy', data: bulky }]);
    expectError(big, 413, 'QUOTA_EXCEEDED');
    expect(big.body.details).toEqual({
      limit: 'event_size',
      max: EVENT_DATA_MAX_BYTES,
      seq: next,
      size: JSON.stringify(bulky).length,
    });
    expect((await clientEvents(f.sessionId)).length).toBe(next);

    // As the attempt goes on, the allowance grows: the refused numbers fit later.
    server.clock.advance(10 * MIN);
    const later = Array.from({ length: 500 }, (_, i) => ({ seq: next + i, type: 'window.blur' }));
    expect((await post(later)).body.accepted).toHaveLength(500);
  });

  it('takes every event of an honest 2-hour exam: a batch every 2 s, an outage and a reload', async () => {
    const start = server.clock.now().getTime();
    const f = await recordingFixture(server, buildExam({ durationMinutes: 120 }, start));
    expect((await f.move(f.student, 'checking_in')).status).toBe(200);
    await completeCheckIn(f.student, f.sessionId, { takenMs: start });
    expect((await f.move(f.student, 'in_progress')).status).toBe(200);
    let seq = 1;
    /** What the browser queued over the last `minutes`: five events per 2 s batch. */
    const queued = (minutes: number) => {
      const now = server.clock.now().getTime();
      const batches = minutes * 30;
      return Array.from({ length: batches * 5 }, (_, i) => ({
        seq: seq++,
        type: i % 2 ? 'window.focus' : 'window.blur',
        at: now - (batches - Math.floor(i / 5)) * 2000,
        data: {},
      }));
    };
    const send = async (events: ReturnType<typeof queued>) => {
      // The queue sends at most 500 events a request.
      for (let i = 0; i < events.length; i += 500) {
        const res = await f.student.post(`/api/sessions/${f.sessionId}/events`, {
          events: events.slice(i, i + 500),
        });
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        expect(res.body.duplicates).toEqual([]);
      }
    };
    for (let minute = 1; minute <= 120; minute += 1) {
      if (minute > 60 && minute <= 80) {
        // Offline for 20 minutes: the queue keeps everything…
        server.clock.advance(MIN);
        continue;
      }
      server.clock.advance(MIN);
      // …and sends the backlog when the network is back; the page is also reloaded then.
      const backlog = minute === 81 ? queued(20) : [];
      const reload =
        minute === 81
          ? [
              { seq: seq++, type: 'page.unload', at: server.clock.now().getTime(), data: {} },
              { seq: seq++, type: 'page.load', at: server.clock.now().getTime(), data: {} },
            ]
          : [];
      await send([...backlog, ...reload, ...queued(1)]);
    }
    const stored = await clientEvents(f.sessionId);
    expect(stored).toHaveLength(seq);
    expect(stored.at(-1)?.seq).toBe(seq - 1);
  }, 120_000);

  it('limits writes per user (429 RATE_LIMITED with retry-after); others are unaffected', async () => {
    const limited = await startTestServer(engine, { writeRateLimitPerMinute: 8 });
    try {
      const f = await checkedIn(limited);
      const post = (seq: number) =>
        f.student.post(`/api/sessions/${f.sessionId}/events`, {
          events: [{ seq, type: 'page.visible', at: Date.now(), data: {} }],
        });
      const remaining: number[] = [];
      let refused: Awaited<ReturnType<typeof post>> | undefined;
      for (let seq = 0; seq < 10 && !refused; seq++) {
        const res = await post(seq);
        if (res.status === 429) refused = res;
        else {
          expect(res.status, JSON.stringify(res.body)).toBe(200);
          expect(res.headers.get('x-ratelimit-limit')).toBe('8');
          remaining.push(Number(res.headers.get('x-ratelimit-remaining')));
        }
      }
      // The fixture's registration and check-in counted too; the rest counts down to 0.
      expect(remaining.at(-1)).toBe(0);
      expect(remaining).toEqual([...remaining].sort((a, b) => b - a));
      expect(refused).toBeDefined();
      expectError(refused!, 429, 'RATE_LIMITED');
      expect(Number(refused!.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(refused!.headers.get('x-ratelimit-remaining')).toBe('0');
      // Reads are not limited; another user's writes are not either.
      expect((await f.student.get(`/api/sessions/${f.sessionId}`)).status).toBe(200);
      const other = await limited.signedIn('student');
      const reg = await other.post(`/api/exams/${f.examId}/registrations`);
      expect(reg.status, JSON.stringify(reg.body)).toBe(201);
      expect(reg.headers.get('x-ratelimit-remaining')).toBe('7');
    } finally {
      await limited.close();
    }
  });
});
