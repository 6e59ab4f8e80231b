import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Database } from '../src/db/database.js';
import { openDatabase } from '../src/db/open-database.js';
import { notificationDeliveries } from '../src/db/schema.js';
import { readQueueCounts } from '../src/metrics/state-queries.js';
import { createPgDatabase, engines } from './helpers/test-server.js';

/**
 * The queue gauges' reading of a queue table, on a database no sender works (so rows stay
 * where the test put them): due rows wait, rows backing off are delayed, a live lease runs,
 * an expired one waits to be taken over, given-up rows are dead, history is not counted.
 */
describe.each(engines())('queue counts for metrics on %s', (engine) => {
  let database: Database;
  let drop: (() => Promise<void>) | undefined;
  const NOW = new Date('2030-01-01T10:00:00Z');
  const at = (offsetMs: number) => new Date(NOW.getTime() + offsetMs);

  beforeAll(async () => {
    if (engine === 'postgres') {
      const created = await createPgDatabase(inject('postgresAdminUrl'));
      drop = created.drop;
      database = await openDatabase({ kind: 'postgres', url: created.url, poolSize: 2 });
    } else {
      database = await openDatabase({ kind: 'pglite' });
    }
    await database.migrate();
  });
  afterAll(async () => {
    await database?.close();
    await drop?.();
  });

  const row = (status: string, nextAttempt: Date, lockedUntil: Date | null = null) => ({
    channel: 'email',
    target: `${randomUUID()}@example.test`,
    event: 'verdict',
    payload: { id: randomUUID() },
    status,
    attempts: 1,
    nextAttemptAt: nextAttempt,
    lockedUntil,
    createdAt: at(-600_000),
  });

  it('reads waiting, delayed, running and dead, and how long the oldest due one waited', async () => {
    const empty = await readQueueCounts(database.db, NOW);
    expect(empty['notification.delivery']).toEqual({
      waiting: 0,
      delayed: 0,
      running: 0,
      dead: 0,
      oldestWaitingMs: 0,
    });
    await database.db
      .insert(notificationDeliveries)
      .values([
        row('pending', at(-30_000)),
        row('pending', at(-5_000)),
        row('pending', at(60_000)),
        row('sending', at(-1000), at(90_000)),
        row('sending', at(-300_000), at(-120_000)),
        row('failed', at(-1000)),
        row('delivered', at(-1000)),
      ]);
    const counts = await readQueueCounts(database.db, NOW);
    expect(counts['notification.delivery']).toEqual({
      waiting: 3,
      delayed: 1,
      running: 1,
      dead: 1,
      // The expired lease: due again since it ran out two minutes ago.
      oldestWaitingMs: 120_000,
    });
    expect(counts['analysis.snapshot']).toEqual({
      waiting: 0,
      delayed: 0,
      running: 0,
      dead: 0,
      oldestWaitingMs: 0,
    });
  });
});
