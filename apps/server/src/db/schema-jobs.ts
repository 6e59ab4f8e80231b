import { sql } from 'drizzle-orm';
import {
  bigserial,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { tz } from './schema-columns.js';

/**
 * Background jobs of the embedded job queue (`adapters/database.job-queue.ts`). A completed
 * job is deleted; a dead one stays until retried. `attempts` counts the runs started and
 * identifies the lease of the current one.
 */
export const jobs = pgTable(
  'jobs',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    type: text('type').notNull(),
    /** De-duplication key: one job per (type, key) until it completes. */
    key: text('key'),
    payload: jsonb('payload').notNull(),
    /** `waiting`, `running` or `dead`. */
    status: text('status').notNull().default('waiting'),
    priority: integer('priority').notNull().default(0),
    attempts: integer('attempts').notNull().default(0),
    maxAttempts: integer('max_attempts').notNull(),
    backoffMs: integer('backoff_ms').notNull(),
    /** When it is due (added with a delay, or backing off after a failure). */
    runAt: tz('run_at').notNull(),
    lockedUntil: tz('locked_until'),
    lastError: text('last_error'),
    addedAt: tz('added_at').notNull().defaultNow(),
    updatedAt: tz('updated_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('jobs_type_key').on(t.type, t.key),
    index('jobs_due_idx').on(t.type, t.status, t.priority, t.runAt),
    check('jobs_status_check', sql`${t.status} in ('waiting', 'running', 'dead')`),
  ],
);
