import { and, eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EVIDENCE_EVENTS,
  LiveExamSnapshot,
  SERVER_DETECT_EVENTS,
  type Alert,
  type LiveMessage,
} from '@invigil/contracts';
import { auditLog, flags, sessionEvents, snapshots } from '../src/db/schema.js';
import { appendServerEvents } from '../src/services/recording/session-events.service.js';
import { inProgress } from './helpers/check-in.js';
import { connectLive, type LiveSocket } from './helpers/live-socket.js';
import { jpegBytes } from './helpers/media-bytes.js';
import { putSnapshot } from './helpers/recording.js';
import { registerAndCheckIn } from './helpers/sessions.js';
import { requestEngines, startTestServer, type TestServer } from './helpers/test-server.js';

/** The threshold the server is started with (CONNECTION_LOST_SECONDS = 20). */
const LOST_MS = 20_000;

type Attempt = Awaited<ReturnType<typeof inProgress>>;
const alertOf = (m: LiveMessage): Alert | null =>
  m.topic === 'flag.created' || m.topic === 'flag.updated' ? m.data : null;

/**
 * What proctors are told as it happens, through the real gateway and the real watchdog (swept
 * by the test on the server's test clock): a running attempt's page that goes silent is a
 * connection-lost alert, and its return answers that alert as "back online"; check-in pages
 * are never judged; the browser's and the server's detections of one condition are one alert
 * that lists both flags, in the live messages and in the dashboard snapshot alike.
 */
describe.each(requestEngines())('live alerts on %s', (engine) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer(engine, { connectionLostMs: LOST_MS });
  });
  afterAll(async () => server?.close());

  const sweep = () => server.instance.evidence.sweep();
  const now = () => server.clock.now().getTime();

  /** The exam's live feed as the attempt's proctor sees it. */
  async function proctorFeed(f: Attempt): Promise<LiveSocket> {
    const socket = await connectLive(server.url, f.proctor, `examId=${f.examId}`);
    await socket.untilReady();
    return socket;
  }

  /** One client event from the student's page (something heard from it). */
  let eventSeq = 100;
  async function heard(f: Attempt, type = 'page.visible', data: Record<string, unknown> = {}) {
    const res = await f.student.post(`/api/sessions/${f.sessionId}/events`, {
      events: [{ seq: eventSeq++, type, at: now(), data }],
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  }

  async function snapshotAlerts(f: Attempt): Promise<Alert[]> {
    const res = await f.proctor.get(`/api/exams/${f.examId}/live`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return LiveExamSnapshot.parse(res.body).alerts.filter((a) => a.flag.sessionId === f.sessionId);
  }

  async function snapshotTile(f: Attempt) {
    const res = await f.proctor.get(`/api/exams/${f.examId}/live`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return LiveExamSnapshot.parse(res.body).sessions.find((t) => t.session.id === f.sessionId);
  }

  it('raises connection lost after N s of silence and answers it when the page is back', async () => {
    const f = await inProgress(server);
    const feed = await proctorFeed(f);
    // The test clock runs on from where it was moved: receipt times are known within bounds.
    const beforeHeard = now();
    await heard(f);
    const lastHeardMs = now();

    // Within N: nothing to say.
    server.clock.advance(LOST_MS - 5_000);
    await sweep();
    expect(feed.messages.some((m) => alertOf(m)?.flag.type === 'connection_lost')).toBe(false);

    // Past N: an open alert, from the last thing heard, judged by the server alone.
    server.clock.advance(10_000);
    const lostAtMs = now();
    expect((await sweep()).changed).toContain(f.sessionId);
    const lost = alertOf(
      await feed.waitFor(
        (m) => m.topic === 'flag.created' && m.data.flag.type === 'connection_lost',
      ),
    );
    expect(lost?.flag).toMatchObject({
      sessionId: f.sessionId,
      source: 'server',
      endMs: null,
      reviewStatus: 'open',
    });
    expect(lost?.flag.startMs).toBeGreaterThanOrEqual(beforeHeard);
    expect(lost?.flag.startMs).toBeLessThanOrEqual(lastHeardMs);
    expect(lost?.flag.evidence.details).toMatchObject({
      subject: 'page',
      fromServerMs: lost?.flag.startMs,
      toServerMs: null,
      thresholdMs: LOST_MS,
    });
    expect(lost?.handling.acknowledgedAt).toBeNull();
    // The tile's "Offline" is this verdict, told at once and in the snapshot alike.
    await feed.waitFor(
      (m) =>
        m.topic === 'session.health' &&
        m.data.sessionId === f.sessionId &&
        m.data.presence === 'offline',
    );
    expect((await snapshotTile(f))?.health.presence).toBe('offline');
    // A second sweep while still silent raises nothing new.
    await sweep();
    expect(
      feed.messages.filter(
        (m) => m.topic === 'flag.created' && m.data.flag.type === 'connection_lost',
      ),
    ).toHaveLength(1);

    // The page is heard again: the same alert ends there ("back online"), kept for review.
    server.clock.advance(7_000);
    const beforeBack = now();
    await heard(f);
    const afterBack = now();
    server.clock.advance(1_000);
    await sweep();
    const back = alertOf(
      await feed.waitFor(
        (m) =>
          m.topic === 'flag.updated' &&
          m.data.flag.type === 'connection_lost' &&
          m.data.flag.endMs !== null,
      ),
    );
    expect(back?.flag.id).toBe(lost?.flag.id);
    await feed.waitFor(
      (m) =>
        m.topic === 'session.health' &&
        m.data.sessionId === f.sessionId &&
        m.data.presence === 'online',
    );
    expect((await snapshotTile(f))?.health.presence).toBe('online');
    // The page was back at its first upload after the silence; the flag's end is at the
    // latest when the watchdog recorded it (server clock either way).
    const backMs = (back?.flag.evidence.details as { toServerMs: number }).toServerMs;
    expect(backMs).toBeGreaterThanOrEqual(beforeBack);
    expect(backMs).toBeLessThanOrEqual(afterBack);
    expect(back?.flag.endMs).toBeGreaterThanOrEqual(backMs);
    expect(back?.flag.endMs).toBeLessThanOrEqual(now());
    console.log(
      `[live-alerts] connection lost judged ${(lostAtMs - (lost?.flag.startMs ?? 0)) / 1000} s after the last ` +
        `upload (threshold ${LOST_MS / 1000} s, test clock)`,
    );

    // The watchdog's record: one start and one end event of the same absence.
    const recorded = await server.instance.database.db
      .select({ data: sessionEvents.data })
      .from(sessionEvents)
      .where(
        and(
          eq(sessionEvents.sessionId, f.sessionId),
          eq(sessionEvents.type, EVIDENCE_EVENTS.connectionLost),
        ),
      );
    expect(recorded.map((r) => (r.data as { toMs: number | null }).toMs)).toEqual([null, backMs]);
    // The dashboard snapshot shows the same single alert, ended.
    const inSnapshot = (await snapshotAlerts(f)).filter((a) => a.flag.type === 'connection_lost');
    expect(inSnapshot.map((a) => [a.flag.id, a.flag.endMs])).toEqual([
      [lost?.flag.id, back?.flag.endMs],
    ]);
    await feed.close();
  });

  it('never judges a page still checking in (it holds no live connection)', async () => {
    const f = await inProgress(server);
    const student = await server.signedIn('student');
    const { sessionId } = await registerAndCheckIn(student, f.examId);
    server.clock.advance(10 * LOST_MS);
    await sweep();
    const res = await f.proctor.get(`/api/sessions/${sessionId}/flags`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect((res.body as { type: string }[]).map((x) => x.type)).not.toContain('connection_lost');
  });

  it('shows the browser’s and the server’s detection of one condition as one alert', async () => {
    const f = await inProgress(server);
    const feed = await proctorFeed(f);
    // The browser: no face for 8 s already, a flag by itself.
    const browserStart = now() - 8_000;
    const res = await f.student.post(`/api/sessions/${f.sessionId}/events`, {
      events: [
        {
          seq: eventSeq++,
          type: 'detect.state',
          at: browserStart,
          data: { detector: 'no_face', active: true, confidence: 0.9, model: 'test-model' },
        },
      ],
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const first = alertOf(
      await feed.waitFor((m) => m.topic === 'flag.created' && m.data.flag.type === 'no_face'),
    );
    expect(first?.flag.source).toBe('client');
    expect(first?.related).toBeUndefined();

    // The server's analyses of webcam snapshots of the same moments find no face either
    // (written as the snapshot analysis writes them: the detector is not under test here).
    const analyses = [];
    for (let i = 0; i < 4; i++) {
      const takenMs = browserStart + i * 3_000;
      const put = await putSnapshot(f.student, f.sessionId, 'webcam', i, jpegBytes(`nf ${i}`), {
        takenMs,
      });
      expect(put.status, JSON.stringify(put.body)).toBe(201);
      const [row] = await server.instance.database.db
        .select({ id: snapshots.id })
        .from(snapshots)
        .where(and(eq(snapshots.sessionId, f.sessionId), eq(snapshots.seq, i)));
      analyses.push({
        type: SERVER_DETECT_EVENTS.analysis,
        clientMs: takenMs,
        data: {
          snapshotId: row!.id,
          snapshotSeq: i,
          faces: 0,
          faceScore: 0,
          headTurned: false,
          headYaw: null,
          objects: [],
          identity: null,
          model: 'stand-in',
          width: 16,
          height: 16,
          ms: 1,
        },
      });
    }
    await appendServerEvents(server.instance.database.db, f.sessionId, analyses);
    // Any batch re-judges the session (as a finished analysis does).
    await heard(f);

    const merged = alertOf(
      await feed.waitFor(
        (m) =>
          m.topic === 'flag.updated' &&
          m.data.flag.id === first?.flag.id &&
          (m.data.related ?? []).length > 0,
      ),
    );
    expect(merged?.related?.map((r) => [r.type, r.source])).toEqual([['no_face', 'server']]);
    // The server's flag never became an alert of its own.
    const serverFlagId = merged!.related![0]!.id;
    expect(feed.messages.some((m) => alertOf(m)?.flag.id === serverFlagId)).toBe(false);
    // Both flags stay flags of the session, each with its own evidence, for review.
    const listed = await f.proctor.get(`/api/sessions/${f.sessionId}/flags`);
    const noFace = (listed.body as Alert['flag'][]).filter((x) => x.type === 'no_face');
    expect(noFace.map((x) => x.source).sort()).toEqual(['client', 'server']);
    expect(noFace.find((x) => x.source === 'server')?.evidence.snapshotIds.length).toBeGreaterThan(
      0,
    );
    // The snapshot agrees: one alert for the condition, listing both.
    const inSnapshot = (await snapshotAlerts(f)).filter((a) => a.flag.type === 'no_face');
    expect(inSnapshot).toHaveLength(1);
    expect(inSnapshot[0]?.flag.id).toBe(first?.flag.id);
    expect(inSnapshot[0]?.related?.map((r) => r.id)).toEqual([serverFlagId]);

    // Acknowledged as one: the merged flag too, so it never resurfaces as an alert of its own.
    const ack = await f.proctor.post(`/api/flags/${first?.flag.id}/acknowledge`);
    expect(ack.status, JSON.stringify(ack.body)).toBe(200);
    const handled = await server.instance.database.db
      .select({ id: flags.id, by: flags.acknowledgedBy })
      .from(flags)
      .where(inArray(flags.id, [first!.flag.id, serverFlagId]));
    expect(handled.map((r) => r.by)).toEqual([f.proctor.userId, f.proctor.userId]);
    const [audit] = await server.instance.database.db
      .select({ data: auditLog.data })
      .from(auditLog)
      .where(and(eq(auditLog.action, 'alert.acknowledge'), eq(auditLog.entityId, first!.flag.id)));
    expect(audit?.data).toMatchObject({ related: [serverFlagId] });

    // Handled through the merged-in flag's own id: the lead follows, and the dashboard hears
    // of it under the lead's id (the alert it shows).
    const assign = await f.proctor.post(`/api/flags/${serverFlagId}/assign`);
    expect(assign.status, JSON.stringify(assign.body)).toBe(200);
    const assigned = await server.instance.database.db
      .select({ id: flags.id, to: flags.assignedTo })
      .from(flags)
      .where(inArray(flags.id, [first!.flag.id, serverFlagId]));
    expect(assigned.map((r) => r.to)).toEqual([f.proctor.userId, f.proctor.userId]);
    const update = await feed.waitFor(
      (m) => m.topic === 'alert.updated' && m.data.assignedTo?.id === f.proctor.userId,
    );
    expect(update.topic === 'alert.updated' && update.data.flagId).toBe(first?.flag.id);
    const [assignAudit] = await server.instance.database.db
      .select({ data: auditLog.data })
      .from(auditLog)
      .where(and(eq(auditLog.action, 'alert.assign'), eq(auditLog.entityId, serverFlagId)));
    expect(assignAudit?.data).toMatchObject({ related: [first!.flag.id] });
    await feed.close();
  });
});
