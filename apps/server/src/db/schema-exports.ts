import { sql } from 'drizzle-orm';
import {
  bigint,
  check,
  index,
  integer,
  pgTable,
  text,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { tz } from './schema-columns.js';
import { users } from './schema-core.js';

/**
 * Data exports (subject access): one zip of everything held about one student, written by a
 * `privacy.export` job into the blob store as numbered parts under `blob_prefix` (the port
 * stores whole buffers, so a large zip is kept as parts and streamed back in order). At most
 * one queued or running export per subject (the partial unique index). A ready export's
 * parts are deleted at `expires_at` and the row kept as `expired`.
 */
export const dataExports = pgTable(
  'data_exports',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    requestedBy: uuid('requested_by').references(() => users.id, { onDelete: 'set null' }),
    status: text('status').notNull().default('queued'),
    progressDone: integer('progress_done').notNull().default(0),
    progressTotal: integer('progress_total').notNull().default(0),
    /** Where the parts live: `<prefix>/part-00001.zip`, … (null until the job starts). */
    blobPrefix: text('blob_prefix'),
    /** Parts stored so far: what a rerun or the expiry deletes. */
    parts: integer('parts').notNull().default(0),
    sizeBytes: bigint('size_bytes', { mode: 'number' }),
    sha256: text('sha256'),
    error: text('error'),
    createdAt: tz('created_at').notNull().defaultNow(),
    startedAt: tz('started_at'),
    finishedAt: tz('finished_at'),
    expiresAt: tz('expires_at'),
  },
  (t) => [
    index('data_exports_user_idx').on(t.userId, t.createdAt),
    uniqueIndex('data_exports_active_key')
      .on(t.userId)
      .where(sql`${t.status} in ('queued','running')`),
    index('data_exports_expiry_idx')
      .on(t.expiresAt)
      .where(sql`${t.status} = 'ready'`),
    check(
      'data_exports_status_check',
      sql`${t.status} in ('queued','running','ready','failed','expired')`,
    ),
  ],
);
