import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { sessionEvents } from '../src/db/schema.js';
import { EVENT_DATA_MAX_BYTES, eventQuota } from '../src/services/recording/upload-quota.js';
import { completeCheckIn, inProgress } from './helpers/check-in.js';
import { buildExam } from './helpers/factories.js';
import { expectError } from './helpers/matrix-errors.js';
import { checkedIn, recordingFixture } from './helpers/recording.js';
import { MIN, useTamperedUploadsServer } from './helpers/tampered-uploads-fixture.js';
import { requestEngines, startTestServer } from './helpers/test-server.js';

/**
 * How many client events a tampered browser can store, and how fast it can write: every
 * session has an event allowance that grows with the attempt (a flood or an oversized event
 * is refused whole, nothing of the batch stored), an honest long exam with an outage and a
 * reload stays well within it, and every write route is rate limited per user.
 */
describe.each(requestEngines())('tampered uploads on %s', (engine) => {
  const uploads = useTamperedUploadsServer(engine);
  const { db } = uploads;

  /** The client events stored for a session, by sequence number. */
  const clientEvents = async (sessionId: string) =>
    db()
      .select({ seq: sessionEvents.seq, type: sessionEvents.type, data: sessionEvents.data })
      .from(sessionEvents)
      .where(and(eq(sessionEvents.sessionId, sessionId), eq(sessionEvents.source, 'client')))
      .orderBy(sessionEvents.seq);

  it('refuses client events past the session’s allowance (413 QUOTA_EXCEEDED), storing none of the batch', async () => {
    const f = await inProgress(uploads.server);
    const post = (events: { seq: number; type: string; at?: number; data?: object }[]) =>
      f.student.post(`/api/sessions/${f.sessionId}/events`, {
        events: events.map((e) => ({ at: uploads.server.clock.now().getTime(), data: {}, ...e })),
      });
    // Check-in used event 0; an honest report comes first.
    const noFace = { detector: 'no_face', active: true, confidence: 0.9, model: 'web-1' };
    const lost = uploads.server.clock.now().getTime() - 30_000;
    expect((await post([{ seq: 1, type: 'detect.state', at: lost, data: noFace }])).status).toBe(
      200,
    );
    const session = (await f.student.get(`/api/sessions/${f.sessionId}`)).body;
    const { maxSeq } = eventQuota(
      { startedAt: new Date(session.startedAt), endedAt: null },
      uploads.server.clock.now(),
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
    uploads.server.clock.advance(10 * MIN);
    const later = Array.from({ length: 500 }, (_, i) => ({ seq: next + i, type: 'window.blur' }));
    expect((await post(later)).body.accepted).toHaveLength(500);
  });

  it('takes every event of an honest 2-hour exam: a batch every 2 s, an outage and a reload', async () => {
    const start = uploads.server.clock.now().getTime();
    const f = await recordingFixture(uploads.server, buildExam({ durationMinutes: 120 }, start));
    expect((await f.move(f.student, 'checking_in')).status).toBe(200);
    await completeCheckIn(f.student, f.sessionId, { takenMs: start });
    expect((await f.move(f.student, 'in_progress')).status).toBe(200);
    let seq = 1;
    /** What the browser queued over the last `minutes`: five events per 2 s batch. */
    const queued = (minutes: number) => {
      const now = uploads.server.clock.now().getTime();
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
        uploads.server.clock.advance(MIN);
        continue;
      }
      uploads.server.clock.advance(MIN);
      // …and sends the backlog when the network is back; the page is also reloaded then.
      const backlog = minute === 81 ? queued(20) : [];
      const reload =
        minute === 81
          ? [
              {
                seq: seq++,
                type: 'page.unload',
                at: uploads.server.clock.now().getTime(),
                data: {},
              },
              { seq: seq++, type: 'page.load', at: uploads.server.clock.now().getTime(), data: {} },
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
