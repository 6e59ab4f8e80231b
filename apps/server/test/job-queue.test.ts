import { describe } from 'vitest';
import { BullJobQueue } from '../src/adapters/bullmq.job-queue.js';
import { DatabaseJobQueue } from '../src/adapters/database.job-queue.js';
import { openDatabase } from '../src/db/open-database.js';
import { jobQueueContract } from '../src/ports/job-queue.contract.js';
import { parseRoles } from '../src/roles.js';
import { redisSkipReason, startRedis, type RedisServer } from './helpers/redis.js';
import { engines, startTestServer, type TestServer } from './helpers/test-server.js';

const LEASE_MS = 1000;

describe.each(engines())('job queue on the database (%s)', (engine) => {
  let server: TestServer | undefined;
  jobQueueContract(`database (${engine})`, async () => {
    // Without the worker role: the server's own job workers would take the suite's jobs.
    server = await startTestServer(engine, { roles: parseRoles('api') });
    const { db } = server.instance.database;
    const queue = new DatabaseJobQueue(db, { pollMs: 50, leaseMs: LEASE_MS });
    const closers: (() => Promise<void>)[] = [];
    return {
      queue,
      leaseMs: LEASE_MS,
      // PostgreSQL: another connection, as another process has; PGlite has one database
      // handle per process, so another queue on it.
      other: async () => {
        const other =
          engine === 'postgres' ? await openDatabase(server!.instance.config.database) : undefined;
        if (other) closers.push(() => other.close());
        const q = new DatabaseJobQueue(other?.db ?? db, { pollMs: 50, leaseMs: LEASE_MS });
        return { queue: q, crash: () => q.abandon() };
      },
      cleanup: async () => {
        await queue.close();
        for (const c of closers) await c();
        await server?.close();
      },
    };
  });
});

const skip = redisSkipReason();

describe.skipIf(skip !== null)('job queue on Redis (BullMQ)', () => {
  let redis: RedisServer | undefined;
  jobQueueContract('bullmq', async () => {
    redis = await startRedis();
    const url = redis.url;
    const options = { leaseMs: LEASE_MS, stalledCheckMs: 250, prefix: 'test' };
    const queue = await BullJobQueue.connect(url, options);
    const others: BullJobQueue[] = [];
    return {
      queue,
      leaseMs: LEASE_MS,
      other: async () => {
        const q = await BullJobQueue.connect(url, options);
        others.push(q);
        return { queue: q, crash: () => q.abandon() };
      },
      cleanup: async () => {
        await queue.close();
        for (const o of others) await o.close().catch(() => {});
        await redis?.stop();
      },
    };
  });
});
