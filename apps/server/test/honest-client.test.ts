import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Flag, ProctoringPolicyInput, SessionEvent } from '@invigil/contracts';
import { completeCheckIn } from './helpers/check-in.js';
import { eventually } from './helpers/eventually.js';
import { buildExam } from './helpers/factories.js';
import { jpegBytes, webmBytes } from './helpers/media-bytes.js';
import { putSegment, putSnapshot, recordingFixture } from './helpers/recording.js';
import { requestEngines, startTestServer, type TestServer } from './helpers/test-server.js';

const MIN = 60_000;
/** The policy's segment length (the default), one browser step. */
const STEP_MS = 6000;

/** Flags an honest student must never get for an ordinary clock offset or network cut. */
const EVIDENCE_FLAGS = ['recording_gap', 'detection_silent', 'snapshots_missing', 'late_event'];

/**
 * An honest student's browser does nothing wrong, yet its computer's clock may be off and its
 * network may drop. These tests play such students through HTTP — every time the browser
 * sends dated by its own clock, uploads on time or as a backlog after a cut — and check that
 * the server raises none of the flags meant for a tampered client.
 */
describe.each(requestEngines())('an honest student on %s', (engine) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer(engine, { flagSweepMs: 200 });
  });
  afterAll(async () => server?.close());

  const now = () => server.clock.now().getTime();
  const sweep = () => server.instance.evidence.sweep();

  /**
   * A running attempt whose browser's clock is `offsetMs` off the server's (client − server):
   * check-in and everything after is dated by that clock.
   */
  async function attempt(offsetMs: number, policy: ProctoringPolicyInput = {}) {
    const f = await recordingFixture(server, buildExam({ policy }, now()));
    expect((await f.move(f.student, 'checking_in')).status).toBe(200);
    await completeCheckIn(f.student, f.sessionId, { takenMs: now() + offsetMs });
    const started = await f.move(f.student, 'in_progress');
    expect(started.status, JSON.stringify(started.body)).toBe(200);
    const startedMs = Date.parse(started.body.startedAt);
    const seqs = { webcam: 0, screen: 0, snapshot: 0, event: 1 };
    /** What the browser recorded and has not sent yet (during a cut). */
    let queue: (() => Promise<void>)[] = [];
    let online = true;
    /** Where the browser's recording has got to, by its clock. */
    let recordedTo = startedMs + offsetMs;

    const send = async (...events: { type: string; at: number; data?: object }[]) => {
      const res = await f.student.post(`/api/sessions/${f.sessionId}/events`, {
        events: events.map((e) => ({ seq: seqs.event++, data: {}, ...e })),
      });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
    };
    /** Send now, or queue until the network is back (the browser's upload queue). */
    const upload = async (item: () => Promise<void>) => {
      if (online) await item();
      else queue.push(item);
    };

    const browser = {
      /**
       * Record `steps` segment lengths on the server's clock: each step's webcam and screen
       * segments (back to back from the attempt's start), a webcam snapshot and the
       * detectors' report on it, dated by the browser's clock as the step ends.
       */
      async run(steps: number): Promise<void> {
        for (let i = 0; i < steps; i++) {
          server.clock.advance(STEP_MS);
          const from = recordedTo;
          const to = now() + offsetMs;
          recordedTo = to;
          for (const track of ['webcam', 'screen'] as const) {
            const seq = seqs[track]++;
            await upload(async () => {
              const res = await putSegment(
                f.student,
                f.sessionId,
                track,
                seq,
                webmBytes(`${f.sessionId} ${track} ${seq}`),
                { startMs: from, endMs: to },
              );
              expect(res.status, JSON.stringify(res.body)).toBe(201);
            });
          }
          const shot = seqs.snapshot++;
          const takenMs = to;
          await upload(async () => {
            const res = await putSnapshot(
              f.student,
              f.sessionId,
              'webcam',
              shot,
              jpegBytes(`${f.sessionId} snapshot ${shot}`),
              { takenMs },
            );
            expect(res.status, JSON.stringify(res.body)).toBe(201);
          });
          await upload(() =>
            send({
              type: 'detect.snapshot',
              at: takenMs,
              data: {
                snapshotSeq: shot,
                faces: 1,
                headTurned: false,
                phone: false,
                book: false,
                persons: 1,
                model: 'web-1',
              },
            }),
          );
        }
      },
      /** A detector's condition started or ended now, by the browser's clock. */
      async state(detector: string, active: boolean, atMs = now() + offsetMs) {
        await upload(() =>
          send({
            type: 'detect.state',
            at: atMs,
            data: { detector, active, confidence: 0.9, model: 'web-1' },
          }),
        );
      },
      /** The network drops: what the browser records is queued. */
      cut() {
        online = false;
      },
      /** The network is back: the queue drains, oldest first. */
      async reconnect() {
        online = true;
        const items = queue;
        queue = [];
        for (const item of items) await item();
      },
      /** The browser's clock now. */
      clientNow: () => now() + offsetMs,
    };

    const flags = async () => {
      const res = await f.proctor.get(`/api/sessions/${f.sessionId}/flags`);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body as Flag[];
    };
    const events = async () => {
      const res = await f.proctor.get(`/api/sessions/${f.sessionId}/events`);
      expect(res.status).toBe(200);
      return res.body as SessionEvent[];
    };
    const manifest = async () =>
      (await f.proctor.get(`/api/sessions/${f.sessionId}/recording`)).body;
    return { ...f, startedMs, browser, flags, events, manifest };
  }

  const ofType = (list: Flag[], ...types: string[]) => list.filter((f) => types.includes(f.type));

  /** The attempt ends; the browser's queue drains; nothing arrives for 31 s; the watchdog checks. */
  async function submitAndSettle(a: Awaited<ReturnType<typeof attempt>>) {
    const submitted = await a.move(a.student, 'submitted');
    expect(submitted.status, JSON.stringify(submitted.body)).toBe(200);
    server.clock.advance(31_000);
    expect((await sweep()).settled).toContain(a.sessionId);
  }

  it.each([
    ['15 s slow', -15_000],
    ['65 s fast', 65_000],
  ])('whose clock is %s gets no evidence flag', async (_, offsetMs) => {
    const a = await attempt(offsetMs);
    for (let i = 0; i < 12; i++) {
      await a.browser.run(3);
      await sweep();
    }
    // A face lost for 3 s: the browser reports it at once, dated by its clock; too short to flag.
    await a.browser.state('no_face', true);
    server.clock.advance(3000);
    await a.browser.state('no_face', false);
    await a.browser.run(2);
    await submitAndSettle(a);

    const all = await a.flags();
    expect(ofType(all, ...EVIDENCE_FLAGS, 'no_face'), JSON.stringify(all)).toEqual([]);
    // Every event was judged on the student's clock: none late or dated ahead.
    const client = (await a.events()).filter((e) => e.source === 'client');
    expect(client.filter((e) => e.untrustedReason !== null)).toEqual([]);
    const m = await a.manifest();
    expect(m.gaps).toEqual([]);
    expect(m.complete).toBe(true);
    const [checked] = (await a.events()).filter((e) => e.type === 'recording.checked');
    expect(checked?.data).toMatchObject({ complete: true, gaps: 0 });
    // The clock check says what it is, as a clock and nothing else: more than a minute off is
    // clock_skew (its rule's tolerance is 60 s); 15 s is within it.
    const skew = ofType(all, 'clock_skew');
    if (offsetMs > 60_000) {
      expect(skew).toHaveLength(1);
      expect(skew[0]?.evidence.details).toMatchObject({ direction: 'ahead' });
      expect(Math.abs(Number(skew[0]?.evidence.details?.offsetMs) - offsetMs)).toBeLessThan(10_000);
    } else {
      expect(skew).toEqual([]);
    }
  });

  it('a condition reported before a 4-minute outage ends when the server learns of its end, not at the end of the exam', async () => {
    const a = await attempt(0);
    await a.browser.run(5);
    await sweep();
    // No face for 20 s: the start is sent at once, the end falls in the cut.
    const lostAt = a.browser.clientNow();
    await a.browser.state('no_face', true, lostAt);
    await a.browser.run(1);
    // Past the rule's minimum: the flag sweeper raises it (the page's clean snapshot reports
    // since then re-judge nothing by themselves).
    const raised = await eventually(async () => {
      const [flag] = ofType(await a.flags(), 'no_face');
      expect(flag).toMatchObject({ startMs: lostAt, endMs: null });
      return flag;
    });
    a.browser.cut();
    await a.browser.run(2);
    await a.browser.state('no_face', false, lostAt + 20_000);
    for (let i = 0; i < 38; i++) {
      await a.browser.run(1);
      if (i % 5 === 0) await sweep();
    }
    // Four minutes on, the network is back: the backlog arrives, the end with it.
    const backAt = now();
    await a.browser.reconnect();
    const arrived = now();
    await a.browser.run(5);
    await sweep();
    await submitAndSettle(a);

    const [noFace, ...more] = ofType(await a.flags(), 'no_face');
    expect(more).toEqual([]);
    expect(noFace?.id).toBe(raised?.id);
    expect(noFace?.startMs).toBe(lostAt);
    expect(noFace?.endMs).toBeGreaterThanOrEqual(backAt);
    expect(noFace?.endMs).toBeLessThanOrEqual(arrived);
    expect(noFace?.message).toMatch(/^No face in view for 4 min( \d+ s)?$/);
    // The backlog itself was late, and says so (a reviewer sees an outage); never forged.
    const late = ofType(await a.flags(), 'late_event');
    expect(late.every((f) => f.confidence === 0.5)).toBe(true);
    expect((await a.manifest()).complete).toBe(true);
  });

  it('a backlog that drains 3 minutes after submitting leaves no recording gap', async () => {
    const a = await attempt(0);
    for (let i = 0; i < 4; i++) {
      await a.browser.run(3);
      await sweep();
    }
    // The network drops; the last 18 s are recorded meanwhile; the attempt is submitted.
    a.browser.cut();
    await a.browser.run(3);
    const submitted = await a.move(a.student, 'submitted');
    expect(submitted.status, JSON.stringify(submitted.body)).toBe(200);
    // Quiet for 31 s, but incomplete: the grace period may still fill it, so nothing is judged.
    server.clock.advance(31_000);
    expect((await sweep()).settled).not.toContain(a.sessionId);
    expect((await a.events()).filter((e) => e.type.startsWith('recording.'))).toEqual([]);
    // Three minutes after the submit the backlog drains, within the grace period.
    server.clock.advance(3 * MIN - 31_000);
    await a.browser.reconnect();
    expect((await sweep()).settled).not.toContain(a.sessionId);
    server.clock.advance(31_000);
    expect((await sweep()).settled).toContain(a.sessionId);
    // Past the grace period nothing is checked again.
    server.clock.advance(server.instance.config.ingestGraceMs);
    expect((await sweep()).settled).not.toContain(a.sessionId);

    expect(ofType(await a.flags(), 'recording_gap')).toEqual([]);
    const m = await a.manifest();
    expect(m.gaps).toEqual([]);
    expect(m.complete).toBe(true);
    const events = await a.events();
    expect(events.filter((e) => e.type === 'recording.gap')).toEqual([]);
    expect(events.filter((e) => e.type === 'recording.checked').map((e) => e.data)).toEqual([
      expect.objectContaining({ complete: true, gaps: 0 }),
    ]);
  });
});
