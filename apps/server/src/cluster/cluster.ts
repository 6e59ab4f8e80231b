import cluster, { type Worker } from 'node:cluster';
import { isBusFrame, relayFrame, type BusFrame } from '../adapters/cluster.event-bus.js';
import { createApp } from '../app.js';
import type { Config } from '../config/config.js';
import { ClusterMetrics } from '../metrics/cluster-metrics.js';
import { workerExecArgv } from './heap-flags.js';

/** What the primary shares with its workers: the database they all use. */
export interface SharedResources {
  /** Environment the workers start with (e.g. DATABASE_URL of the embedded PostgreSQL). */
  env: Record<string, string>;
  /** Stop what `prepare` started, after every worker has exited. */
  stop(): Promise<void>;
}

/** Messages between the primary and its workers besides bus frames. */
type Control =
  { kind: 'invigil.listening'; index: number; address: string } | { kind: 'invigil.shutdown' };

const isControl = (m: unknown): m is Control =>
  typeof m === 'object' &&
  m !== null &&
  ((m as Control).kind === 'invigil.listening' || (m as Control).kind === 'invigil.shutdown');

/** The env variable telling a worker its index; worker 0 runs the background loops. */
const INDEX_ENV = 'INVIGIL_WORKER_INDEX';
/** How long a worker may take to finish its requests and close on shutdown. */
const STOP_TIMEOUT_MS = 15_000;
/** A worker that crashed is started again after this, doubling up to a minute while it keeps crashing. */
const RESTART_BASE_MS = 1000;

/** Whether this process is a worker forked by `runPrimary`. */
export const isClusterWorker = (): boolean => cluster.isWorker;

/**
 * The primary of `invigil start` with WORKERS > 1: it prepares what the workers share
 * (starts the embedded PostgreSQL, migrates, seeds), forks `cfg.workers` server processes
 * that all listen on the one port (Node's cluster hands each new connection to the next
 * worker), relays live messages between them, starts a crashed worker again, and on
 * SIGINT/SIGTERM lets every worker finish before it stops the database.
 */
export async function runPrimary(
  cfg: Config,
  prepare: () => Promise<SharedResources>,
  log: { info(msg: string): void; error(msg: string): void },
): Promise<{ address: string }> {
  const shared = await prepare();
  const byIndex = new Map<number, Worker>();
  const crashes = new Map<number, { count: number; lastMs: number }>();
  let stopping = false;
  /** Until every worker listened once, a worker that exits means the start failed (port in use…). */
  let started = false;

  const targets = () =>
    [...byIndex.values()].map((w) => ({
      send: (frame: BusFrame) => {
        try {
          if (w.isConnected()) w.send(frame);
        } catch {
          // A worker that is exiting misses the message; its sockets reconnect and replay.
        }
      },
    }));

  // A scrape on any worker shows every worker's metrics, combined here (metrics/cluster-metrics.ts).
  const metrics = new ClusterMetrics(() => byIndex.values());

  // Each server process starts with a larger old generation (see heap-flags.ts).
  cluster.setupPrimary({ execArgv: workerExecArgv() });
  const fork = (index: number) => {
    const worker = cluster.fork({ ...shared.env, [INDEX_ENV]: String(index) });
    byIndex.set(index, worker);
    worker.on('message', (message: unknown) => {
      if (isBusFrame(message)) relayFrame(message, targets());
      else metrics.handle(worker, message);
    });
    worker.on('exit', (code, signal) => {
      if (byIndex.get(index) === worker) byIndex.delete(index);
      if (stopping) return;
      if (!started) {
        log.error(`server process ${index} exited (${signal ?? `code ${code}`}) while starting`);
        stopping = true;
        for (const w of byIndex.values()) w.kill('SIGTERM');
        void shared.stop().finally(() => process.exit(1));
        return;
      }
      const now = Date.now();
      const previous = crashes.get(index);
      // A worker that ran a minute without crashing starts over from the short delay.
      const count = previous && now - previous.lastMs < 60_000 ? previous.count + 1 : 0;
      crashes.set(index, { count, lastMs: now });
      const delay = Math.min(RESTART_BASE_MS * 2 ** count, 60_000);
      log.error(
        `server process ${index} exited (${signal ?? `code ${code}`}); starting it again in ${delay} ms`,
      );
      setTimeout(() => {
        if (!stopping) fork(index);
      }, delay).unref();
    });
    return worker;
  };

  const listening = new Promise<string>((resolve) => {
    const seen = new Set<number>();
    cluster.on('message', (_worker, message: unknown) => {
      if (!isControl(message) || message.kind !== 'invigil.listening') return;
      seen.add(message.index);
      if (seen.size === cfg.workers) resolve(message.address);
    });
  });
  for (let i = 0; i < cfg.workers; i += 1) fork(i);
  const address = await listening;
  started = true;

  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`${signal}: stopping ${byIndex.size} server processes`);
    const exits = [...byIndex.values()].map(
      (w) =>
        new Promise<void>((resolve) => {
          if (w.isDead()) return resolve();
          const timer = setTimeout(() => w.kill('SIGKILL'), STOP_TIMEOUT_MS);
          w.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
          try {
            w.send({ kind: 'invigil.shutdown' } satisfies Control);
          } catch {
            w.kill('SIGTERM');
          }
        }),
    );
    await Promise.all(exits);
    await shared.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  return { address };
}

/**
 * One server process of the cluster: the whole app on the shared port. Worker 0 runs the
 * background loops; without Redis, live messages go through the primary. It stops when the
 * primary says so or disappears, or on SIGINT/SIGTERM.
 */
export async function runWorker(cfg: Config): Promise<void> {
  const index = Number(process.env[INDEX_ENV] ?? 0);
  const server = await createApp(cfg, {}, { jobs: index === 0, clusterWorker: !cfg.redisUrl });
  let closing = false;
  const close = async () => {
    if (closing) return;
    closing = true;
    await server.close().catch((err: unknown) => server.app.log.error({ err }, 'close failed'));
    process.exit(0);
  };
  process.on('message', (message: unknown) => {
    if (isControl(message) && message.kind === 'invigil.shutdown') void close();
  });
  process.on('disconnect', () => void close());
  // Ctrl-C and a service manager signal the whole group: each worker finishes its requests.
  process.on('SIGINT', () => void close());
  process.on('SIGTERM', () => void close());
  const address = await server.app.listen({ host: cfg.host, port: cfg.port });
  process.send?.({ kind: 'invigil.listening', index, address } satisfies Control);
}
