import { index, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { tz } from './schema-columns.js';
import { users } from './schema-core.js';

/**
 * E-mail verification links of self sign-up, shaped like password reset links: only the
 * SHA-256 of the secret is stored; a link works once (`used_at`) until `expires_at`, and a
 * newer link revokes the older ones. Kept apart from reset links, so a secret made for one
 * purpose can never serve the other.
 */
export const emailVerifications = pgTable(
  'email_verifications',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    tokenHash: text('token_hash').notNull(),
    createdAt: tz('created_at').notNull(),
    expiresAt: tz('expires_at').notNull(),
    usedAt: tz('used_at'),
    revokedAt: tz('revoked_at'),
  },
  (t) => [
    uniqueIndex('email_verifications_token_key').on(t.tokenHash),
    index('email_verifications_user_idx').on(t.userId, t.createdAt),
  ],
);
