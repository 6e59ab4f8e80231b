import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import type { LiveMessage, RecordingManifest, SessionEvent } from '@invigil/contracts';
import { cipherSize, DEFAULT_CHUNK_BYTES } from '../src/crypto/chunked-cipher.js';
import { formatMasterKey, generateMasterKey } from '../src/crypto/master-keys.js';
import { BullJobQueue } from '../src/adapters/bullmq.job-queue.js';
import { ENV_SCHEMA } from '../src/config/config.js';
import type { Database } from '../src/db/database.js';
import { openDatabase } from '../src/db/open-database.js';
import { notificationDeliveries } from '../src/db/schema.js';
import { insertUser } from '../src/services/accounts/users.service.js';
import {
  type CephServer,
  cephClient,
  cephSkipReason,
  createBucket,
  startCeph,
} from './helpers/ceph.js';
import { facePhoto } from './helpers/detection-images.js';
import { eventually } from './helpers/eventually.js';
import { buildExam } from './helpers/factories.js';
import { connectLive, type LiveSocket } from './helpers/live-socket.js';
import { webmBytes } from './helpers/media-bytes.js';
import { freePort } from './helpers/postgres.js';
import { parseScrape } from './helpers/prometheus-text.js';
import { getRaw, sha256 } from './helpers/recording.js';
import { CLI_PATH, ServerProcess } from './helpers/server-process.js';
import { type RedisServer, redisSkipReason, startRedis } from './helpers/redis.js';
import {
  FreshConnectionClient,
  type RoundRobinProxy,
  startRoundRobinProxy,
} from './helpers/round-robin-proxy.js';
import { createPgDatabase, TEST_PASSWORD } from './helpers/test-server.js';

/** Why this file cannot run here (printed), or null. Under CI=true a missing server fails. */
function skipReason(): string | null {
  const missing = redisSkipReason() ?? cephSkipReason();
  if (missing) return missing;
  if (inject('postgresAdminUrl')) return null;
  const reason = 'PostgreSQL is not installed (apt-get install postgresql)';
  if (process.env.CI === 'true') throw new Error(`${reason}; CI requires the failover tests`);
  console.warn(`\n[skip] failover tests skipped: ${reason}\n`);
  return reason;
}
const skip = skipReason();

/** A webhook receiver that leaves the first call unanswered and answers the others 200. */
async function startHoldingReceiver() {
  const calls: { delivery: string; document: string }[] = [];
  let arrived: (call: { delivery: string }) => void = () => undefined;
  const first = new Promise<{ delivery: string }>((resolve) => (arrived = resolve));
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const call = {
        delivery: String(req.headers['x-invigil-delivery']),
        document: (JSON.parse(body) as { id: string }).id,
      };
      calls.push(call);
      if (calls.length === 1) return arrived(call);
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/invigil`,
    calls,
    first,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** One webcam segment as the browser records it: its slot, client times and bytes. */
interface Segment {
  seq: number;
  startMs: number;
  endMs: number;
  bytes: Buffer;
}

/** How one item went up: every attempt's answer (or network failure) and instance. */
interface Delivered {
  seq: number;
  attempts: { status: number | 'network'; backend?: string | undefined }[];
  duplicate: boolean;
}

/**
 * What the browser's upload queue does with one item: send it until acknowledged (201
 * stored, 200 already stored), with the same seq and bytes every time; a network failure or
 * a 5xx backs off and tries again; any other answer fails the test.
 */
async function uploadUntilAcked(
  client: FreshConnectionClient,
  sessionId: string,
  s: Segment,
): Promise<Delivered> {
  const attempts: Delivered['attempts'] = [];
  const headers = {
    'content-type': 'video/webm',
    'x-sha256': sha256(s.bytes),
    'x-start-ms': String(s.startMs),
    'x-end-ms': String(s.endMs),
  };
  for (let n = 0; n < 20; n++) {
    try {
      const url = `/api/sessions/${sessionId}/media/webcam/${s.seq}`;
      const res = await client.request('PUT', url, s.bytes, headers);
      attempts.push({ status: res.status, backend: client.lastBackend });
      if (res.status === 200 || res.status === 201) {
        return { seq: s.seq, attempts, duplicate: res.body.duplicate as boolean };
      }
      if (res.status < 500)
        throw new Error(`seq ${s.seq}: ${res.status} ${JSON.stringify(res.body)}`);
    } catch (err) {
      if (!(err instanceof Error && 'code' in err)) throw err;
      attempts.push({ status: 'network' });
    }
    await new Promise((r) => setTimeout(r, Math.min(1_000, 100 * 2 ** n)));
  }
  throw new Error(`seq ${s.seq} never acknowledged: ${JSON.stringify(attempts)}`);
}

const BUCKET = 'invigil-failover';

/**
 * A deployment as operators run one: instances A and B (`start --roles=api,ws,ingest`) behind
 * a round-robin load balancer, one `worker` process, and PostgreSQL, Redis (event bus, rate
 * limits, BullMQ) and an S3 bucket (Ceph RGW) that they share. The first test follows work
 * across processes; the others kill a process (SIGKILL, as a crash) in the middle of work and
 * check that nothing a person relies on is lost or done twice. They run in order: A is gone
 * after the second.
 */
describe.skipIf(skip !== null)('failover across server processes', () => {
  const cleanups: (() => Promise<unknown> | void)[] = [];
  const processes: ServerProcess[] = [];
  let redis: RedisServer;
  let ceph: CephServer;
  let s3: S3Client;
  let database: Database;
  let proxy: RoundRobinProxy;
  let env: (own: Record<string, string>) => NodeJS.ProcessEnv;
  let a: ServerProcess;
  let worker: ServerProcess;
  let workerMetricsPort: number;
  let admin: FreshConnectionClient;
  let proctor: FreshConnectionClient & { userId: string };
  let examId: string;

  /** A fresh temporary directory, removed at the end. */
  const tempDir = (prefix: string) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
    chmodSync(dir, 0o755);
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    return dir;
  };
  const launch = async (name: string, args: string[], own: Record<string, string>) => {
    const proc = new ServerProcess(name, args, env(own));
    processes.push(proc);
    cleanups.push(() => proc.stop());
    await proc.started();
    return proc;
  };
  // Whatever ends this process (a crash, the runner's kill), no server outlives it.
  const killAll = () => processes.forEach((p) => p.running && p.child.kill('SIGKILL'));

  /** A user created in the database as `invigil user add` does, signed in through the proxy. */
  const signIn = async (role: 'admin' | 'proctor' | 'student') => {
    const email = `${role}-${randomBytes(4).toString('hex')}@failover.invigil.test`;
    const user = await insertUser(database.db, {
      email,
      name: role,
      role,
      password: TEST_PASSWORD,
    });
    const client = new FreshConnectionClient(proxy.url);
    await client.login(email, TEST_PASSWORD);
    return Object.assign(client, { userId: user.id });
  };

  beforeAll(async () => {
    process.once('exit', killAll);
    cleanups.push(() => void process.off('exit', killAll));
    const pg = await createPgDatabase(inject('postgresAdminUrl'));
    cleanups.push(() => pg.drop());
    redis = await startRedis();
    cleanups.push(() => redis.stop());
    ceph = await startCeph();
    cleanups.push(() => ceph.stop());
    await createBucket(ceph, BUCKET);
    s3 = cephClient(ceph);
    cleanups.push(() => s3.destroy());

    const [portA, portB, portWorker] = [await freePort(), await freePort(), await freePort()];
    workerMetricsPort = await freePort();
    proxy = await startRoundRobinProxy([
      { name: 'A', port: portA },
      { name: 'B', port: portB },
    ]);
    cleanups.push(() => proxy.close());
    const inherited = { ...process.env };
    for (const key of Object.keys(ENV_SCHEMA)) delete inherited[key];
    const shared = {
      NODE_ENV: 'production',
      SEED_DEMO: 'false',
      LOG_LEVEL: 'warn',
      WORKERS: '1',
      PUBLIC_URL: proxy.url,
      TRUST_PROXY: '127.0.0.1',
      DATABASE_URL: pg.url,
      REDIS_URL: redis.url,
      QUEUE: 'bullmq',
      BLOB_STORE: 's3',
      S3_ENDPOINT: ceph.endpoint,
      S3_REGION: ceph.region,
      S3_BUCKET: BUCKET,
      S3_ACCESS_KEY_ID: ceph.accessKeyId,
      S3_SECRET_ACCESS_KEY: ceph.secretAccessKey,
      // One master key for the deployment: every process reads what any other encrypted.
      MASTER_KEY: formatMasterKey(generateMasterKey('failover')),
      AUDIT_KEY: formatMasterKey(generateMasterKey('failover')),
      // Background work at test speed: a dead worker's job is taken over within seconds.
      JOB_LEASE_SECONDS: '2',
      NOTIFICATION_POLL_SECONDS: '1',
      ANALYSIS_POLL_SECONDS: '1',
      ANALYSIS_CPU_LIMIT_PERCENT: '100',
      DETECTION_NICE: '0',
      FLAG_SWEEP_SECONDS: '1',
    };
    env = (own) => ({ ...inherited, ...shared, DATA_DIR: tempDir('invigil-failover-'), ...own });

    const migrated = spawnSync(process.execPath, [CLI_PATH, 'migrate'], {
      env: env({}),
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(migrated.status, migrated.stderr).toBe(0);
    database = await openDatabase({ kind: 'postgres', url: pg.url, poolSize: 2 });
    cleanups.push(() => database.close());

    const front = ['start', '--roles=api,ws,ingest'];
    [a, , worker] = await Promise.all([
      launch('A', front, { PORT: String(portA) }),
      launch('B', front, { PORT: String(portB) }),
      launch('worker', ['worker'], {
        PORT: String(portWorker),
        METRICS_PORT: String(workerMetricsPort),
      }),
    ]);
    await proxy.waitUp(['A', 'B']);

    admin = await signIn('admin');
    proctor = await signIn('proctor');
    const policy = {
      screen: false,
      identityCheck: false,
      facePhotoCheck: false,
      // The worker analyses only what the browser reports, not routine samples.
      serverAnalysisSeconds: 0,
      segmentSeconds: 2,
    };
    const exam = await admin.post('/api/exams', buildExam({ policy }));
    expect(exam.status, JSON.stringify(exam.body)).toBe(201);
    examId = exam.body.id as string;
    const staff = await admin.put(`/api/exams/${examId}/staff/${proctor.userId}`, {
      role: 'proctor',
    });
    expect(staff.status, JSON.stringify(staff.body)).toBe(201);
  }, 180_000);

  afterAll(async () => {
    // Last made, first undone: sockets, then processes, then what they share. Every step runs
    // whatever failed before it; the first failure is reported at the end.
    const failures: unknown[] = [];
    for (const undo of cleanups.reverse()) {
      try {
        await undo();
      } catch (err) {
        failures.push(err);
      }
    }
    if (failures.length > 0) throw failures[0];
  }, 60_000);

  // A failure shows what each process printed (warnings and errors; LOG_LEVEL=warn).
  beforeEach(({ onTestFailed }) =>
    onTestFailed(() => {
      for (const p of processes) console.error(`--- ${p.name}\n${p.output()}`);
    }),
  );

  /** A student of the exam whose attempt is in progress (consent and system check done). */
  async function attempt() {
    const student = await signIn('student');
    const reg = await student.post(`/api/exams/${examId}/registrations`);
    expect(reg.status, JSON.stringify(reg.body)).toBe(201);
    const sessionId = reg.body.sessionId as string;
    const to = (state: string) =>
      student.post(`/api/sessions/${sessionId}/transitions`, { to: state });
    expect((await to('checking_in')).status).toBe(200);
    expect((await student.post(`/api/sessions/${sessionId}/consent`)).status).toBeLessThan(300);
    const check = await student.post(`/api/sessions/${sessionId}/events`, {
      events: [{ seq: 0, type: 'system_check.passed', at: Date.now(), data: {} }],
    });
    expect(check.status, JSON.stringify(check.body)).toBe(200);
    const started = await to('in_progress');
    expect(started.status, JSON.stringify(started.body)).toBe(200);
    return { student, sessionId, to, startedAtMs: Date.parse(started.body.startedAt as string) };
  }

  /** The exam's live feed as the proctor's dashboard opens it, and the instance it is on. */
  async function proctorFeed(): Promise<{ socket: LiveSocket; backend: string }> {
    const socket = await connectLive(proxy.url, proctor, `examId=${examId}`);
    cleanups.push(() => socket.close());
    await socket.untilReady();
    const route = proxy.routes.filter((r) => r.upgrade).at(-1);
    return { socket, backend: route!.backend };
  }

  it('tells proctors on every instance of a flag raised through one, and the worker analyses the reported snapshot', async () => {
    const feeds = [await proctorFeed(), await proctorFeed()];
    // Consecutive connections go to the two instances in turn: one dashboard on each.
    expect(feeds.map((f) => f.backend).sort()).toEqual(['A', 'B']);

    const { student, sessionId } = await attempt();
    const now = Date.now();
    const photo = facePhoto(0);
    const put = await student.request(
      'PUT',
      `/api/sessions/${sessionId}/snapshots/webcam/0`,
      photo,
      {
        'content-type': 'image/jpeg',
        'x-sha256': sha256(photo),
        'x-taken-ms': String(now),
      },
    );
    expect(put.status, JSON.stringify(put.body)).toBe(201);
    // The browser reports no face for 8 s, near that snapshot: a flag, and a reason to check.
    const batch = await student.post(`/api/sessions/${sessionId}/events`, {
      events: [
        {
          seq: 1,
          type: 'detect.state',
          at: now - 8_000,
          data: { detector: 'no_face', active: true, confidence: 0.9, model: 'browser' },
        },
      ],
    });
    expect(batch.status, JSON.stringify(batch.body)).toBe(200);
    const raisedVia = student.lastBackend;

    const isAlert = (m: LiveMessage) =>
      m.topic === 'flag.created' &&
      m.data.flag.sessionId === sessionId &&
      m.data.flag.type === 'no_face';
    const alerts = await Promise.all(feeds.map((f) => f.socket.waitFor(isAlert)));
    // One flag, one stored message, told on both instances: the one that did not take the
    // batch heard of it through Redis.
    expect(alerts[0]!.id).toBe(alerts[1]!.id);
    console.log(`[failover] flag raised via ${raisedVia}; alert seen on A and B`);

    // The worker (the only process with the worker role) analysed the reported snapshot.
    const events = async () =>
      (await proctor.get(`/api/sessions/${sessionId}/events`)).body as SessionEvent[];
    const analysis = await eventually(
      async () => {
        const found = (await events()).find(
          (e) => e.source === 'server' && e.type === 'detect.analysis',
        );
        if (!found) throw new Error('no server analysis yet');
        return found;
      },
      60_000,
      250,
    );
    expect(analysis.data).toMatchObject({ snapshotSeq: 0, faces: 1 });
    expect(analysis.data.model).toMatch(/human/);
    const scrape = parseScrape(
      await (await fetch(`http://127.0.0.1:${workerMetricsPort}/metrics`)).text(),
    );
    expect(
      scrape.value('invigil_analysis_duration_seconds_count', {
        reason: 'client_report',
        outcome: 'analysed',
      }),
    ).toBe(1);
  }, 90_000);

  /**
   * A student's browser during the exam: segments recorded one after another from the start
   * (each ending when it is handed to the queue), sent in order by the upload queue.
   */
  async function browser() {
    const { student, sessionId, to, startedAtMs } = await attempt();
    const segments: Segment[] = [];
    const record = (): Segment => {
      const startMs = segments.at(-1)?.endMs ?? startedAtMs;
      const seq = segments.length;
      const bytes = Buffer.concat([webmBytes(`${sessionId} ${seq}`), randomBytes(48 * 1024)]);
      segments.push({ seq, startMs, endMs: Math.max(Date.now(), startMs + 1), bytes });
      return segments.at(-1)!;
    };
    const send = () => uploadUntilAcked(student, sessionId, record());
    /** Send segments until one is held at the proxy; that upload, still in flight. */
    const sendUntil = async (held: Promise<unknown>): Promise<{ inFlight: Promise<Delivered> }> => {
      for (;;) {
        const inFlight = send();
        const first = await Promise.race([inFlight.then(() => 'acked'), held.then(() => 'held')]);
        if (first === 'held') return { inFlight };
        await inFlight;
      }
    };
    return { sessionId, to, segments, send, sendUntil };
  }

  /** Every segment once, as sent: in the manifest (complete, no gaps) and in the bucket. */
  async function expectStoredOnce(b: Awaited<ReturnType<typeof browser>>) {
    const sent = b.segments.map((s) => ({
      seq: s.seq,
      sha256: sha256(s.bytes),
      size: s.bytes.length,
    }));
    const res = await proctor.get(`/api/sessions/${b.sessionId}/recording`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const manifest = res.body as RecordingManifest;
    expect(
      manifest.segments.map((m) => ({ seq: m.seq, sha256: m.sha256, size: m.sizeBytes })),
    ).toEqual(sent);
    expect(manifest.gaps).toEqual([]);
    expect(manifest.complete).toBe(true);
    // One object per segment in the bucket, encrypted (header and sealed chunks, never the
    // bytes), and each plays back as exactly what was sent.
    const prefix = `sessions/${b.sessionId}/media/webcam/`;
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
    const stored = await Promise.all(
      (listed.Contents ?? []).map(async (o) => {
        const seq = Number(/^(\d+)-/.exec(o.Key!.slice(prefix.length))?.[1]);
        const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: o.Key }));
        const raw = Buffer.from(await got.Body!.transformToByteArray());
        expect(raw.subarray(0, 8).toString()).toBe('INVGENC1');
        const played = await getRaw(proctor, `/api/sessions/${b.sessionId}/media/webcam/${seq}`);
        expect(played.status).toBe(200);
        return { seq, sha256: sha256(played.bytes), size: raw.length };
      }),
    );
    expect(stored.sort((x, y) => x.seq - y.seq)).toEqual(
      sent.map((s) => ({ ...s, size: cipherSize(s.size, DEFAULT_CHUNK_BYTES) })),
    );
  }

  it('keeps every segment exactly once when instance A is killed in the middle of uploads', async () => {
    const browsers = [await browser(), await browser()];
    for (const b of browsers) for (let i = 0; i < 2; i++) await b.send();

    // Two uploads in flight on A when it dies: the first student's has reached A only in
    // part; the second's was stored by A, but its answer never reached the student.
    const stages = ['body', 'response'] as const;
    const inFlight = await Promise.all(
      browsers.map((b, i) =>
        b.sendUntil(
          proxy.hold({
            backend: 'A',
            stage: stages[i]!,
            match: (method, url) =>
              method === 'PUT' && url.startsWith(`/api/sessions/${b.sessionId}/media/`),
          }),
        ),
      ),
    );
    await a.kill('SIGKILL');
    const [partial, unanswered] = await Promise.all(inFlight.map((u) => u.inFlight));
    const after: Delivered[] = [];
    for (const b of browsers) for (let i = 0; i < 2; i++) after.push(await b.send());
    for (const b of browsers) expect((await b.to('submitted')).status).toBe(200);
    console.log(
      `[failover] A killed with seq ${partial!.seq} half sent (first answer: ` +
        `${partial!.attempts[0]!.status}) and seq ${unanswered!.seq} unanswered`,
    );

    // Each was sent again, same seq and bytes, and B took it: the partial one as new, the
    // unanswered one as already stored. Everything after went through B.
    expect(partial!.attempts[0]!.status).not.toBe(201);
    expect(partial!.attempts.at(-1)).toEqual({ status: 201, backend: 'B' });
    expect(partial!.duplicate).toBe(false);
    expect(unanswered!.attempts[0]).toEqual({ status: 'network' });
    expect(unanswered!.attempts.at(-1)).toEqual({ status: 200, backend: 'B' });
    expect(unanswered!.duplicate).toBe(true);
    expect(new Set(after.flatMap((d) => d.attempts.map((x) => x.backend)))).toEqual(new Set(['B']));
    for (const b of browsers) await expectStoredOnce(b);
  });

  it('runs a webhook call again on a new worker after its worker is killed mid-call, and logs one delivery', async () => {
    const receiver = await startHoldingReceiver();
    cleanups.push(() => receiver.close());
    const hook = await admin.post('/api/webhooks', { url: receiver.url, events: ['verdict'] });
    expect(hook.status, JSON.stringify(hook.body)).toBe(201);
    const hookId = hook.body.webhook.id as string;
    expect((await admin.post(`/api/webhooks/${hookId}/test`)).status).toBe(202);

    // The worker is inside the call when it dies; a new worker takes the job over.
    const first = await receiver.first;
    await worker.kill('SIGKILL');
    await launch('worker-2', ['worker'], { PORT: String(await freePort()) });

    const delivery = await eventually(
      async () => {
        const page = await admin.get(`/api/webhooks/${hookId}/deliveries`);
        expect(page.status, JSON.stringify(page.body)).toBe(200);
        expect(page.body.items).toHaveLength(1);
        expect(page.body.items[0].status).toBe('delivered');
        return page.body.items[0];
      },
      60_000,
      250,
    );
    expect(delivery).toMatchObject({
      event: 'ping',
      attempts: 2,
      lastStatusCode: 200,
      lastError: null,
    });
    // At least once: the receiver got the same delivery twice and answered only the second.
    expect(receiver.calls.map((c) => c.delivery)).toEqual([first.delivery, first.delivery]);
    expect(new Set(receiver.calls.map((c) => c.document)).size).toBe(1);
    const rows = await database.db
      .select({ status: notificationDeliveries.status })
      .from(notificationDeliveries)
      .where(eq(notificationDeliveries.webhookId, hookId));
    expect(rows).toEqual([{ status: 'delivered' }]);
    // The job is done: nothing waiting, running or dead in the queue.
    const queue = await BullJobQueue.connect(redis.url);
    try {
      expect(await queue.counts('notification.delivery')).toMatchObject({
        waiting: 0,
        delayed: 0,
        running: 0,
        dead: 0,
      });
    } finally {
      await queue.close();
    }
  }, 90_000);
});
