import { readFileSync } from 'node:fs';
import { and, asc, count, eq, gte, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalysisStatus } from '@invigil/contracts';
import type { NodeAnalysis } from '@invigil/detection/node';
import { WorkerPoolDetector } from '../src/adapters/worker-pool.detector.js';
import type { PriorityOutcome } from '../src/adapters/thread-priority.js';
import type { WorkerIdentity } from '../src/adapters/worker-lane.js';
import { analysisJobs, jobs, sessionEvents } from '../src/db/schema.js';
import type { Detector } from '../src/ports/detector.port.js';
import { inProgress } from './helpers/check-in.js';
import { eventually } from './helpers/eventually.js';
import { oneFaceAnalysis } from './helpers/fake-analysis.js';
import { expectError } from './helpers/matrix-errors.js';
import { jpegBytes } from './helpers/media-bytes.js';
import { putSnapshot } from './helpers/recording.js';
import { toSamplePoint } from './helpers/sampling.js';
import { requestEngines, startTestServer, type TestServer } from './helpers/test-server.js';

/** A Detector answering "one face"; while `held`, each call waits until the test opens it. */
class HeldDetector implements Detector {
  held = false;
  private readonly waiting: (() => void)[] = [];

  async analyze(): Promise<NodeAnalysis> {
    if (this.held) await new Promise<void>((resolve) => this.waiting.push(resolve));
    return oneFaceAnalysis('held');
  }

  get pending(): number {
    return this.waiting.length;
  }

  open(): void {
    this.held = false;
    for (const release of this.waiting.splice(0)) release();
  }

  async close(): Promise<void> {
    this.open();
  }
}

const INTERVAL_S = 10;
const policy = { serverAnalysisSeconds: INTERVAL_S, facePhotoCheck: false };

describe.each(requestEngines())('GET /api/system/analysis on %s', (engine) => {
  let server: TestServer;
  const detector = new HeldDetector();
  const db = () => server.instance.database.db;

  beforeAll(async () => {
    server = await startTestServer(
      engine,
      {
        detection: {
          enabled: true,
          workers: 2,
          nice: 7,
          pollMs: 200,
          // One routine sample may wait per session: the rest are shed, and counted.
          queueBounds: { perSession: 1, total: 1000 },
        },
      },
      { detector },
    );
  });
  afterAll(async () => {
    detector.open();
    await server?.close();
  });

  /** Jobs that ended as `status` within the endpoint's window, counted straight from the table. */
  const endedRecently = async (status: string) => {
    const since = new Date(server.clock.now().getTime() - 60_000);
    const [row] = await db()
      .select({ n: count() })
      .from(analysisJobs)
      .where(and(eq(analysisJobs.status, status), gte(analysisJobs.updatedAt, since)));
    return row?.n ?? 0;
  };

  it('is for admins only', async () => {
    for (const role of ['student', 'proctor', 'instructor'] as const) {
      const client = await server.signedIn(role);
      expectError(await client.get('/api/system/analysis'), 403, 'FORBIDDEN');
    }
    expectError(await server.anonymous().get('/api/system/analysis'), 401, 'UNAUTHENTICATED');
  });

  it('reports the queue while analysis is behind, then the throughput once it caught up', async () => {
    const admin = await server.signedIn('admin');
    detector.held = true;
    const f = await inProgress(server, policy);
    // The identity photos are queued at check-in: both workers take one and hold it.
    await eventually(() => expect(detector.pending).toBe(2));

    // One webcam snapshot in each of six sampling buckets: routine samples, beyond the
    // per-session bound of one waiting, are shed.
    await toSamplePoint(server, f.sessionId);
    for (let seq = 0; seq < 6; seq++) {
      const res = await putSnapshot(f.student, f.sessionId, 'webcam', seq, jpegBytes(`s${seq}`), {
        takenMs: server.clock.now().getTime(),
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      server.clock.advance(INTERVAL_S * 1000);
    }

    const behind = await admin.get('/api/system/analysis');
    expect(behind.status, JSON.stringify(behind.body)).toBe(200);
    const b = behind.body as AnalysisStatus;
    console.log('while held:', JSON.stringify(b));
    expect(b).toMatchObject({ enabled: true, workers: 2, nice: 7, windowSeconds: 60 });
    expect(b.running).toBe(2);
    expect(b.queued.byReason.sample).toBe(1);
    expect(b.queued.total).toBe(
      b.queued.byReason.sample + b.queued.byReason.client_report + b.queued.byReason.enrolment,
    );
    expect(b.oldestQueuedSeconds).not.toBeNull();
    expect(b.shed).toBe(await endedRecently('shed'));
    // What was shed is on record as detect.shed, as many snapshots as jobs.
    const shedEvents = await db()
      .select({ data: sessionEvents.data })
      .from(sessionEvents)
      .where(and(eq(sessionEvents.sessionId, f.sessionId), eq(sessionEvents.type, 'detect.shed')));
    const shedTotal = shedEvents.reduce((n, e) => n + (e.data as { count: number }).count, 0);
    expect(shedTotal).toBeGreaterThan(0);

    detector.open();
    await eventually(async () => {
      const res = await admin.get('/api/system/analysis');
      expect(res.body.queued.total + res.body.running).toBe(0);
    });
    const caught = (await admin.get('/api/system/analysis')).body as AnalysisStatus;
    console.log('caught up:', JSON.stringify(caught));
    const analysed = await endedRecently('done');
    expect(analysed).toBeGreaterThanOrEqual(3); // two identity photos and the waiting sample
    expect(caught.analysed).toBe(analysed);
    expect(caught.failed).toBe(await endedRecently('failed'));
    expect(caught.analysedPerSecond).toBeCloseTo(analysed / 60, 3);
    expect(caught.analysedPerSecondPerWorker).toBeCloseTo(analysed / 60 / 2, 3);
    expect(caught.oldestQueuedSeconds).toBeNull();

    // A minute later the window is empty again.
    server.clock.advance(61_000);
    const later = (await admin.get('/api/system/analysis')).body as AnalysisStatus;
    expect(later).toMatchObject({ analysed: 0, shed: 0, failed: 0, analysedPerSecond: 0 });
  });

  it('runs detections before any routine sample, even of a session served more recently', async () => {
    detector.held = true;
    const a = await inProgress(server, policy);
    const b = await inProgress(server, policy);
    // The four identity photos: two held by the workers, then the other two.
    await eventually(() => expect(detector.pending).toBe(2));
    detector.open();
    await eventually(async () => {
      const busy = await db()
        .select({ n: count() })
        .from(analysisJobs)
        .where(eq(analysisJobs.status, 'queued'));
      expect(busy[0]?.n).toBe(0);
    });
    await eventually(() => expect(detector.pending).toBe(0));

    // Both workers busy with two of A's samples; a third sample of A waits.
    detector.held = true;
    let seq = 0;
    const shot = async (f: typeof a, takenMs = server.clock.now().getTime()) => {
      const res = await putSnapshot(f.student, f.sessionId, 'webcam', seq, jpegBytes(`p${seq}`), {
        takenMs,
      });
      seq += 1;
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    };
    for (let i = 0; i < 3; i++) {
      await toSamplePoint(server, a.sessionId);
      await shot(a);
    }
    await eventually(() => expect(detector.pending).toBe(2));
    // B reports a phone: its two snapshots around it are client reports.
    const at = server.clock.now().getTime();
    const phone = { detector: 'phone', active: true, confidence: 0.9, model: 'm' };
    const reported = await b.student.post(`/api/sessions/${b.sessionId}/events`, {
      events: [{ seq: 1, type: 'detect.state', at, data: phone }],
    });
    expect(reported.status, JSON.stringify(reported.body)).toBe(200);
    await shot(b, at);
    await shot(b, at + 500);

    // The waiting jobs in the order the job queue takes them (no worker is free): B's reports
    // first, though A's sample waited longer.
    const waiting = await db()
      .select({ sessionId: analysisJobs.sessionId, reason: analysisJobs.reason })
      .from(jobs)
      .innerJoin(
        analysisJobs,
        sql`${analysisJobs.id} = (${jobs.payload}->>'analysisJobId')::bigint`,
      )
      .where(and(eq(jobs.type, 'analysis.snapshot'), eq(jobs.status, 'waiting')))
      .orderBy(asc(jobs.priority), asc(jobs.runAt), asc(jobs.id));
    expect(waiting).toEqual([
      { sessionId: b.sessionId, reason: 'client_report' },
      { sessionId: b.sessionId, reason: 'client_report' },
      { sessionId: a.sessionId, reason: 'sample' },
    ]);
    detector.open();
  });
});

/** The nice value of thread `tid` of this process (field 19 of its stat). */
function niceOf(tid: number): number {
  const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
}

describe.skipIf(process.platform !== 'linux')('detector worker priority', () => {
  it('lowers the worker thread’s priority, not the main thread’s', async () => {
    const before = niceOf(process.pid);
    const outcomes: PriorityOutcome[] = [];
    const pool = new WorkerPoolDetector({ size: 1, nice: 5, onPriority: (o) => outcomes.push(o) });
    // Starting a worker is enough: it lowers its priority before loading the models.
    const request = pool.analyze(new Uint8Array([1])).catch(() => undefined);
    await eventually(() => expect(outcomes).toHaveLength(1));
    const outcome = outcomes[0];
    if (!outcome?.applied) throw new Error(`not applied: ${JSON.stringify(outcome)}`);
    expect(outcome.nice).toBe(5);
    expect(niceOf(outcome.tid)).toBe(5);
    expect(niceOf(process.pid)).toBe(before);
    await pool.close();
    await request;
  });

  it('leaves the interactive worker thread at the main thread’s priority', async () => {
    const before = niceOf(process.pid);
    const started: { outcome: PriorityOutcome; worker: WorkerIdentity }[] = [];
    const pool = new WorkerPoolDetector({
      size: 1,
      nice: 5,
      onPriority: (outcome, worker) => started.push({ outcome, worker }),
    });
    const requests = [
      pool.analyze(new Uint8Array([1])),
      pool.analyze(new Uint8Array([1]), {}, 'interactive'),
    ].map((r) => r.catch(() => undefined));
    await eventually(() => expect(started).toHaveLength(2));
    const lane = (name: string) => started.find((s) => s.worker.lane === name);
    const background = lane('background');
    const interactive = lane('interactive');
    expect(background?.outcome).toMatchObject({ applied: true, nice: 5 });
    expect(interactive?.outcome).toMatchObject({ applied: false, nice: 0 });
    const [bgTid, itTid] = [background?.worker.tid, interactive?.worker.tid];
    if (!bgTid || !itTid) throw new Error(`no thread ids: ${JSON.stringify(started)}`);
    expect(itTid).not.toBe(bgTid);
    expect(niceOf(bgTid)).toBe(5);
    expect(niceOf(itTid)).toBe(before);
    await pool.close();
    await Promise.all(requests);
  });
});
