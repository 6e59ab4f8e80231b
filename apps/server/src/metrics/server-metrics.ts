import cluster from 'node:cluster';
import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import type { MetricsConfig } from '../config/config.js';
import type { Database } from '../db/database.js';
import type { Clock } from '../ports/clock.port.js';
import { WorkerMetrics } from './cluster-metrics.js';
import { instrumentHttp } from './http-metrics.js';
import { createInstruments, type Instruments } from './instruments.js';
import {
  listenForMetrics,
  metricsRoute,
  type MetricsListener,
  type MetricsSource,
} from './metrics-endpoint.js';
import { MetricsRecorder } from './metrics-recorder.js';
import { registerProcessGauges, type ProcessSources } from './process-gauges.js';
import { runtimeRegistry } from './runtime-metrics.js';
import { registerStateGauges } from './state-gauges.js';
import { readRunningSessions, readSessionStates, type QueueCounts } from './state-queries.js';
import { JOB_TYPES, type JobQueue } from '../ports/job-queue.port.js';

/** Values read from the database are reused this long between scrapes unless told otherwise. */
export const DEFAULT_METRICS_CACHE_MS = 10_000;

/** What the metrics of one app read from and how this process takes part. */
export interface ServerMetricsOptions {
  clock: Clock;
  database: Pick<Database, 'db' | 'ping'>;
  openSockets: ProcessSources['openSockets'];
  /**
   * Report the deployment's shared state (attempts, queues, disk): exactly one process of a
   * cluster does (the one running the background jobs), so the aggregate counts it once.
   */
  shared: boolean;
  /** The local blob directory (free space); undefined when blobs are not on local disk. */
  blobDir?: string | undefined;
  /** The deployment's job queue, whose counts per job type the queue gauges show. */
  jobs: Pick<JobQueue, 'counts'>;
  cacheMs?: number | undefined;
  onError(error: unknown, message: string): void;
}

/** The metrics of one app: what services report through, and how Prometheus reads them. */
export interface ServerMetrics {
  /** Callbacks for services and loops (see MetricsRecorder). */
  recorder: MetricsRecorder;
  instruments: Instruments;
  /** This app's registry (the runtime metrics of the process are in `runtimeRegistry`). */
  registry: Registry;
  source: MetricsSource;
  /** Time every request: call before any route is registered, so it covers all of them. */
  instrument(app: FastifyInstance): void;
  /**
   * Mount GET /metrics (behind `config.token`) and, with `config.port`, a listener of its own
   * on `host`, opened when the app is ready (a taken port fails the start) and closed with it.
   */
  mount(app: FastifyInstance, host: string, config: MetricsConfig): void;
  /** Stop taking part in cluster scrapes. */
  close(): void;
}

/** Build the registry, instruments and scrape-time gauges of one app. */
export function createServerMetrics(o: ServerMetricsOptions): ServerMetrics {
  const registry = new Registry();
  const instruments = createInstruments(registry);
  const cacheMs = o.cacheMs ?? DEFAULT_METRICS_CACHE_MS;
  registerProcessGauges(registry, o, cacheMs);
  if (o.shared) {
    registerStateGauges(
      registry,
      {
        readState: async () => {
          const now = o.clock.now();
          const db = o.database.db;
          const sessions = await readSessionStates(db);
          const running = await readRunningSessions(db, now);
          const queues: Record<string, QueueCounts> = {};
          for (const type of JOB_TYPES) queues[type] = await o.jobs.counts(type);
          return { sessions, running, queues };
        },
        blobDir: o.blobDir,
        onError: o.onError,
      },
      cacheMs,
    );
  }
  const registries = [runtimeRegistry(), registry];
  // A worker of `invigil start` with WORKERS > 1 (Redis or not): a scrape on any worker shows
  // every worker's metrics, combined by the primary.
  const workers = cluster.isWorker ? new WorkerMetrics(registries) : undefined;
  const source: MetricsSource = {
    contentType: registry.contentType,
    scrape: async () =>
      workers ? workers.scrape() : (await Promise.all(registries.map((r) => r.metrics()))).join(''),
  };
  return {
    recorder: new MetricsRecorder(instruments, () => o.clock.now().getTime()),
    instruments,
    registry,
    source,
    instrument: (app) => instrumentHttp(app, instruments),
    mount(app, host, config) {
      metricsRoute(app, source, config.token);
      const port = config.port;
      if (port === undefined) return;
      let listener: MetricsListener | undefined;
      app.addHook('onReady', async () => {
        listener = await listenForMetrics(source, host, port, (err) =>
          o.onError(err, 'metrics scrape failed'),
        );
        app.log.info({ address: listener.address }, 'metrics listening');
      });
      app.addHook('onClose', async () => listener?.close());
    },
    close: () => workers?.stop(),
  };
}

/**
 * Every series name the server exposes, as PromQL sees them (a histogram's `_bucket`, `_sum`
 * and `_count`): what alert rules and dashboards may query. Built from a registry like a
 * real process's, with nothing behind it (no scrape runs).
 */
export function exposedSeriesNames(): string[] {
  const metrics = createServerMetrics({
    clock: { now: () => new Date() },
    database: { db: {} as Database['db'], ping: async () => undefined },
    openSockets: () => ({ staff: 0, student: 0 }),
    shared: true,
    blobDir: '/',
    jobs: {
      counts: async () => ({ waiting: 0, delayed: 0, running: 0, dead: 0, oldestWaitingMs: 0 }),
    },
    onError: () => undefined,
  });
  const names = new Set<string>();
  for (const r of [runtimeRegistry(), metrics.registry]) {
    for (const m of r.getMetricsAsArray()) {
      const type = String((m as { type: unknown }).type);
      const suffixes =
        type === 'histogram'
          ? ['_bucket', '_sum', '_count']
          : type === 'summary'
            ? ['', '_sum', '_count']
            : [''];
      for (const s of suffixes) names.add(`${m.name}${s}`);
    }
  }
  return [...names].sort();
}
