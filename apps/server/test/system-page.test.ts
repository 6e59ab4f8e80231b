import { count, eq, sum } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SystemJobs, SystemOverview } from '@invigil/contracts';
import { systemSamples } from '../src/db/schema.js';
import { inProgress } from './helpers/check-in.js';
import { addDeadJob } from './helpers/dead-job.js';
import { eventually } from './helpers/eventually.js';
import { expectError, expectValidationDetails } from './helpers/matrix-errors.js';
import { webmBytes } from './helpers/media-bytes.js';
import { putSegment } from './helpers/recording.js';
import { requestEngines, startTestServer, type TestServer } from './helpers/test-server.js';

/** Samples every 100 ms instead of 15 s, so a test sees them without waiting. */
const SAMPLE_MS = 100;

const present = (series: (number | null)[]) => series.filter((v): v is number => v !== null);

describe.each(requestEngines())('the System page’s API on %s', (engine) => {
  let server: TestServer;
  let admin: Awaited<ReturnType<TestServer['signedIn']>>;
  const db = () => server.instance.database.db;

  beforeAll(async () => {
    server = await startTestServer(engine, { metrics: { sampleMs: SAMPLE_MS } });
    admin = await server.signedIn('admin');
  });
  afterAll(async () => server?.close());

  const overview = async (minutes = 15): Promise<SystemOverview> => {
    const res = await admin.get(`/api/system/overview?minutes=${minutes}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body as SystemOverview;
  };

  it('charts an upload from the samples: ingest, attempts in progress, HTTP, queues, disk', async () => {
    const f = await inProgress(server);
    const bytes = webmBytes('system page segment');
    const put = await putSegment(f.student, f.sessionId, 'webcam', 0, bytes, {
      startMs: server.clock.now().getTime(),
    });
    expect(put.status, JSON.stringify(put.body)).toBe(201);
    const missing = await admin.get('/api/exams/00000000-0000-4000-8000-000000000000');
    expect(missing.status).toBe(404);

    const seen = await eventually(async () => {
      const o = await overview();
      const ingested = present(o.series.ingestBytesPerSecond).filter((v) => v > 0);
      const errors4xx = present(o.series.http4xxPerSecond).filter((v) => v > 0);
      const active = present(o.series.activeSessions);
      if (ingested.length === 0 || errors4xx.length === 0 || !active.includes(1)) {
        throw new Error(`not charted yet: ${JSON.stringify(o.series)}`);
      }
      return o;
    });
    expect(seen.minutes).toBe(15);
    expect(seen.bucketSeconds).toBe(15);
    expect(seen.times).toHaveLength(60);
    expect(seen.processes).toBe(1);
    expect(seen.latestSampleAt).not.toBeNull();
    expect(present(seen.series.ingestItemsPerSecond).some((v) => v > 0)).toBe(true);
    expect(present(seen.series.httpRequestsPerSecond).some((v) => v > 0)).toBe(true);
    // Every job type of the queue, each with a value where sampled.
    expect(seen.queues.map((q) => `${q.source} ${q.type}`)).toEqual([
      'queue analysis.snapshot',
      'queue identity.enrolment',
      'queue lti.grade',
      'queue notification.delivery',
      'queue privacy.export',
      'queue recording.check',
    ]);
    for (const q of seen.queues) expect(present(q.depth).length).toBeGreaterThan(0);
    // Blobs are on local disk in tests: its free space is sampled.
    const free = present(seen.series.blobFreeBytes);
    expect(free.length).toBeGreaterThan(0);
    expect(free.every((v) => v > 0)).toBe(true);
    // Each byte is in exactly one sample: another segment adds its size to the stored deltas.
    const storedBytes = async () =>
      Number(
        (
          await db()
            .select({ n: sum(systemSamples.ingestBytes) })
            .from(systemSamples)
        )[0]?.n,
      );
    const before = await storedBytes();
    const more = webmBytes('system page segment two, a little longer');
    const second = await putSegment(f.student, f.sessionId, 'webcam', 1, more, {
      startMs: server.clock.now().getTime(),
    });
    expect(second.status, JSON.stringify(second.body)).toBe(201);
    await eventually(async () => expect((await storedBytes()) - before).toBe(more.length));

    const [stored] = await db().select({ n: count() }).from(systemSamples);
    expect(Number(stored?.n)).toBeGreaterThan(0);
    const [row] = await db().select().from(systemSamples).limit(1);
    expect(row?.process).toMatch(/^.+:\d+$/);
  });

  it('gives about 240 wider buckets for 24 hours', async () => {
    const o = await overview(1440);
    expect(o.bucketSeconds).toBe(360);
    expect(o.times).toHaveLength(240);
    expect(o.times.at(-1)! - o.times[0]!).toBe(239 * 360);
  });

  it('prunes samples older than 25 hours', async () => {
    const old = new Date(server.clock.now().getTime() - 26 * 60 * 60_000);
    await db().insert(systemSamples).values({
      at: old,
      process: 'gone:1',
      intervalMs: 15_000,
      ingestBytes: 0,
      ingestItems: 0,
      httpResponses: {},
      alertsSent: 0,
      alertLatencyBuckets: {},
      alertLatencySumMs: 0,
    });
    await eventually(async () => {
      const [left] = await db()
        .select({ n: count() })
        .from(systemSamples)
        .where(eq(systemSamples.process, 'gone:1'));
      expect(Number(left?.n)).toBe(0);
    });
  });

  it('lists a dead job with its counts, retries it and audits the retry', async () => {
    const dead = await addDeadJob(server.instance.jobs, 'segment 7 unreadable');

    const listed = await admin.get('/api/system/jobs');
    expect(listed.status, JSON.stringify(listed.body)).toBe(200);
    const jobs = listed.body as SystemJobs;
    const letter = jobs.deadLetters.find((d) => d.id === dead.id);
    expect(letter).toMatchObject({
      type: 'recording.check',
      key: null,
      attempts: 1,
      error: expect.stringContaining('segment 7 unreadable'),
      payloadSummary: `sessionId: ${(dead.payload as { sessionId: string }).sessionId}`,
    });
    expect(Date.parse(letter!.diedAt)).toBeGreaterThanOrEqual(Date.parse(letter!.addedAt));
    expect(jobs.types.find((t) => t.type === 'recording.check')?.dead).toBeGreaterThanOrEqual(1);

    const retried = await admin.post(`/api/system/jobs/${encodeURIComponent(dead.id)}/retry`);
    expect(retried.status, JSON.stringify(retried.body)).toBe(200);
    expect(retried.body).toEqual({ ok: true });

    const after = (await admin.get('/api/system/jobs')).body as SystemJobs;
    expect(after.deadLetters.map((d) => d.id)).not.toContain(dead.id);
    const counts = after.types.find((t) => t.type === 'recording.check');
    expect((counts?.waiting ?? 0) + (counts?.delayed ?? 0)).toBeGreaterThanOrEqual(1);

    const audit = await admin.get('/api/audit?limit=20');
    const entry = (
      audit.body as { action: string; actorId: string; entityId: string; data: unknown }[]
    ).find((e) => e.action === 'job.retry' && e.entityId === dead.id);
    expect(entry).toMatchObject({
      actorId: admin.userId,
      data: { type: 'recording.check', attempts: 1 },
    });

    // Retrying it again: it is no longer dead.
    expectError(
      await admin.post(`/api/system/jobs/${encodeURIComponent(dead.id)}/retry`),
      404,
      'NOT_FOUND',
    );
    expectError(
      await admin.post(`/api/system/jobs/${encodeURIComponent('recording.check/k-x')}/retry`),
      404,
      'NOT_FOUND',
    );
  });

  it('answers only admins', async () => {
    for (const role of ['student', 'proctor', 'instructor'] as const) {
      const other = await server.signedIn(role);
      expectError(await other.get('/api/system/overview'), 403, 'FORBIDDEN');
      expectError(await other.get('/api/system/jobs'), 403, 'FORBIDDEN');
      expectError(await other.post('/api/system/jobs/1/retry'), 403, 'FORBIDDEN');
    }
    expectError(await server.anonymous().get('/api/system/overview'), 401, 'UNAUTHENTICATED');
  });

  it('refuses a range that is not offered', async () => {
    for (const query of ['minutes=30', 'minutes=abc', 'minutes=60&extra=1', 'minutes=-15']) {
      const details = expectValidationDetails(await admin.get(`/api/system/overview?${query}`));
      expect(details[0]?.path, query).toMatch(/^query/);
    }
    // Without one: the last hour.
    expect((await overview(60)).times).toHaveLength(240);
    const res = await admin.get('/api/system/overview');
    expect(res.status).toBe(200);
    expect((res.body as SystemOverview).minutes).toBe(60);
  });
});
