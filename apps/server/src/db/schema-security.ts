import { index, integer, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { tz } from './schema-columns.js';
import { users } from './schema-core.js';

/**
 * Failed sign-ins, counted per (address, account) and per account (`services/accounts/
 * sign-in-throttle.ts`). Keys are hashes of the address and the e-mail as typed, so an
 * address that has no account is counted exactly like one that has (nothing tells them
 * apart), and no address or e-mail is kept in the clear.
 */
export const signInThrottles = pgTable(
  'sign_in_throttles',
  {
    key: text('key').primaryKey(),
    /** The account's key (hash of the e-mail): what a password reset clears. */
    account: text('account').notNull(),
    failures: integer('failures').notNull(),
    lastFailureAt: tz('last_failure_at').notNull(),
    /** No attempt is checked before this (null: not throttled). */
    blockedUntil: tz('blocked_until'),
  },
  (t) => [index('sign_in_throttles_account_idx').on(t.account)],
);

/**
 * Browsers an account has signed in from (a random token in a long-lived cookie, kept here
 * hashed): their sign-ins are not slowed by failures elsewhere, so a stranger guessing a
 * student's password cannot keep the student out.
 */
export const knownDevices = pgTable(
  'known_devices',
  {
    tokenHash: text('token_hash').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: tz('created_at').notNull().defaultNow(),
    lastUsedAt: tz('last_used_at').notNull().defaultNow(),
  },
  (t) => [index('known_devices_user_idx').on(t.userId)],
);
