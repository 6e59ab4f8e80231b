import { sql } from 'drizzle-orm';
import { authSessions, mfaFactors, settings, users } from '../../db/schema.js';

/** The settings key of the second-factor policy (mfa-settings.ts). */
export const MFA_SETTINGS_KEY = 'mfa';

/**
 * What the second-factor gate (mfa-gate.ts) reads, as columns of the session lookup that
 * every request runs: one query still answers who is calling and what the session owes.
 */
export const sessionMfaColumns = {
  secondFactorAt: authSessions.secondFactorAt,
  hasFactor: sql<boolean>`exists (select 1 from ${mfaFactors} where ${mfaFactors.userId} = ${users.id})`,
  requireForStaff: sql<boolean>`coalesce((select (${settings.value} ->> 'requireForStaff')::boolean from ${settings} where ${settings.key} = ${MFA_SETTINGS_KEY}), false)`,
};
