import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { RECORDING_GAP_EVENT } from '@invigil/contracts';
import { interventions, sessionEvents } from '../src/db/schema.js';
import { inProgress } from './helpers/check-in.js';
import { expectError } from './helpers/matrix-errors.js';
import { jpegBytes, webmBytes } from './helpers/media-bytes.js';
import { getRaw, putSegment, putSnapshot } from './helpers/recording.js';
import { MIN, useTamperedUploadsServer } from './helpers/tampered-uploads-fixture.js';
import { requestEngines } from './helpers/test-server.js';

/**
 * When a tampered browser's uploads are still taken as the attempt moves on: identity photos
 * are fixed once the attempt starts (unless the proctor asks to enrol again), and ingest
 * closes after the end's grace period — but not before, even when a review starts at once —
 * with retries of what was acknowledged still acknowledged.
 */
describe.each(requestEngines())('tampered uploads on %s', (engine) => {
  const uploads = useTamperedUploadsServer(engine);
  const { db, segmentRows, refusals } = uploads;

  it('closes ingest after the grace period: new uploads 409 SESSION_CLOSED, retries 200', async () => {
    const f = await inProgress(uploads.server);
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
    uploads.server.clock.advance(1000);
    expect((await seg(1)).status).toBe(201);
    expect(
      (await putSnapshot(f.student, f.sessionId, 'webcam', 0, jpegBytes('closing'))).status,
    ).toBe(201);
    expect((await events([11])).body).toEqual({ accepted: [11], duplicates: [] });

    // Twenty minutes after: anything new is refused; what was acknowledged is acked again.
    uploads.server.clock.advance(20 * MIN);
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
    const f = await inProgress(uploads.server);
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
    uploads.server.clock.advance(1000);
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
    uploads.server.clock.advance(16 * MIN);
    expectError(await seg(3), 409, 'SESSION_CLOSED');
    expect((await seg(1)).status).toBe(200);
    const sweep = await uploads.server.instance.evidence.sweep();
    expect(sweep.settled).toContain(f.sessionId);
    const gaps = await gapEvents();
    // The screen never arrived; the webcam segment delivered during the review is not missing.
    expect(gaps).toContainEqual(expect.objectContaining({ track: 'screen', reason: 'never' }));
    expect(gaps.filter((g) => g.track === 'webcam' && g.reason === 'missing_seqs')).toEqual([]);
  });

  it('fixes identity photos once the attempt started, unless the proctor asks to enrol again', async () => {
    const f = await inProgress(uploads.server);
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
      .set({ completedAt: uploads.server.clock.now() })
      .where(eq(interventions.id, request.body.id));
    expectError(
      await putSnapshot(f.student, f.sessionId, 'id_face', 2, jpegBytes('third')),
      409,
      'IDENTITY_LOCKED',
    );
    expect((await putSnapshot(f.student, f.sessionId, 'id_face', 1, swap)).status).toBe(200);
  });
});
