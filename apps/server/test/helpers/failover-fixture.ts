import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, expect, inject } from 'vitest';
import { formatMasterKey, generateMasterKey } from '../../src/crypto/master-keys.js';
import { ENV_SCHEMA } from '../../src/config/config.js';
import type { Database } from '../../src/db/database.js';
import { openDatabase } from '../../src/db/open-database.js';
import { insertUser } from '../../src/services/accounts/users.service.js';
import { type CephServer, cephClient, cephSkipReason, createBucket, startCeph } from './ceph.js';
import { buildExam } from './factories.js';
import type { TestResponse } from './http-client.js';
import { connectLive, type LiveSocket } from './live-socket.js';
import { freePort } from './postgres.js';
import { type RedisServer, redisSkipReason, startRedis } from './redis.js';
import {
  FreshConnectionClient,
  type RoundRobinProxy,
  startRoundRobinProxy,
} from './round-robin-proxy.js';
import { CLI_PATH, ServerProcess } from './server-process.js';
import { createPgDatabase, TEST_PASSWORD } from './test-server.js';

/**
 * Why a failover test file cannot run here (printed), or null. Under CI=true a missing server
 * fails.
 */
export function failoverSkipReason(): string | null {
  const missing = redisSkipReason() ?? cephSkipReason();
  if (missing) return missing;
  if (inject('postgresAdminUrl')) return null;
  const reason = 'PostgreSQL is not installed (apt-get install postgresql)';
  if (process.env.CI === 'true') throw new Error(`${reason}; CI requires the failover tests`);
  console.warn(`\n[skip] failover tests skipped: ${reason}\n`);
  return reason;
}

/** The deployment's S3 bucket. */
export const BUCKET = 'invigil-failover';

/** A user of the deployment, signed in through the load balancer. */
export type FailoverClient = FreshConnectionClient & { userId: string };

/** A student of the exam whose attempt is in progress, and how it moves on. */
export interface FailoverAttempt {
  student: FailoverClient;
  sessionId: string;
  /** Move the attempt to `state`, as the student. */
  to(state: string): Promise<TestResponse>;
  /** When the server started the attempt. */
  startedAtMs: number;
}

/** A running deployment of a failover test file, and what its tests ask of it. */
export interface FailoverDeployment {
  readonly redis: RedisServer;
  readonly s3: S3Client;
  /** The shared database, opened by the test itself. */
  readonly database: Database;
  readonly proxy: RoundRobinProxy;
  /** Instance A (api, ws, ingest); B, its twin, is never killed. */
  readonly a: ServerProcess;
  /** The only process with the worker role. */
  readonly worker: ServerProcess;
  readonly workerMetricsPort: number;
  readonly admin: FailoverClient;
  /** A proctor of the exam. */
  readonly proctor: FailoverClient;
  readonly examId: string;
  /** Start another process of the deployment (`args` of the CLI, `own` environment). */
  launch(name: string, args: string[], own: Record<string, string>): Promise<ServerProcess>;
  /** Run `undo` after the tests, before the processes stop (last registered, first run). */
  cleanup(undo: () => Promise<unknown> | void): void;
  /** A student of the exam whose attempt is in progress (consent and system check done). */
  attempt(): Promise<FailoverAttempt>;
  /** The exam's live feed as the proctor's dashboard opens it, and the instance it is on. */
  proctorFeed(): Promise<{ socket: LiveSocket; backend: string }>;
}

/**
 * A deployment as operators run one, for one failover test file (started before its tests,
 * torn down after them): instances A and B (`start --roles=api,ws,ingest`) behind a
 * round-robin load balancer, one `worker` process, and PostgreSQL, Redis (event bus, rate
 * limits, BullMQ) and an S3 bucket (Ceph RGW) that they share; an exam with its admin and
 * proctor. A test that fails prints what each process logged.
 */
export function useFailoverDeployment(): FailoverDeployment {
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
  let admin: FailoverClient;
  let proctor: FailoverClient;
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
  async function attempt(): Promise<FailoverAttempt> {
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

  return {
    get redis() {
      return redis;
    },
    get s3() {
      return s3;
    },
    get database() {
      return database;
    },
    get proxy() {
      return proxy;
    },
    get a() {
      return a;
    },
    get worker() {
      return worker;
    },
    get workerMetricsPort() {
      return workerMetricsPort;
    },
    get admin() {
      return admin;
    },
    get proctor() {
      return proctor;
    },
    get examId() {
      return examId;
    },
    launch,
    cleanup: (undo) => void cleanups.push(undo),
    attempt,
    proctorFeed,
  };
}
