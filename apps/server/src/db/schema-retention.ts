import { bigint, index, integer, jsonb, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { tz } from './schema-columns.js';

/**
 * What was deleted from one session, by which rule, when and on whose behalf: one row per
 * session, rule and run of the retention sweep (or erasure). Written in the transaction that
 * deletes the rows; `pending_keys` lists the blobs still to remove, so an interrupted run is
 * finished by the next one (`completed_at` set once they are gone). No foreign keys: the
 * record outlives what it describes.
 */
export const deletionRecords = pgTable(
  'deletion_records',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** Groups the records of one sweep or one erasure. */
    runId: uuid('run_id').notNull(),
    sessionId: uuid('session_id').notNull(),
    examId: uuid('exam_id').notNull(),
    /** `media_after_verdict`, `identity`, `undecided` or `erasure`. */
    rule: text('rule').notNull(),
    /** `job` (the retention sweep) or `admin` (erasure on request). */
    trigger: text('trigger').notNull(),
    actorId: uuid('actor_id'),
    /** Counts per kind (`segments`, `snapshots.webcam`, `identityPhotos`, `faceDescriptor`…). */
    kinds: jsonb('kinds').notNull(),
    items: integer('items').notNull(),
    bytes: bigint('bytes', { mode: 'number' }).notNull(),
    /** Blob keys not yet removed from the blob store (emptied when done). */
    pendingKeys: jsonb('pending_keys').notNull().default([]),
    createdAt: tz('created_at').notNull(),
    completedAt: tz('completed_at'),
  },
  (t) => [
    index('deletion_records_session_idx').on(t.sessionId, t.createdAt),
    index('deletion_records_pending_idx').on(t.completedAt),
  ],
);
