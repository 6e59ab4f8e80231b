import { index, pgTable, primaryKey, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { tz } from './schema-columns.js';
import { users } from './schema-core.js';

/**
 * Accounts at an OpenID Connect provider linked to Invigil accounts (single sign-on). An
 * identity is its provider's (issuer, subject), never the e-mail, which can be reassigned;
 * one account has at most one identity per issuer, so a second subject with the same e-mail
 * cannot take the account over.
 */
export const userIdentities = pgTable(
  'user_identities',
  {
    issuer: text('issuer').notNull(),
    subject: text('subject').notNull(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** The e-mail the provider gave when the identity was linked (for the record). */
    email: text('email').notNull(),
    createdAt: tz('created_at').notNull().defaultNow(),
    lastSignInAt: tz('last_sign_in_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.issuer, t.subject] }),
    uniqueIndex('user_identities_user_issuer_key').on(t.userId, t.issuer),
    index('user_identities_user_idx').on(t.userId),
  ],
);
