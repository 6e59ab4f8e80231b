import { statfs } from 'node:fs/promises';
import { Gauge, type Registry } from 'prom-client';
import { SessionState } from '@invigil/contracts';
import { ScrapeCache, withTimeout } from './scrape-cache.js';
import type { QueueCounts, RunningSessions } from './state-queries.js';

/** What the database holds now, as the shared gauges show it. */
export interface DatabaseState {
  sessions: ReadonlyMap<SessionState, number>;
  running: RunningSessions;
  /** By job type (the job catalogue's names). */
  queues: Readonly<Record<string, QueueCounts>>;
}

/** Where the shared gauges read from. */
export interface StateSources {
  /** One read of everything (state-queries.ts), cached by the caller. */
  readState(): Promise<DatabaseState>;
  /** The local blob directory, for its free space; undefined when blobs are not on local disk. */
  blobDir?: string | undefined;
  /** Told when a read failed; the gauges are then reset (empty, or 0 without labels), never stale. */
  onError(error: unknown, message: string): void;
}

/** A scrape waits this long for the database at most; Prometheus's own timeout is 10 s. */
const READ_TIMEOUT_MS = 5000;

/**
 * Gauges of the whole deployment read at scrape time: attempts by state, attempts whose media
 * stopped or whose page reported an upload backlog, job queues, and the blob disk. One process
 * registers them (the one running the background jobs), so a cluster's aggregate counts them
 * once. Database reads go through one ScrapeCache: at most one read per `cacheMs`.
 */
export function registerStateGauges(registry: Registry, src: StateSources, cacheMs: number): void {
  const registers = [registry];
  const cache = new ScrapeCache(cacheMs, () =>
    withTimeout(src.readState(), READ_TIMEOUT_MS, 'reading metrics from the database'),
  );
  const state = orUndefined(cache, src.onError, 'metrics: reading state from the database failed');

  new Gauge({
    name: 'invigil_sessions',
    help: 'Exam attempts by state, read from the database at scrape time.',
    labelNames: ['state'] as const,
    registers,
    async collect() {
      const s = await state();
      this.reset();
      if (!s) return;
      for (const st of SessionState.options) this.set({ state: st }, s.sessions.get(st) ?? 0);
    },
  });
  new Gauge({
    name: 'invigil_sessions_media_stale',
    help: 'Attempts in progress that record media but received no webcam or screen segment for 2 minutes.',
    registers,
    async collect() {
      const s = await state();
      this.reset();
      if (s) this.set(s.running.mediaStale);
    },
  });
  new Gauge({
    name: 'invigil_sessions_upload_backlog_reported',
    help: 'Attempts in progress whose page reported an upload backlog (upload.backlog) in the last 5 minutes.',
    registers,
    async collect() {
      const s = await state();
      this.reset();
      if (s) this.set(s.running.backlogReported);
    },
  });
  new Gauge({
    name: 'invigil_jobs',
    help: 'Background jobs by type and state: waiting (due), delayed (backing off), running, dead (given up).',
    labelNames: ['type', 'state'] as const,
    registers,
    async collect() {
      const s = await state();
      this.reset();
      if (!s) return;
      for (const [type, c] of Object.entries(s.queues)) {
        for (const st of ['waiting', 'delayed', 'running', 'dead'] as const) {
          this.set({ type, state: st }, c[st]);
        }
      }
    },
  });
  new Gauge({
    name: 'invigil_job_oldest_waiting_seconds',
    help: 'How long the oldest due job of each type has waited since it became due (0: none waits).',
    labelNames: ['type'] as const,
    registers,
    async collect() {
      const s = await state();
      this.reset();
      if (!s) return;
      for (const [type, c] of Object.entries(s.queues))
        this.set({ type }, c.oldestWaitingMs / 1000);
    },
  });
  if (src.blobDir) registerDiskGauges(registry, src.blobDir, src.onError);
}

/**
 * The cached value, or undefined when the read failed: a gauge then resets rather than showing
 * a stale value. Each failure is reported once, not once per gauge and scrape that shares it.
 */
function orUndefined<T>(
  cache: ScrapeCache<T>,
  onError: StateSources['onError'],
  message: string,
): () => Promise<T | undefined> {
  let reported: unknown;
  return async () => {
    try {
      return await cache.get();
    } catch (error) {
      if (error !== reported) onError(error, message);
      reported = error;
      return undefined;
    }
  };
}

/** Free and total space of the file system holding the blob directory (fs.statfs). */
function registerDiskGauges(
  registry: Registry,
  dir: string,
  onError: StateSources['onError'],
): void {
  const stats = orUndefined(
    new ScrapeCache(1000, () => statfs(dir)),
    onError,
    'metrics: reading the blob directory file system failed',
  );
  new Gauge({
    name: 'invigil_blob_store_free_bytes',
    help: 'Bytes available to the server on the file system of the local blob directory.',
    registers: [registry],
    async collect() {
      const s = await stats();
      this.reset();
      if (s) this.set(s.bavail * s.bsize);
    },
  });
  new Gauge({
    name: 'invigil_blob_store_size_bytes',
    help: 'Size of the file system of the local blob directory.',
    registers: [registry],
    async collect() {
      const s = await stats();
      this.reset();
      if (s) this.set(s.blocks * s.bsize);
    },
  });
}
