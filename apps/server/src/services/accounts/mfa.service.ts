import { and, eq } from 'drizzle-orm';
import type {
  MfaEnrolled,
  MfaStatus,
  SecondFactorState,
  TotpEnrolment,
  VerifyCodeBody,
} from '@invigil/contracts';
import type { Db, DbOrTx } from '../../db/database.js';
import { authSessions, mfaFactors, mfaRecoveryCodes } from '../../db/schema.js';
import { AppError, errors } from '../../errors.js';
import type { Clock } from '../../ports/clock.port.js';
import { encryptValue, isSealedValue, openValue, type Keyring } from '../../crypto/master-keys.js';
import { appendAudit } from '../audit/audit.service.js';
import type { Actor } from './actor.js';
import { newTotpSecret, totpProvisioning, totpStep } from './mfa-codes.js';
import { MFA_STAFF_ROLES } from './mfa-gate.js';
import { getMfaSettings } from './mfa-settings.js';
import {
  claimTotpStep,
  factorsOf,
  factorView,
  markVerified,
  putPending,
  recoveryCodesLeft,
  replaceRecoveryCodes,
  takePending,
  useRecoveryCode,
  type FactorRow,
} from './mfa-store.js';
import { SignInThrottle, type ThrottlePolicy } from './sign-in-throttle.js';

/** Who is asking: the signed-in session (MFA routes are for browser sessions only). */
export interface MfaCaller {
  actor: Actor;
  sessionId: string;
  ip?: string;
  secondFactor?: SecondFactorState;
}

/** A new factor as the enrolment ceremonies produce it. */
export type NewFactor = Pick<
  typeof mfaFactors.$inferInsert,
  | 'type'
  | 'label'
  | 'totpSecret'
  | 'totpLastStep'
  | 'credentialId'
  | 'publicKey'
  | 'signCount'
  | 'transports'
>;

/** How long a scanned secret waits for its first code. */
const ENROL_TTL_MS = 10 * 60_000;

/**
 * Second factors of one's own account: authenticator apps (TOTP) and recovery codes here,
 * passkeys in mfa-webauthn.service.ts. Wrong codes are slowed like wrong passwords
 * (SignInThrottle, under the account's own `mfa:` keys) and audited.
 */
export class MfaService {
  private readonly throttle: SignInThrottle;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly keyring: Keyring,
    throttle: ThrottlePolicy,
  ) {
    this.throttle = new SignInThrottle(db, throttle);
  }

  /** The caller's factors, recovery codes left, and what the session owes. */
  async status(c: MfaCaller): Promise<MfaStatus> {
    const factors = await factorsOf(this.db, c.actor.userId);
    const left = await recoveryCodesLeft(this.db, c.actor.userId);
    const policy = await getMfaSettings(this.db);
    const [session] = await this.db
      .select({ verifiedAt: authSessions.secondFactorAt })
      .from(authSessions)
      .where(eq(authSessions.id, c.sessionId));
    const verifiedAt = session?.verifiedAt ?? null;
    return {
      factors: factors.map(factorView),
      recoveryCodesLeft: factors.length > 0 ? left : 0,
      required: policy.requireForStaff && MFA_STAFF_ROLES.includes(c.actor.role),
      secondFactor: c.secondFactor ?? null,
      verifiedAt: verifiedAt?.toISOString() ?? null,
    };
  }

  /** Start adding an authenticator app: a new secret, kept sealed until its first code. */
  async startTotp(c: MfaCaller): Promise<TotpEnrolment> {
    const secret = newTotpSecret();
    const now = this.clock.now();
    const sealed = encryptValue(this.keyring, Buffer.from(secret));
    await putPending(
      this.db,
      c.sessionId,
      'totp_enrol',
      { ...sealed },
      new Date(now.getTime() + ENROL_TTL_MS),
    );
    return { secret, ...(await totpProvisioning(secret, c.actor.email)) };
  }

  /** Finish adding an authenticator app with its first code. */
  async confirmTotp(c: MfaCaller, code: string, label: string): Promise<MfaEnrolled> {
    const now = this.clock.now();
    const pending = await takePending(this.db, c.sessionId, 'totp_enrol', now);
    if (!pending || !isSealedValue(pending)) {
      throw errors.badRequest(
        'SECOND_FACTOR_INVALID',
        'This setup expired or was not started: start adding the authenticator app again',
      );
    }
    const secret = openValue(this.keyring, pending).toString('utf8');
    const step = totpStep(secret, code, now);
    if (step === null) {
      // Kept for another try: the secret is already in the app.
      await putPending(
        this.db,
        c.sessionId,
        'totp_enrol',
        { ...pending },
        new Date(now.getTime() + ENROL_TTL_MS),
      );
      throw errors.secondFactorInvalid(
        'That code does not match: check the app and try the next code',
      );
    }
    return this.enrol(c, {
      type: 'totp',
      label,
      totpSecret: encryptValue(this.keyring, Buffer.from(secret)),
      totpLastStep: step,
    });
  }

  /**
   * Store a new factor (and, with the first, recovery codes shown this once); the session
   * counts as verified now, since it just proved the factor. Audited as `mfa.enrol`.
   */
  async enrol(c: MfaCaller, factor: NewFactor): Promise<MfaEnrolled> {
    const now = this.clock.now();
    return this.db.transaction(async (tx) => {
      const hadFactor = (await factorsOf(tx, c.actor.userId)).length > 0;
      const [row] = await tx
        .insert(mfaFactors)
        .values({ ...factor, userId: c.actor.userId, createdAt: now, lastUsedAt: now })
        .returning();
      const recoveryCodes = hadFactor ? null : await replaceRecoveryCodes(tx, c.actor.userId);
      await markVerified(tx, c.sessionId, now);
      await this.audit(tx, c, 'mfa.enrol', {
        factorId: row!.id,
        type: factor.type,
        label: factor.label,
      });
      return { factor: factorView(row!), recoveryCodes };
    });
  }

  /**
   * Remove one of the caller's factors. The last one of a role that must have one stays;
   * with the last one gone, the recovery codes go too.
   */
  async removeFactor(c: MfaCaller, id: string): Promise<void> {
    const now = this.clock.now();
    await this.db.transaction(async (tx) => {
      const factors = await factorsOf(tx, c.actor.userId);
      const factor = factors.find((f) => f.id === id);
      if (!factor) throw errors.notFound('Second factor');
      if (factors.length === 1) {
        const policy = await getMfaSettings(tx);
        if (policy.requireForStaff && MFA_STAFF_ROLES.includes(c.actor.role)) {
          throw new AppError(
            409,
            'MFA_FACTOR_REQUIRED',
            'Your role requires two-step sign-in: add another factor before removing this one',
          );
        }
        await tx.delete(mfaRecoveryCodes).where(eq(mfaRecoveryCodes.userId, c.actor.userId));
      }
      await tx
        .delete(mfaFactors)
        .where(and(eq(mfaFactors.id, id), eq(mfaFactors.userId, c.actor.userId)));
      await this.audit(
        tx,
        c,
        'mfa.remove',
        { factorId: id, type: factor.type, label: factor.label },
        now,
      );
    });
  }

  /** A new set of recovery codes (the old ones stop working), shown this once. */
  async regenerateRecoveryCodes(c: MfaCaller): Promise<string[]> {
    return this.db.transaction(async (tx) => {
      if ((await factorsOf(tx, c.actor.userId)).length === 0) {
        throw new AppError(409, 'MFA_FACTOR_REQUIRED', 'Add a second factor before recovery codes');
      }
      const codes = await replaceRecoveryCodes(tx, c.actor.userId);
      await this.audit(tx, c, 'mfa.recovery_regenerate', {});
      return codes;
    });
  }

  /** Prove the second factor with an authenticator or recovery code (sign-in step, step-up). */
  async verifyCode(c: MfaCaller, body: VerifyCodeBody): Promise<void> {
    await this.beforeAttempt(c);
    const now = this.clock.now();
    if (body.method === 'recovery') {
      const used = await this.db.transaction(async (tx) => {
        if (!(await useRecoveryCode(tx, c.actor.userId, body.code, now))) return false;
        const left = await recoveryCodesLeft(tx, c.actor.userId);
        await this.audit(tx, c, 'mfa.recovery_used', { left }, now);
        return true;
      });
      if (!used)
        return this.failed(c, 'recovery', 'That recovery code is wrong or was already used');
      return this.verified(c, { method: 'recovery' });
    }
    const factors = (await factorsOf(this.db, c.actor.userId)).filter((f) => f.type === 'totp');
    for (const f of factors) {
      const step = totpStep(this.secretOf(f), body.code, now);
      if (step === null) continue;
      // A code works once: a step at or before the last one used is a replay.
      if (await claimTotpStep(this.db, f.id, step, now)) {
        return this.verified(c, { method: 'totp', factorId: f.id });
      }
      return this.failed(
        c,
        'totp',
        'That code was already used: wait for the next one',
        'replayed',
      );
    }
    return this.failed(c, 'totp', 'That code is wrong: check the app and try the next code');
  }

  /** Refuse while wrong codes of this account (or from this address) are being slowed. */
  async beforeAttempt(c: MfaCaller): Promise<void> {
    const now = this.clock.now();
    const waiting = await this.throttle.check(this.throttleKey(c), c.ip ?? null, false, now);
    if (waiting) {
      await this.db.transaction((tx) =>
        this.audit(tx, c, 'mfa.verify_failed', { reason: 'throttled', ip: c.ip ?? null }, now),
      );
      throw errors.signInThrottled(waiting.until, now);
    }
  }

  /** A proof that worked: the session is verified now, the wrong-code count forgotten. */
  async verified(c: MfaCaller, data: Record<string, unknown>): Promise<void> {
    const now = this.clock.now();
    await this.throttle.succeeded(this.throttleKey(c), c.ip ?? null);
    await this.db.transaction(async (tx) => {
      await markVerified(tx, c.sessionId, now);
      await this.audit(tx, c, 'mfa.verify', { ...data, ip: c.ip ?? null }, now);
    });
  }

  /** A proof that failed: counted, audited, refused. */
  async failed(c: MfaCaller, method: string, message: string, reason = 'wrong'): Promise<never> {
    const now = this.clock.now();
    await this.db.transaction(async (tx) => {
      await this.throttle.failed(tx, this.throttleKey(c), c.ip ?? null, now);
      await this.audit(tx, c, 'mfa.verify_failed', { method, reason, ip: c.ip ?? null }, now);
    });
    throw errors.secondFactorInvalid(message);
  }

  private throttleKey = (c: MfaCaller) => `mfa:${c.actor.email}`;

  private secretOf(f: FactorRow): string {
    if (!isSealedValue(f.totpSecret)) throw new Error('A TOTP factor without a sealed secret');
    return openValue(this.keyring, f.totpSecret).toString('utf8');
  }

  private audit(
    tx: DbOrTx,
    c: MfaCaller,
    action: string,
    data: Record<string, unknown>,
    at = this.clock.now(),
  ): Promise<void> {
    return appendAudit(
      tx,
      { actorId: c.actor.userId, action, entityType: 'user', entityId: c.actor.userId, data },
      at,
    );
  }
}
