import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { and, eq } from 'drizzle-orm';
import type {
  MfaEnrolled,
  WebAuthnOptions,
  WebAuthnRegisterBody,
  WebAuthnVerifyBody,
} from '@invigil/contracts';
import type { Db } from '../../db/database.js';
import { mfaFactors } from '../../db/schema.js';
import { errors } from '../../errors.js';
import type { Clock } from '../../ports/clock.port.js';
import type { MfaCaller, MfaService } from './mfa.service.js';
import { factorsOf, putPending, takePending } from './mfa-store.js';

/** Where passkeys are bound: the site's host name (RP id) and the origin pages run on. */
export interface RelyingParty {
  id: string;
  origin: string;
}

/** The name a browser shows in its passkey dialog. */
const RP_NAME = 'Invigil';
/** How long a challenge waits for its answer. */
const CHALLENGE_TTL_MS = 5 * 60_000;

const b64url = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url');
const transportsOf = (v: unknown): string[] | undefined =>
  Array.isArray(v) ? v.filter((t): t is string => typeof t === 'string') : undefined;

/**
 * Passkeys and security keys (WebAuthn) as a second factor: registration and assertion
 * ceremonies, with each challenge kept server-side per session and usable once. User
 * verification is preferred, not required: a security key without a PIN is a second factor
 * after the password all the same.
 */
export class WebAuthnService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly mfa: MfaService,
  ) {}

  /** Options to create a credential (the account's existing ones excluded). */
  async registrationOptions(c: MfaCaller, rp: RelyingParty): Promise<WebAuthnOptions> {
    const existing = (await factorsOf(this.db, c.actor.userId)).filter((f) => f.credentialId);
    const options = await generateRegistrationOptions({
      rpName: RP_NAME,
      rpID: rp.id,
      userName: c.actor.email,
      userID: Buffer.from(c.actor.userId),
      attestationType: 'none',
      excludeCredentials: existing.map((f) => ({
        id: f.credentialId!,
        transports: transportsOf(f.transports),
      })),
      authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
    });
    await this.keep(c, 'webauthn_register', options.challenge, rp);
    return options as unknown as WebAuthnOptions;
  }

  /** Check the new credential against the challenge and store it as a factor. */
  async register(c: MfaCaller, rp: RelyingParty, body: WebAuthnRegisterBody): Promise<MfaEnrolled> {
    const challenge = await this.challenge(c, 'webauthn_register');
    const result = await verifyRegistrationResponse({
      response: body.response as RegistrationResponseJSON,
      expectedChallenge: challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      requireUserVerification: false,
    }).catch((err: unknown) => {
      throw errors.secondFactorInvalid(`The passkey could not be checked: ${messageOf(err)}`);
    });
    if (!result.verified) throw errors.secondFactorInvalid('The passkey could not be checked');
    const { credential } = result.registrationInfo;
    return this.mfa.enrol(c, {
      type: 'webauthn',
      label: body.label,
      credentialId: credential.id,
      publicKey: b64url(credential.publicKey),
      signCount: credential.counter,
      transports: credential.transports ?? body.response.response.transports ?? null,
    });
  }

  /** Options to sign in with one of the account's passkeys or security keys. */
  async authenticationOptions(c: MfaCaller, rp: RelyingParty): Promise<WebAuthnOptions> {
    const keys = (await factorsOf(this.db, c.actor.userId)).filter((f) => f.credentialId);
    if (keys.length === 0) throw errors.notFound('Passkey or security key');
    const options = await generateAuthenticationOptions({
      rpID: rp.id,
      allowCredentials: keys.map((f) => ({
        id: f.credentialId!,
        transports: transportsOf(f.transports),
      })),
      userVerification: 'preferred',
    });
    await this.keep(c, 'webauthn_verify', options.challenge, rp);
    return options as unknown as WebAuthnOptions;
  }

  /** Prove the second factor with a passkey or security key (sign-in step, step-up). */
  async verify(c: MfaCaller, rp: RelyingParty, body: WebAuthnVerifyBody): Promise<void> {
    await this.mfa.beforeAttempt(c);
    const challenge = await this.challenge(c, 'webauthn_verify');
    const [factor] = await this.db
      .select()
      .from(mfaFactors)
      .where(
        and(eq(mfaFactors.userId, c.actor.userId), eq(mfaFactors.credentialId, body.response.id)),
      );
    if (!factor?.publicKey) {
      return this.mfa.failed(c, 'webauthn', 'That passkey is not one of this account’s');
    }
    const result = await verifyAuthenticationResponse({
      response: body.response as AuthenticationResponseJSON,
      expectedChallenge: challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      credential: {
        id: factor.credentialId!,
        publicKey: Buffer.from(factor.publicKey, 'base64url'),
        counter: factor.signCount ?? 0,
        transports: transportsOf(factor.transports),
      },
      requireUserVerification: false,
    }).catch(() => undefined);
    if (!result?.verified) {
      return this.mfa.failed(c, 'webauthn', 'The passkey’s answer could not be verified');
    }
    await this.db
      .update(mfaFactors)
      .set({ signCount: result.authenticationInfo.newCounter, lastUsedAt: this.clock.now() })
      .where(eq(mfaFactors.id, factor.id));
    await this.mfa.verified(c, { method: 'webauthn', factorId: factor.id });
  }

  private async keep(
    c: MfaCaller,
    purpose: 'webauthn_register' | 'webauthn_verify',
    challenge: string,
    rp: RelyingParty,
  ): Promise<void> {
    const expires = new Date(this.clock.now().getTime() + CHALLENGE_TTL_MS);
    await putPending(this.db, c.sessionId, purpose, { challenge, rpId: rp.id }, expires);
  }

  private async challenge(
    c: MfaCaller,
    purpose: 'webauthn_register' | 'webauthn_verify',
  ): Promise<string> {
    const pending = await takePending(this.db, c.sessionId, purpose, this.clock.now());
    if (typeof pending?.challenge !== 'string') {
      throw errors.secondFactorInvalid('The passkey request expired: try again');
    }
    return pending.challenge;
  }
}

const messageOf = (err: unknown) => (err instanceof Error ? err.message : 'unknown error');
