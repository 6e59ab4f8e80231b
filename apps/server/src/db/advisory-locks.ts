import { sql } from 'drizzle-orm';
import type { DbOrTx } from './database.js';

/**
 * The classes of the server's transaction-scoped advisory locks
 * (`pg_advisory_xact_lock(class, hashtext(key))`), all in one place: each purpose has its
 * own class, so work of one kind never waits on, or deadlocks with, unrelated work that
 * happens to lock the same key (a session id). A new purpose gets a new number here.
 */

/** The audit log's hash chain: one append at a time (`pg_advisory_xact_lock(class)`, no key). */
export const AUDIT_CHAIN_LOCK = 742001;
/** A session's server events: the next server `seq` (key: session id). */
export const SERVER_EVENT_SEQ_LOCK = 742002;
/** A session's flags: re-judging them, review decisions and verdicts (key: session id). */
export const SESSION_FLAGS_LOCK = 742003;
/** A session's evidence judgement: the evidence watchdog and the ended-recording check (key: session id). */
export const EVIDENCE_LOCK = 742004;
/** A session's arriving client events, judged against each other (key: session id). */
export const EVENT_ARRIVAL_LOCK = 742005;
/** One track or snapshot kind of a session, judged against its allowance (key: `<session>/<folder>`). */
export const UPLOAD_QUOTA_LOCK = 742006;
/** A session's identity photos, admitted one at a time (key: session id). */
export const IDENTITY_PHOTOS_LOCK = 742007;
/** A notification's deliveries, written once per target (key: notification id). */
export const NOTIFICATION_OUTBOX_LOCK = 742010;

/**
 * Applying migrations (`pg_advisory_lock(class)`, held by one connection for the whole run):
 * processes of several machines starting a new version at once migrate one after the other.
 */
export const MIGRATION_LOCK = 742011;

/** Every class above, by name (each must be distinct; see advisory-locks.test.ts). */
export const ADVISORY_LOCK_CLASSES = {
  AUDIT_CHAIN_LOCK,
  SERVER_EVENT_SEQ_LOCK,
  SESSION_FLAGS_LOCK,
  EVIDENCE_LOCK,
  EVENT_ARRIVAL_LOCK,
  UPLOAD_QUOTA_LOCK,
  IDENTITY_PHOTOS_LOCK,
  NOTIFICATION_OUTBOX_LOCK,
  MIGRATION_LOCK,
} as const;

/** A keyed lock class (all but the audit chain's). */
export type KeyedLockClass = Exclude<
  (typeof ADVISORY_LOCK_CLASSES)[keyof typeof ADVISORY_LOCK_CLASSES],
  typeof AUDIT_CHAIN_LOCK | typeof MIGRATION_LOCK
>;

/** Take lock `lockClass` on `key` until the caller's transaction ends. */
export async function lockInTransaction(
  tx: DbOrTx,
  lockClass: KeyedLockClass,
  key: string,
): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(${lockClass}, hashtext(${key}))`);
}
