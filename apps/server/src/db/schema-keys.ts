import { bigint, index, integer, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/**
 * The data key of every encrypted blob (`adapters/encrypted.blob-store.ts`), wrapped by a
 * master key: the blob's header names its row by `object_id`. Kept apart from the blobs so
 * that rotating master keys rewrites these rows only (`invigil keys rotate`), and so that
 * deleting a row makes every copy of its blob unreadable, backups included.
 */
export const blobKeys = pgTable(
  'blob_keys',
  {
    objectId: uuid('object_id').primaryKey(),
    /** Which master key wrapped it (an id of MASTER_KEY). */
    kid: text('kid').notNull(),
    /** IV, wrapped key and tag, base64 (`Keyring.wrap`). */
    wrapped: text('wrapped').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [index('blob_keys_kid_idx').on(t.kid)],
);

/**
 * Signed checkpoints of the audit trail: the newest entry's id and link, how many entries
 * there were, signed with the audit key and chained to the previous checkpoint. A copy of each
 * goes to the blob store too (`audit/checkpoints/…`), apart from the database, so that cutting
 * entries off the end of the trail and the checkpoints with them still shows.
 */
export const auditCheckpoints = pgTable('audit_checkpoints', {
  seq: integer('seq').primaryKey(),
  at: timestamp('at', { withTimezone: true, mode: 'date' }).notNull(),
  lastId: bigint('last_id', { mode: 'number' }).notNull(),
  lastHash: text('last_hash').notNull(),
  entries: bigint('entries', { mode: 'number' }).notNull(),
  prevSignature: text('prev_signature').notNull(),
  keyId: text('key_id').notNull(),
  signature: text('signature').notNull(),
});
