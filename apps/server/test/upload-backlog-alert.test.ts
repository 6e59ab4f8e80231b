import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVIDENCE_EVENTS, type Alert, type LiveMessage } from '@invigil/contracts';
import { sessionEvents } from '../src/db/schema.js';
import { inProgress } from './helpers/check-in.js';
import { connectLive, type LiveSocket } from './helpers/live-socket.js';
import { webmBytes } from './helpers/media-bytes.js';
import { putSegment } from './helpers/recording.js';
import { requestEngines, startTestServer, type TestServer } from './helpers/test-server.js';

/** The thresholds the server is started with (UPLOAD_BACKLOG_SECONDS = 30, lost = 20). */
const BACKLOG_MS = 30_000;
const LOST_MS = 20_000;
/** A webcam-only exam (6 s segments): one track whose uploads the server can measure. */
const POLICY = { screen: false } as const;

type Attempt = Awaited<ReturnType<typeof inProgress>>;
const alertOf = (m: LiveMessage): Alert | null =>
  m.topic === 'flag.created' || m.topic === 'flag.updated' ? m.data : null;
const isBacklog = (m: LiveMessage) => alertOf(m)?.flag.type === 'upload_backlog';

/**
 * "Uploads falling behind" reaches the proctor as an alert, judged by the server through the
 * real watchdog (swept by the test on the server's test clock): a page still heard whose
 * recording arrives ever later, or that reports its own backlog, raises `upload_backlog`; it
 * ends only when the server sees the uploads caught up; a silent page is a lost connection
 * instead; an honest page uploading on time is never flagged; the exam's rule switches it off.
 */
describe.each(requestEngines())('upload backlog alerts on %s', (engine) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer(engine, {
      connectionLostMs: LOST_MS,
      uploadBacklogMs: BACKLOG_MS,
    });
  });
  afterAll(async () => server?.close());

  const sweep = () => server.instance.evidence.sweep();
  const now = () => server.clock.now().getTime();

  async function proctorFeed(f: Attempt): Promise<LiveSocket> {
    const socket = await connectLive(server.url, f.proctor, `examId=${f.examId}`);
    await socket.untilReady();
    return socket;
  }

  /** Webcam segment `seq` recorded over [endMs - 6 s, endMs) (browser clock = test clock). */
  async function segment(f: Attempt, seq: number, endMs: number) {
    const res = await putSegment(f.student, f.sessionId, 'webcam', seq, webmBytes(`s${seq}`), {
      startMs: endMs - 6000,
      endMs,
    });
    expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
  }

  let eventSeq = 100;
  async function event(f: Attempt, type: string, data: Record<string, unknown> = {}) {
    const res = await f.student.post(`/api/sessions/${f.sessionId}/events`, {
      events: [{ seq: eventSeq++, type, at: now(), data }],
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  }

  async function flagTypes(f: Attempt): Promise<string[]> {
    const res = await f.proctor.get(`/api/sessions/${f.sessionId}/flags`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return (res.body as { type: string }[]).map((x) => x.type);
  }

  async function backlogEvents(f: Attempt) {
    const rows = await server.instance.database.db
      .select({ data: sessionEvents.data })
      .from(sessionEvents)
      .where(
        and(
          eq(sessionEvents.sessionId, f.sessionId),
          eq(sessionEvents.type, EVIDENCE_EVENTS.uploadBacklog),
        ),
      );
    return rows.map((r) => r.data as Record<string, unknown>);
  }

  it('raises an alert when the recording arrives ever later, and ends it when it catches up', async () => {
    const f = await inProgress(server, POLICY);
    const feed = await proctorFeed(f);
    const t0 = now();
    await segment(f, 0, t0);
    // A slow network: a 6 s segment arrives every 15 s, so the recording lags 9 s more each time.
    let seq = 0;
    for (; seq < 3;) {
      server.clock.advance(15_000);
      seq += 1;
      await segment(f, seq, t0 + seq * 6000);
      await sweep();
    }
    // About 27 s behind: under the threshold, nothing to say.
    expect(feed.messages.some(isBacklog)).toBe(false);
    server.clock.advance(15_000);
    seq += 1;
    await segment(f, seq, t0 + seq * 6000);
    const judgedAt = now();
    await sweep();
    const opened = alertOf(await feed.waitFor((m) => m.topic === 'flag.created' && isBacklog(m)));
    expect(opened?.flag).toMatchObject({
      sessionId: f.sessionId,
      source: 'server',
      severity: 'low',
      endMs: null,
    });
    const details = opened?.flag.evidence.details as Record<string, unknown>;
    expect(details).toMatchObject({ subject: 'webcam', thresholdMs: BACKLOG_MS, toServerMs: null });
    expect(details.lagMs).toBeGreaterThan(BACKLOG_MS);
    console.log(
      `[upload-backlog] opened at ${(judgedAt - t0) / 1000} s with a lag of ` +
        `${Number(details.lagMs) / 1000} s (threshold ${BACKLOG_MS / 1000} s, test clock)`,
    );
    // Still behind on the next sweep: the same alert, nothing new. The page is heard, so the
    // connection is not lost.
    server.clock.advance(5_000);
    await sweep();
    expect(feed.messages.filter((m) => m.topic === 'flag.created' && isBacklog(m))).toHaveLength(1);
    expect(await flagTypes(f)).not.toContain('connection_lost');

    // The network recovers: the backlog drains at once, up to the present.
    while (t0 + (seq + 1) * 6000 <= now()) {
      seq += 1;
      await segment(f, seq, t0 + seq * 6000);
    }
    server.clock.advance(1_000);
    await sweep();
    const closed = alertOf(
      await feed.waitFor(
        (m) => m.topic === 'flag.updated' && isBacklog(m) && m.data.flag.endMs !== null,
      ),
    );
    expect(closed?.flag.id).toBe(opened?.flag.id);
    expect((await backlogEvents(f)).map((d) => d.toMs === null)).toEqual([true, false]);
    await feed.close();
  });

  it('opens on the browser’s own backlog report, but only the server ends it', async () => {
    const f = await inProgress(server, POLICY);
    const feed = await proctorFeed(f);
    // A report under the threshold says nothing.
    await event(f, 'upload.backlog', { pending: 3, pendingMediaMs: BACKLOG_MS - 1000 });
    await sweep();
    expect(feed.messages.some(isBacklog)).toBe(false);
    // Over it: an alert from the report (client evidence adds a flag).
    server.clock.advance(2_000);
    const reportedAt = now();
    await event(f, 'upload.backlog', { pending: 9, pendingMediaMs: BACKLOG_MS + 15_000 });
    server.clock.advance(1_000);
    await sweep();
    const opened = alertOf(await feed.waitFor((m) => m.topic === 'flag.created' && isBacklog(m)));
    expect(opened?.flag.endMs).toBeNull();
    expect(opened?.flag.startMs).toBeGreaterThanOrEqual(reportedAt);
    expect(opened?.flag.evidence.details).toMatchObject({ subject: 'page', reported: true });
    // Events alone never end it: the server has no recording to measure yet.
    server.clock.advance(5_000);
    await event(f, 'page.visible');
    await sweep();
    // (Re-judged flags may be re-sent as updates, still open.)
    expect(feed.messages.filter((m) => m.topic === 'flag.created' && isBacklog(m))).toHaveLength(1);
    expect(feed.messages.some((m) => isBacklog(m) && alertOf(m)?.flag.endMs !== null)).toBe(false);
    // A segment up to the present: caught up, by the server's measure.
    await segment(f, 0, now());
    server.clock.advance(1_000);
    await sweep();
    await feed.waitFor(
      (m) => m.topic === 'flag.updated' && isBacklog(m) && m.data.flag.endMs !== null,
    );
    // The old report does not open it again.
    server.clock.advance(1_000);
    await event(f, 'page.visible');
    await sweep();
    expect(feed.messages.filter((m) => m.topic === 'flag.created' && isBacklog(m))).toHaveLength(1);
    expect(await backlogEvents(f)).toHaveLength(2);
    await feed.close();
  });

  it('is a lost connection, not a backlog, when nothing arrives at all', async () => {
    const f = await inProgress(server, POLICY);
    await segment(f, 0, now());
    await event(f, 'upload.backlog', { pending: 1, pendingMediaMs: 1000 });
    server.clock.advance(10 * BACKLOG_MS);
    await sweep();
    const types = await flagTypes(f);
    expect(types).toContain('connection_lost');
    expect(types).not.toContain('upload_backlog');
  });

  it('never flags an honest page that uploads on time', async () => {
    const f = await inProgress(server, POLICY);
    const t0 = now();
    for (let seq = 0; seq < 40; seq += 1) {
      // Each 6 s segment arrives a second after it ends (a little jitter).
      server.clock.advance(seq % 3 === 0 ? 7_000 : 6_000);
      await segment(f, seq, Math.min(t0 + (seq + 1) * 6000, now() - 1000));
      if (seq % 4 === 0) await sweep();
    }
    await sweep();
    const types = await flagTypes(f);
    expect(types).not.toContain('upload_backlog');
    expect(types).not.toContain('connection_lost');
    expect(await backlogEvents(f)).toEqual([]);
  });

  it('is off when the exam’s rule switches it off', async () => {
    const f = await inProgress(server, {
      ...POLICY,
      detectors: { upload_backlog: { enabled: false, minSeconds: 0, severity: 'low' } },
    });
    await event(f, 'upload.backlog', { pending: 9, pendingMediaMs: 5 * BACKLOG_MS });
    server.clock.advance(1_000);
    await sweep();
    expect(await flagTypes(f)).not.toContain('upload_backlog');
    expect(await backlogEvents(f)).toEqual([]);
  });
});
