import { and, asc, count, eq, isNull, lt, or } from 'drizzle-orm';
import type { MfaFactor, MfaFactorType } from '@invigil/contracts';
import type { DbOrTx } from '../../db/database.js';
import { authSessions, mfaFactors, mfaPending, mfaRecoveryCodes } from '../../db/schema.js';
import { newRecoveryCodes, recoveryCodeHash } from './mfa-codes.js';

/** Ceremonies kept server-side between their two requests (mfa_pending.purpose). */
export type PendingPurpose = 'totp_enrol' | 'webauthn_register' | 'webauthn_verify';

/** A stored factor row. */
export type FactorRow = typeof mfaFactors.$inferSelect;

/** A factor as the API shows it. */
export const factorView = (r: FactorRow): MfaFactor => ({
  id: r.id,
  type: r.type as MfaFactorType,
  label: r.label,
  createdAt: r.createdAt.toISOString(),
  lastUsedAt: r.lastUsedAt?.toISOString() ?? null,
});

/** Every factor of a user, oldest first. */
export const factorsOf = (db: DbOrTx, userId: string): Promise<FactorRow[]> =>
  db
    .select()
    .from(mfaFactors)
    .where(eq(mfaFactors.userId, userId))
    .orderBy(asc(mfaFactors.createdAt));

/** Keep a ceremony's state for this session (a new one replaces an unfinished one). */
export async function putPending(
  db: DbOrTx,
  sessionId: string,
  purpose: PendingPurpose,
  data: Record<string, unknown>,
  expiresAt: Date,
): Promise<void> {
  await db
    .insert(mfaPending)
    .values({ sessionId, purpose, data, expiresAt })
    .onConflictDoUpdate({
      target: [mfaPending.sessionId, mfaPending.purpose],
      set: { data, expiresAt },
    });
}

/** Take a ceremony's state (once: it is deleted), or undefined when none or expired. */
export async function takePending(
  db: DbOrTx,
  sessionId: string,
  purpose: PendingPurpose,
  now: Date,
): Promise<Record<string, unknown> | undefined> {
  const [row] = await db
    .delete(mfaPending)
    .where(and(eq(mfaPending.sessionId, sessionId), eq(mfaPending.purpose, purpose)))
    .returning();
  return row && row.expiresAt > now ? (row.data as Record<string, unknown>) : undefined;
}

/** Mark the session as having proved its second factor now (sign-in step, step-up). */
export async function markVerified(db: DbOrTx, sessionId: string, now: Date): Promise<void> {
  await db.update(authSessions).set({ secondFactorAt: now }).where(eq(authSessions.id, sessionId));
}

/** Replace the user's recovery codes with a fresh set; returns them as printed. */
export async function replaceRecoveryCodes(db: DbOrTx, userId: string): Promise<string[]> {
  const codes = newRecoveryCodes();
  await db.delete(mfaRecoveryCodes).where(eq(mfaRecoveryCodes.userId, userId));
  await db
    .insert(mfaRecoveryCodes)
    .values(codes.map((c) => ({ codeHash: recoveryCodeHash(userId, c), userId })));
  return codes;
}

/** Unused recovery codes left. */
export async function recoveryCodesLeft(db: DbOrTx, userId: string): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(mfaRecoveryCodes)
    .where(and(eq(mfaRecoveryCodes.userId, userId), isNull(mfaRecoveryCodes.usedAt)));
  return row?.n ?? 0;
}

/** Use a recovery code: true when it was the user's and unused (it is used up now). */
export async function useRecoveryCode(
  db: DbOrTx,
  userId: string,
  code: string,
  now: Date,
): Promise<boolean> {
  const rows = await db
    .update(mfaRecoveryCodes)
    .set({ usedAt: now })
    .where(
      and(
        eq(mfaRecoveryCodes.codeHash, recoveryCodeHash(userId, code)),
        eq(mfaRecoveryCodes.userId, userId),
        isNull(mfaRecoveryCodes.usedAt),
      ),
    )
    .returning({ codeHash: mfaRecoveryCodes.codeHash });
  return rows.length === 1;
}

/** Record a TOTP step as used; false when that step (or a later one) was used already. */
export async function claimTotpStep(
  db: DbOrTx,
  factorId: string,
  step: number,
  now: Date,
): Promise<boolean> {
  const rows = await db
    .update(mfaFactors)
    .set({ totpLastStep: step, lastUsedAt: now })
    .where(and(eq(mfaFactors.id, factorId), notUsedSince(step)))
    .returning({ id: mfaFactors.id });
  return rows.length === 1;
}

/** Null: never used; otherwise only a later step is new. */
const notUsedSince = (step: number) =>
  or(isNull(mfaFactors.totpLastStep), lt(mfaFactors.totpLastStep, step));
