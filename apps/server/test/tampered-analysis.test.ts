import { createHash } from 'node:crypto';
import { and, asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NodeAnalysis } from '@invigil/detection/node';
import { analysisJobs, sessionEvents, snapshots } from '../src/db/schema.js';
import type { Detector } from '../src/ports/detector.port.js';
import { AnalysisQueue } from '../src/services/detection/analysis-queue.js';
import {
  bucketStartMs,
  sampleBucket,
  samplePointMs,
} from '../src/services/detection/analysis-sampling.js';
import { loadSampling } from '../src/services/detection/analysis-scheduler.js';
import { loadSamplingKey } from '../src/services/detection/sampling-key.js';
import { inProgress } from './helpers/check-in.js';
import { eventually } from './helpers/eventually.js';
import { oneFaceAnalysis } from './helpers/fake-analysis.js';
import { jpegBytes } from './helpers/media-bytes.js';
import { putSnapshot } from './helpers/recording.js';
import { requestEngines, startTestServer, type TestServer } from './helpers/test-server.js';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/**
 * A Detector that answers "one face" at once, or — while `held` — keeps each call waiting
 * until the test releases it, so a test decides when analysis makes progress. It records
 * the SHA-256 of every image it was given, in order.
 */
class HeldDetector implements Detector {
  held = false;
  readonly calls: string[] = [];
  private readonly waiting: (() => void)[] = [];

  async analyze(bytes: Uint8Array): Promise<NodeAnalysis> {
    this.calls.push(sha(bytes));
    if (this.held) await new Promise<void>((resolve) => this.waiting.push(resolve));
    return oneFaceAnalysis('held');
  }

  /** Calls waiting for a release. */
  get pending(): number {
    return this.waiting.length;
  }

  /** Let the oldest waiting call finish. */
  releaseOne(): void {
    this.waiting.shift()?.();
  }

  /** Stop holding and let every waiting call finish. */
  open(): void {
    this.held = false;
    while (this.waiting.length > 0) this.releaseOne();
  }

  async close(): Promise<void> {
    this.open();
  }
}

const INTERVAL_S = 10;
const PER_SESSION = 3;

describe.each(requestEngines())('analysis a tampered client cannot steer, on %s', (engine) => {
  let server: TestServer;
  const detector = new HeldDetector();
  const db = () => server.instance.database.db;

  beforeAll(async () => {
    server = await startTestServer(
      engine,
      {
        detection: {
          enabled: true,
          workers: 1,
          pollMs: 200,
          queueBounds: { perSession: PER_SESSION, total: 1000 },
        },
      },
      { detector },
    );
  });
  afterAll(async () => {
    detector.open();
    await server?.close();
  });

  // The face photo check asks the same (held) detector; these tests are about the queue.
  const policy = { serverAnalysisSeconds: INTERVAL_S, facePhotoCheck: false };

  /** Every analysis job of a session with its snapshot, oldest first. */
  const jobsOf = (sessionId: string) =>
    db()
      .select({
        id: analysisJobs.id,
        reason: analysisJobs.reason,
        status: analysisJobs.status,
        bucket: analysisJobs.sampleBucket,
        kind: snapshots.kind,
        seq: snapshots.seq,
      })
      .from(analysisJobs)
      .innerJoin(snapshots, eq(snapshots.id, analysisJobs.snapshotId))
      .where(eq(analysisJobs.sessionId, sessionId))
      .orderBy(asc(analysisJobs.id));

  const serverEvents = async (sessionId: string, type: string) =>
    db()
      .select({ data: sessionEvents.data })
      .from(sessionEvents)
      .where(
        and(
          eq(sessionEvents.sessionId, sessionId),
          eq(sessionEvents.source, 'server'),
          eq(sessionEvents.type, type),
        ),
      );

  const settled = () =>
    eventually(async () => {
      const busy = (await db().select({ status: analysisJobs.status }).from(analysisJobs)).filter(
        (j) => j.status === 'queued' || j.status === 'running',
      );
      expect(busy).toEqual([]);
    }, 30_000);

  /** What the server must have sampled, computed from receive times and its secret key. */
  async function expectedSamples(sessionId: string): Promise<Map<number, number>> {
    const secret = await loadSamplingKey(db());
    const { origin } = (await loadSampling(db(), sessionId))!;
    const webcam = await db()
      .select({ seq: snapshots.seq, receivedAt: snapshots.receivedAt })
      .from(snapshots)
      .where(and(eq(snapshots.sessionId, sessionId), eq(snapshots.kind, 'webcam')))
      .orderBy(asc(snapshots.receivedAt));
    const ms = INTERVAL_S * 1000;
    const byBucket = new Map<number, { seq: number; at: number }[]>();
    for (const w of webcam) {
      const b = sampleBucket(w.receivedAt.getTime(), origin, ms);
      byBucket.set(b, [...(byBucket.get(b) ?? []), { seq: w.seq, at: w.receivedAt.getTime() }]);
    }
    const last = Math.max(...byBucket.keys());
    const expected = new Map<number, number>();
    for (const [b, list] of byBucket) {
      const point = samplePointMs(secret, sessionId, b, origin, ms);
      const first = list.find((w) => w.at >= point);
      // A bucket that ended with nothing after its sample point gives its last snapshot,
      // once a later snapshot shows it is over.
      if (first) expected.set(b, first.seq);
      else if (b < last) expected.set(b, list.at(-1)!.seq);
      expect(bucketStartMs(b, origin, ms)).toBeLessThanOrEqual(list[0]!.at);
    }
    return expected;
  }

  it('samples one snapshot per server-time bucket at a secret offset, whatever the client dates them', async () => {
    detector.open();
    const back = await inProgress(server, policy);
    const forward = await inProgress(server, policy);
    const dated = {
      [back.sessionId]: server.clock.now().getTime() - 10 * 60_000,
      [forward.sessionId]: server.clock.now().getTime() + 10 * 60_000,
    };
    // 80 s of server time, a snapshot every 2 s, each claiming the same moment.
    for (let seq = 0; seq < 40; seq++) {
      server.clock.advance(2000);
      for (const f of [back, forward]) {
        const res = await putSnapshot(
          f.student,
          f.sessionId,
          'webcam',
          seq,
          jpegBytes(`${f.sessionId} ${seq}`),
          { takenMs: dated[f.sessionId] },
        );
        expect(res.status, JSON.stringify(res.body)).toBe(201);
      }
    }
    await settled();

    const positions = new Set<number>();
    for (const f of [back, forward]) {
      const samples = (await jobsOf(f.sessionId)).filter((j) => j.reason === 'sample');
      const chosen = new Map(samples.map((j) => [Number(j.bucket), j.seq]));
      // One per bucket of server time (buckets 0…7 are over), not one for the single
      // bucket the client's dates fall into.
      for (let b = 0; b < 8; b++) expect(chosen.has(b), `bucket ${b}`).toBe(true);
      expect(samples).toHaveLength(chosen.size);
      // Exactly the snapshots the server's keyed offsets pick from receive times.
      const expected = await expectedSamples(f.sessionId);
      for (const [b, seq] of chosen) expect(seq, `bucket ${b}`).toBe(expected.get(b));
      // Which of a bucket's five snapshots is taken varies between buckets and sessions.
      for (const [b, seq] of chosen) if (b > 0 && b < 8) positions.add(seq % 5);
    }
    expect(positions.size).toBeGreaterThan(1);

    // The key behind the offsets never reaches the student; nor do the server's detect.* events.
    const secret = (await loadSamplingKey(db())).toString('base64');
    for (const path of [
      `/api/sessions/${back.sessionId}`,
      `/api/sessions/${back.sessionId}/events`,
      `/api/sessions/${back.sessionId}/recording`,
      `/api/exams/${back.examId}`,
    ]) {
      const res = await back.student.get(path);
      expect(res.status, path).toBeLessThan(500);
      const text = JSON.stringify(res.body);
      expect(text, path).not.toContain(secret);
      expect(text, path).not.toMatch(/sampleBucket|sample_bucket|sampling_key/);
    }
    const own = await back.student.get(`/api/sessions/${back.sessionId}/events`);
    expect((own.body as { type: string }[]).filter((e) => e.type.startsWith('detect.'))).toEqual(
      [],
    );
  });

  it('caps what a flood of detections can ask for, and records what it refused', async () => {
    detector.open();
    const f = await inProgress(server, policy);
    const at = server.clock.now().getTime();
    const phone = { detector: 'phone', active: true, confidence: 0.9, model: 'm' };
    await f.student.post(`/api/sessions/${f.sessionId}/events`, {
      events: [{ seq: 1, type: 'detect.state', at, data: phone }],
    });
    // Fifty snapshots near the detection, uploaded at once: more than the session has earned
    // (30 at the start, one more per 2 s).
    for (let seq = 0; seq < 50; seq++) {
      const bytes = jpegBytes(`${f.sessionId} ${seq}`);
      const res = await putSnapshot(f.student, f.sessionId, 'webcam', seq, bytes, {
        takenMs: at + seq * 100,
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    }
    const webcam = (await jobsOf(f.sessionId)).filter((j) => j.kind === 'webcam');
    expect(webcam.every((j) => j.reason === 'client_report')).toBe(true);
    expect(webcam.length).toBeGreaterThanOrEqual(30);
    expect(webcam.length).toBeLessThan(50);
    const skipped = (await serverEvents(f.sessionId, 'detect.skipped')).map(
      (e) => e.data as { reason: string; jobReason: string; count: number; snapshotSeqs: number[] },
    );
    expect(skipped.every((e) => e.reason === 'budget' && e.jobReason === 'client_report')).toBe(
      true,
    );
    const refused = skipped.flatMap((e) => e.snapshotSeqs).sort((a, b) => a - b);
    const analysed = new Set(webcam.map((j) => j.seq));
    expect(refused).toEqual(
      Array.from({ length: 50 }, (_, i) => i).filter((seq) => !analysed.has(seq)),
    );
    expect(skipped.reduce((n, e) => n + e.count, 0)).toBe(50 - webcam.length);
    // The identity photos of check-in were analysed, outside what the detections used.
    expect((await jobsOf(f.sessionId)).filter((j) => j.reason === 'enrolment')).not.toEqual([]);
    await settled();
  });

  it('analyses a quiet session on time while another floods the queue, and sheds only the flood’s routine samples', async () => {
    detector.held = true;
    const flood = await inProgress(server, policy);
    const quiet = await inProgress(server, policy);
    // The flood's identity photo is in the detector; everything else now waits behind it.
    await eventually(() => expect(detector.pending).toBe(1));

    let seq = 0;
    /** The flood's next webcam snapshot, dated `takenMs`. */
    const floodShot = async (takenMs: number) => {
      const res = await putSnapshot(
        flood.student,
        flood.sessionId,
        'webcam',
        seq,
        jpegBytes(`${flood.sessionId} ${seq++}`),
        { takenMs },
      );
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    };
    // Routine samples: one snapshot in each of 12 server-time buckets.
    for (let i = 0; i < 12; i++) {
      server.clock.advance(INTERVAL_S * 1000);
      await floodShot(server.clock.now().getTime());
    }
    // Then, half a minute later, a detection and fifteen snapshots around it: each must be
    // analysed.
    server.clock.advance(30_000);
    const at = server.clock.now().getTime();
    const phone = { detector: 'phone', active: true, confidence: 0.9, model: 'm' };
    const detected = await flood.student.post(`/api/sessions/${flood.sessionId}/events`, {
      events: [{ seq: 1, type: 'detect.state', at, data: phone }],
    });
    expect(detected.status, JSON.stringify(detected.body)).toBe(200);
    for (let i = 0; i < 15; i++) await floodShot(at + i * 500);
    // The quiet session reports one detection with one snapshot.
    const quietAt = server.clock.now().getTime();
    await quiet.student.post(`/api/sessions/${quiet.sessionId}/events`, {
      events: [{ seq: 1, type: 'detect.state', at: quietAt, data: phone }],
    });
    const quietBytes = jpegBytes(`${quiet.sessionId} the one`);
    expect(
      (
        await putSnapshot(quiet.student, quiet.sessionId, 'webcam', 0, quietBytes, {
          takenMs: quietAt,
        })
      ).status,
    ).toBe(201);

    // The queue stayed bounded: the flood's oldest routine samples were shed and recorded.
    const floodJobs = await jobsOf(flood.sessionId);
    const shed = floodJobs.filter((j) => j.status === 'shed');
    expect(shed.length).toBeGreaterThan(0);
    expect(shed.every((j) => j.reason === 'sample')).toBe(true);
    const queuedSamples = floodJobs.filter((j) => j.status === 'queued' && j.reason === 'sample');
    expect(queuedSamples.length).toBeLessThanOrEqual(PER_SESSION);
    expect(
      floodJobs.filter((j) => j.reason === 'client_report' && j.status === 'queued'),
    ).toHaveLength(15);
    const shedEvents = (await serverEvents(flood.sessionId, 'detect.shed')).map(
      (e) => e.data as { bound: string; count: number; snapshotSeqs: number[] },
    );
    expect(shedEvents.every((e) => e.bound === 'session')).toBe(true);
    expect(shedEvents.flatMap((e) => e.snapshotSeqs).sort((a, b) => a - b)).toEqual(
      shed.map((j) => j.seq).sort((a, b) => a - b),
    );
    expect(shedEvents.reduce((n, e) => n + e.count, 0)).toBe(shed.length);
    expect(await serverEvents(quiet.sessionId, 'detect.shed')).toEqual([]);
    // Shedding is the server's business, not the student's.
    const own = await flood.student.get(`/api/sessions/${flood.sessionId}/events`);
    expect(JSON.stringify(own.body)).not.toContain('detect.shed');

    // Work the queue one analysis at a time until the quiet session's snapshot comes up.
    const quietSha = sha(quietBytes);
    for (let turn = 0; !detector.calls.includes(quietSha); turn++) {
      // Round-robin: identity photos of both sessions, then turn by turn; a few calls at most.
      expect(turn, 'the quiet session waited behind the flood').toBeLessThan(10);
      detector.releaseOne();
      await eventually(() => expect(detector.pending).toBe(1));
    }
    detector.releaseOne();
    await eventually(async () =>
      expect(await serverEvents(quiet.sessionId, 'detect.analysis')).toHaveLength(1),
    );
    // Done while most of the flood's backlog still waits.
    const waiting = (await jobsOf(flood.sessionId)).filter((j) => j.status === 'queued');
    expect(waiting.length).toBeGreaterThanOrEqual(12);

    detector.open();
    await settled();
    const after = await jobsOf(flood.sessionId);
    expect(after.filter((j) => j.reason !== 'sample' && j.status !== 'done')).toEqual([]);
  });

  it('over the server-wide bound, sheds the fullest session’s samples first, never detections', async () => {
    detector.held = true;
    const busy = await inProgress(server, policy);
    const calm = await inProgress(server, policy);
    await eventually(() => expect(detector.pending).toBe(1));
    const seqs = new Map<string, number>();
    const upload = async (f: typeof busy, takenMs: number) => {
      const seq = seqs.get(f.sessionId) ?? 0;
      seqs.set(f.sessionId, seq + 1);
      const bytes = jpegBytes(`${f.sessionId} ${seq}`);
      const res = await putSnapshot(f.student, f.sessionId, 'webcam', seq, bytes, { takenMs });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    };
    // One snapshot in each of five buckets: at least four samples, kept to three.
    for (let i = 0; i < 5; i++) {
      server.clock.advance(INTERVAL_S * 1000);
      await upload(calm, server.clock.now().getTime());
      await upload(busy, server.clock.now().getTime());
    }
    server.clock.advance(30_000);
    const at = server.clock.now().getTime();
    const phone = { detector: 'phone', active: true, confidence: 1, model: 'm' };
    await busy.student.post(`/api/sessions/${busy.sessionId}/events`, {
      events: [{ seq: 1, type: 'detect.state', at, data: phone }],
    });
    for (let i = 0; i < 6; i++) await upload(busy, at + i * 100);
    const queuedOf = async (f: typeof busy) =>
      (await jobsOf(f.sessionId)).filter((j) => j.status === 'queued');
    expect((await queuedOf(busy)).filter((j) => j.reason === 'sample')).toHaveLength(3);
    const queuedNow = [...(await queuedOf(busy)), ...(await queuedOf(calm))];
    const total = queuedNow.length;
    const protectedJobs = queuedNow.filter((j) => j.reason !== 'sample').length;

    // Three over the bound: the busy session (most waiting) gives up its three samples.
    const queue = new AnalysisQueue(db(), server.instance.jobs);
    const groups = await queue.shed({ perSession: 100, total: total - 3 }, server.clock.now(), () =>
      Promise.resolve(),
    );
    expect(groups).toEqual([
      { sessionId: busy.sessionId, bound: 'server', snapshotSeqs: expect.any(Array) },
    ]);
    expect(groups[0]!.snapshotSeqs).toHaveLength(3);
    const busyLeft = await queuedOf(busy);
    expect(busyLeft.filter((j) => j.reason === 'sample')).toEqual([]);
    expect(busyLeft.filter((j) => j.reason === 'client_report')).toHaveLength(6);
    expect((await queuedOf(calm)).filter((j) => j.reason === 'sample').length).toBeGreaterThan(0);

    // Even a bound of zero sheds only routine samples: detections and identity photos stay.
    await queue.shed({ perSession: 100, total: 0 }, server.clock.now(), () => Promise.resolve());
    const left = [...(await jobsOf(busy.sessionId)), ...(await jobsOf(calm.sessionId))];
    expect(left.filter((j) => j.status === 'queued' && j.reason === 'sample')).toEqual([]);
    expect(left.filter((j) => j.reason !== 'sample' && j.status === 'shed')).toEqual([]);
    expect(left.filter((j) => j.reason !== 'sample' && j.status === 'queued')).toHaveLength(
      protectedJobs,
    );
    detector.open();
    await settled();
  });
});
