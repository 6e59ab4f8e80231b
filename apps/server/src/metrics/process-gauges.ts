import { Gauge, type Registry } from 'prom-client';
import type { Database } from '../db/database.js';
import { ScrapeCache, withTimeout } from './scrape-cache.js';

/** What one server process reports about itself at scrape time. */
export interface ProcessSources {
  database: Pick<Database, 'ping' | 'db'>;
  /** Live sockets this process holds: staff (exam feeds) and students (their session's feed). */
  openSockets(): { staff: number; student: number };
}

/** A ping slower than this counts as the database being down. */
const PING_TIMEOUT_MS = 2000;

/** The connection pool of node-postgres, when drizzle runs on one (PGlite has none). */
interface PoolStats {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

const poolOf = (database: ProcessSources['database']): PoolStats | undefined => {
  const client = (database.db as { $client?: Partial<PoolStats> }).$client;
  return typeof client?.totalCount === 'number' &&
    typeof client.idleCount === 'number' &&
    typeof client.waitingCount === 'number'
    ? (client as PoolStats)
    : undefined;
};

/**
 * Gauges every server process reports for itself, combined across a cluster's processes by
 * their `aggregator`: sockets and pool connections add up, the database is up only if every
 * process reaches it, and the slowest ping counts.
 */
export function registerProcessGauges(
  registry: Registry,
  src: ProcessSources,
  cacheMs: number,
): void {
  const registers = [registry];
  const ping = new ScrapeCache(cacheMs, async () => {
    const started = performance.now();
    try {
      await withTimeout(src.database.ping(), PING_TIMEOUT_MS, 'the database ping');
      return { up: true, seconds: (performance.now() - started) / 1000 };
    } catch {
      return { up: false, seconds: (performance.now() - started) / 1000 };
    }
  });

  new Gauge({
    name: 'invigil_server_processes',
    help: 'Server processes whose metrics this scrape includes (WORKERS).',
    registers,
    collect() {
      this.set(1);
    },
  });
  new Gauge({
    name: 'invigil_websockets_open',
    help: 'Open live WebSockets, by audience: staff (exam dashboards) and student (exam pages).',
    labelNames: ['audience'] as const,
    registers,
    collect() {
      const open = src.openSockets();
      this.set({ audience: 'staff' }, open.staff);
      this.set({ audience: 'student' }, open.student);
    },
  });
  new Gauge({
    name: 'invigil_database_up',
    help: 'Whether a trivial query succeeded within 2 s at scrape time (1) or not (0).',
    aggregator: 'min',
    registers,
    async collect() {
      this.set((await ping.get()).up ? 1 : 0);
    },
  });
  new Gauge({
    name: 'invigil_database_ping_duration_seconds',
    help: 'Round trip of a trivial query at scrape time (the slowest server process).',
    aggregator: 'max',
    registers,
    async collect() {
      this.set((await ping.get()).seconds);
    },
  });
  new Gauge({
    name: 'invigil_database_pool_connections',
    help: 'PostgreSQL connections held by the server processes: busy or idle (none on PGlite).',
    labelNames: ['state'] as const,
    registers,
    collect() {
      const pool = poolOf(src.database);
      if (!pool) return;
      this.set({ state: 'idle' }, pool.idleCount);
      this.set({ state: 'busy' }, pool.totalCount - pool.idleCount);
    },
  });
  new Gauge({
    name: 'invigil_database_pool_waiting_queries',
    help: 'Queries waiting for a free PostgreSQL connection (the pool is exhausted while above 0).',
    registers,
    collect() {
      const pool = poolOf(src.database);
      if (pool) this.set(pool.waitingCount);
    },
  });
}
