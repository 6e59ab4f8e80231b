import { mkdirSync } from 'node:fs';
import type { Redis } from 'ioredis';
import type { Config } from '../config/config.js';
import type { Database, Db } from '../db/database.js';
import { openDatabase } from '../db/open-database.js';
import { openEncryptedBlobStore } from '../adapters/open-blob-store.js';
import { AUDIT, openKeys } from '../crypto/open-keyring.js';
import { useAuditKeys } from '../services/audit/audit-chain.js';
import type { Keyring } from '../crypto/master-keys.js';
import { openJobQueue } from '../adapters/open-job-queue.js';
import { InProcessEventBus } from '../adapters/in-process.event-bus.js';
import { ClusterEventBus, workerProcessLink } from '../adapters/cluster.event-bus.js';
import { MemoryRateCounter } from '../adapters/memory.rate-counter.js';
import { WorkerPoolDetector } from '../adapters/worker-pool.detector.js';
import type { PriorityOutcome } from '../adapters/thread-priority.js';
import type { WorkerIdentity } from '../adapters/worker-lane.js';
import type { BlobStore } from '../ports/blob-store.port.js';
import { systemClock, type Clock } from '../ports/clock.port.js';
import type { Detector } from '../ports/detector.port.js';
import type { EventBus } from '../ports/event-bus.port.js';
import type { JobQueue } from '../ports/job-queue.port.js';
import type { Mailer } from '../ports/mailer.port.js';
import type { RateCounter } from '../ports/rate-counter.port.js';

/**
 * Overrides for tests: a controllable clock, an already-open database, a detector shared
 * between servers (its models load once), an event bus to listen on. What is passed in is
 * not closed by the app.
 */
export interface AppOverrides {
  clock?: Clock;
  database?: Database;
  detector?: Detector;
  bus?: EventBus;
}

/** What this process is within a deployment (see cluster/cluster.ts). */
export interface ProcessRole {
  /**
   * The jobs process of its machine: runs the background loops when it also has the worker
   * role (ROLES). Exactly one process of a machine's cluster is.
   */
  jobs: boolean;
  /**
   * A worker of `invigil start` with WORKERS > 1: without Redis, live messages cross via the
   * primary, and the primary owns the embedded PostgreSQL (a worker attaches, never stops it).
   */
  clusterWorker: boolean;
}

/** A single process that does everything (the default). */
export const SOLE_PROCESS: ProcessRole = { jobs: true, clusterWorker: false };

/** Every port's adapter, chosen by the configuration; `close` releases what was opened here. */
export interface Adapters {
  clock: Clock;
  database: Database;
  db: Db;
  blobs: BlobStore;
  /** The master keys: blobs' data keys and sealed database values (face descriptors). */
  keyring: Keyring;
  bus: EventBus;
  jobQueue: JobQueue;
  rateCounter: RateCounter;
  /** The Redis connection of the rate limits, when REDIS_URL is set. */
  rateRedis: Redis | undefined;
  detector: Detector | undefined;
  mailer: Mailer | undefined;
  close(): Promise<void>;
}

/** Where the adapters report (the server's logger, once it exists). */
export interface AdapterLog {
  error(err: unknown, message: string): void;
  /** Something an operator must act on (a master key generated here). */
  warn(message: string): void;
  detectorPriority(outcome: PriorityOutcome, worker: WorkerIdentity): void;
}

/**
 * Open the adapter of every port the configuration names. Optional ones (Redis, S3, SMTP,
 * BullMQ) are imported only when configured.
 */
export async function openAdapters(
  config: Config,
  overrides: AppOverrides,
  role: ProcessRole,
  log: AdapterLog,
): Promise<Adapters> {
  const clock = overrides.clock ?? systemClock;
  if (config.blobStore === 'local') mkdirSync(config.blobDir, { recursive: true });
  const database =
    overrides.database ??
    (await openDatabase(config.database, { ownEmbedded: !role.clusterWorker }));
  if (!overrides.database) await database.migrate();
  const { db } = database;
  // Encryption at rest above whichever store: only ciphertext reaches the disk or bucket.
  const keyLog = { info: () => undefined, warn: log.warn };
  const { keyring, encrypted: blobs } = await openEncryptedBlobStore(config, db, keyLog);
  // The audit trail is signed with its own keys (one set per process: see audit-chain.ts).
  useAuditKeys(await openKeys(config.auditKeys, keyLog, AUDIT));
  const reportBusError = (err: unknown, topic: string) => log.error(err, `${topic} bus failure`);
  const bus =
    overrides.bus ??
    (config.redisUrl
      ? await (
          await import('../adapters/redis.event-bus.js')
        ).RedisEventBus.connect(config.redisUrl, reportBusError)
      : role.clusterWorker
        ? new ClusterEventBus(workerProcessLink(), reportBusError)
        : new InProcessEventBus(reportBusError));
  // Background jobs shared by every process (the database's table, or BullMQ on Redis).
  const jobQueue = await openJobQueue(config, db, (err) => log.error(err, 'job queue failure'));
  // Rate limits shared by every process when Redis is configured (one limit, not one per process).
  const redisCounter = config.redisUrl
    ? await import('../adapters/redis.rate-counter.js')
    : undefined;
  const rateRedis = redisCounter && (await redisCounter.connectRateLimitRedis(config.redisUrl!));
  const rateCounter: RateCounter =
    redisCounter && rateRedis
      ? new redisCounter.RedisRateCounter(rateRedis)
      : new MemoryRateCounter(clock);
  const detector = config.detection.enabled
    ? (overrides.detector ??
      new WorkerPoolDetector({
        size: config.detection.workers,
        interactiveSize: config.detection.interactiveWorkers ?? 1,
        nice: config.detection.nice ?? 0,
        onPriority: (outcome, worker) => log.detectorPriority(outcome, worker),
      }))
    : undefined;
  // Notifications beyond the browser: e-mail when SMTP is configured.
  const notify = config.notifications;
  const mailer: Mailer | undefined =
    notify.smtpUrl && notify.smtpFrom
      ? await (
          await import('../adapters/smtp.mailer.js')
        ).SmtpMailer.create(notify.smtpUrl, notify.smtpFrom)
      : undefined;

  return {
    clock,
    database,
    db,
    blobs,
    keyring,
    bus,
    jobQueue,
    rateCounter,
    rateRedis,
    detector,
    mailer,
    close: async () => {
      await jobQueue.close();
      await mailer?.close();
      if (detector && !overrides.detector) await detector.close();
      if (!overrides.bus) await bus.close();
      await rateRedis?.quit().catch(() => rateRedis.disconnect());
      await blobs.close?.();
      if (!overrides.database) await database.close();
    },
  };
}
