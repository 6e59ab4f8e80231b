import { z } from 'zod';
import { Id, Timestamp } from './common.js';

/**
 * What a signed-in session still owes before other routes answer it: `verify` (the account
 * has a second factor this session has not proved: 403 SECOND_FACTOR_REQUIRED elsewhere) or
 * `enrol` (the role must have one and has none: 403 SECOND_FACTOR_ENROLMENT_REQUIRED).
 */
export const SecondFactorState = z.enum(['verify', 'enrol']);
export type SecondFactorState = z.infer<typeof SecondFactorState>;

/** Kinds of second factor: an authenticator app (TOTP) or a passkey / security key (WebAuthn). */
export const MfaFactorType = z.enum(['totp', 'webauthn']);
export type MfaFactorType = z.infer<typeof MfaFactorType>;

/** A second factor as its owner sees it (never its secret). */
export const MfaFactor = z.object({
  id: Id,
  type: MfaFactorType,
  label: z.string(),
  createdAt: Timestamp,
  lastUsedAt: Timestamp.nullable(),
});
export type MfaFactor = z.infer<typeof MfaFactor>;

/** GET /api/auth/mfa: the caller's second factors and what the session owes. */
export const MfaStatus = z.object({
  factors: z.array(MfaFactor),
  recoveryCodesLeft: z.number().int(),
  /** An admin requires a second factor of this role. */
  required: z.boolean(),
  secondFactor: SecondFactorState.nullable(),
  /** When this session last proved a second factor; null: never. */
  verifiedAt: Timestamp.nullable(),
});
export type MfaStatus = z.infer<typeof MfaStatus>;

/** A factor's name as its owner chose it ("Phone", "YubiKey"). */
export const MfaLabel = z.string().trim().min(1).max(60);

/** A six-digit authenticator code (spaces typed between the digits are ignored). */
export const TotpCode = z
  .string()
  .transform((s) => s.replace(/\s+/g, ''))
  .pipe(z.string().regex(/^\d{6}$/, 'Enter the 6-digit code from your authenticator app'));

/** A recovery code as printed (xxxx-xxxx-xxxx-xxxx); case, spaces and dashes are ignored. */
export const RecoveryCode = z
  .string()
  .max(40)
  .transform((s) => s.replace(/[\s-]+/g, '').toLowerCase())
  .pipe(z.string().regex(/^[a-z2-7]{16}$/, 'Enter a recovery code as it was printed'));

/** POST /api/auth/mfa/totp: a new authenticator secret to scan (kept until confirmed, 10 minutes). */
export const TotpEnrolment = z.object({
  /** Base32, for typing into the app by hand. */
  secret: z.string(),
  otpauthUri: z.string(),
  /** The otpauth URI as a QR code image (data:image/svg+xml URL). */
  qrCode: z.string(),
});
export type TotpEnrolment = z.infer<typeof TotpEnrolment>;

/** POST /api/auth/mfa/totp/confirm: the first code proves the app holds the secret. */
export const ConfirmTotpBody = z.strictObject({ code: TotpCode, label: MfaLabel });
export type ConfirmTotpBody = z.infer<typeof ConfirmTotpBody>;

/** A factor just added; `recoveryCodes` with the first factor only (shown this once). */
export const MfaEnrolled = z.object({
  factor: MfaFactor,
  recoveryCodes: z.array(z.string()).nullable(),
});
export type MfaEnrolled = z.infer<typeof MfaEnrolled>;

/** POST /api/auth/mfa/recovery-codes: a new set (the old ones stop working); shown this once. */
export const RecoveryCodes = z.object({ recoveryCodes: z.array(z.string()) });
export type RecoveryCodes = z.infer<typeof RecoveryCodes>;

/** POST /api/auth/mfa/verify: prove the second factor with a code. */
export const VerifyCodeBody = z.discriminatedUnion('method', [
  z.strictObject({ method: z.literal('totp'), code: TotpCode }),
  z.strictObject({ method: z.literal('recovery'), code: RecoveryCode }),
]);
export type VerifyCodeBody = z.infer<typeof VerifyCodeBody>;

const Base64Url = z
  .string()
  .max(16_384)
  .regex(/^[A-Za-z0-9_-]*$/, 'base64url');

/**
 * Options for `navigator.credentials.create/get` (PublicKeyCredential*OptionsJSON, as
 * @simplewebauthn/browser takes them); the challenge is kept on the server for 5 minutes.
 */
export const WebAuthnOptions = z.looseObject({ challenge: z.string() });
export type WebAuthnOptions = z.infer<typeof WebAuthnOptions>;

/** A credential's answer as @simplewebauthn/browser returns it (RegistrationResponseJSON / AuthenticationResponseJSON). */
const CredentialJson = <T extends z.ZodRawShape>(response: T) =>
  z.strictObject({
    id: Base64Url.min(1),
    rawId: Base64Url.min(1),
    type: z.literal('public-key'),
    response: z.strictObject(response),
    authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
    clientExtensionResults: z.record(z.string(), z.unknown()),
  });

/** POST /api/auth/mfa/webauthn/register: a new passkey or security key. */
export const WebAuthnRegisterBody = z.strictObject({
  label: MfaLabel,
  response: CredentialJson({
    clientDataJSON: Base64Url,
    attestationObject: Base64Url,
    transports: z.array(z.string().max(32)).max(10).optional(),
    authenticatorData: Base64Url.optional(),
    publicKey: Base64Url.optional(),
    publicKeyAlgorithm: z.number().int().optional(),
  }),
});
export type WebAuthnRegisterBody = z.infer<typeof WebAuthnRegisterBody>;

/** POST /api/auth/mfa/webauthn/verify: prove the second factor with a passkey or security key. */
export const WebAuthnVerifyBody = z.strictObject({
  response: CredentialJson({
    clientDataJSON: Base64Url,
    authenticatorData: Base64Url,
    signature: Base64Url,
    userHandle: Base64Url.optional(),
  }),
});
export type WebAuthnVerifyBody = z.infer<typeof WebAuthnVerifyBody>;

/** GET/PUT /api/settings/mfa (admin): require a second factor of staff roles. */
export const MfaSettings = z.strictObject({ requireForStaff: z.boolean() });
export type MfaSettings = z.infer<typeof MfaSettings>;

/** DELETE /api/users/:id/mfa (admin): every second factor and recovery code of the user removed. */
export const MfaReset = z.object({ removed: z.number().int() });
export type MfaReset = z.infer<typeof MfaReset>;
