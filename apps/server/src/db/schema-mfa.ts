import { sql } from 'drizzle-orm';
import {
  bigint,
  check,
  index,
  jsonb,
  pgTable,
  primaryKey,
  text,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { tz } from './schema-columns.js';
import { authSessions, users } from './schema-core.js';

/**
 * Second factors of an account (services/accounts/mfa-*.ts): authenticator apps (TOTP, the
 * shared secret sealed by the master keyring like face descriptors) and passkeys / security
 * keys (WebAuthn: only the public key is kept).
 */
export const mfaFactors = pgTable(
  'mfa_factors',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    type: text('type').notNull(),
    label: text('label').notNull(),
    /** TOTP: the shared secret, sealed (SealedValue). */
    totpSecret: jsonb('totp_secret'),
    /** TOTP: the time step of the last code taken; a code of that step or earlier is refused. */
    totpLastStep: bigint('totp_last_step', { mode: 'number' }),
    /** WebAuthn: the credential id (base64url). */
    credentialId: text('credential_id'),
    /** WebAuthn: the COSE public key (base64url). */
    publicKey: text('public_key'),
    /** WebAuthn: the authenticator's signature counter as last seen. */
    signCount: bigint('sign_count', { mode: 'number' }),
    transports: jsonb('transports'),
    createdAt: tz('created_at').notNull().defaultNow(),
    lastUsedAt: tz('last_used_at'),
  },
  (t) => [
    index('mfa_factors_user_idx').on(t.userId),
    uniqueIndex('mfa_factors_credential_key').on(t.credentialId),
    check('mfa_factors_type_check', sql`${t.type} in ('totp','webauthn')`),
  ],
);

/** One-time recovery codes: only their SHA-256 is kept; a used code stays, marked. */
export const mfaRecoveryCodes = pgTable(
  'mfa_recovery_codes',
  {
    codeHash: text('code_hash').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: tz('created_at').notNull().defaultNow(),
    usedAt: tz('used_at'),
  },
  (t) => [index('mfa_recovery_codes_user_idx').on(t.userId)],
);

/**
 * Short-lived server-side state of a ceremony in progress, per sign-in session and purpose:
 * a TOTP secret awaiting its first code, a WebAuthn challenge awaiting its answer.
 */
export const mfaPending = pgTable(
  'mfa_pending',
  {
    sessionId: text('session_id')
      .notNull()
      .references(() => authSessions.id, { onDelete: 'cascade' }),
    purpose: text('purpose').notNull(),
    data: jsonb('data').notNull(),
    expiresAt: tz('expires_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.sessionId, t.purpose] })],
);
