import { createHash, randomBytes } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import { toString as qrCodeText } from 'qrcode';

/** The name authenticator apps show beside the account. */
export const TOTP_ISSUER = 'Invigil';
const PERIOD_SECONDS = 30;
/** Codes of the step before and after are taken too: clocks drift and typing takes time. */
const WINDOW_STEPS = 1;
/** Recovery codes issued at a time. */
export const RECOVERY_CODE_COUNT = 10;

const totpOf = (secretBase32: string, account = '') =>
  new TOTP({
    issuer: TOTP_ISSUER,
    label: account,
    algorithm: 'SHA1',
    digits: 6,
    period: PERIOD_SECONDS,
    secret: Secret.fromBase32(secretBase32),
  });

/** A new TOTP secret (160 bits, RFC 4226's recommendation), base32 as apps take it. */
export const newTotpSecret = (): string => new Secret({ size: 20 }).base32;

/** The otpauth:// URI an authenticator app scans, and it as a QR code (SVG data URL). */
export async function totpProvisioning(secretBase32: string, account: string) {
  const otpauthUri = totpOf(secretBase32, account).toString();
  const svg = await qrCodeText(otpauthUri, {
    type: 'svg',
    errorCorrectionLevel: 'M',
    margin: 2,
  });
  return {
    otpauthUri,
    qrCode: `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`,
  };
}

/**
 * The time step `code` belongs to (within ±WINDOW_STEPS of `now`), or null if it matches none.
 * The caller refuses a step at or before the last one used, so a code works once.
 */
export function totpStep(secretBase32: string, code: string, now: Date): number | null {
  const delta = totpOf(secretBase32).validate({
    token: code,
    timestamp: now.getTime(),
    window: WINDOW_STEPS,
  });
  if (delta === null) return null;
  return Math.floor(now.getTime() / 1000 / PERIOD_SECONDS) + delta;
}

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** 80 random bits as 16 base32 letters, printed xxxx-xxxx-xxxx-xxxx. */
function newRecoveryCode(): string {
  const bytes = randomBytes(10);
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out.match(/.{4}/g)!.join('-');
}

/** A fresh set of recovery codes as printed. */
export const newRecoveryCodes = (): string[] =>
  Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);

/**
 * What is stored of a recovery code: SHA-256 over the owner and the code (normalised as
 * RecoveryCode parses it). 80 random bits need no slow hash; the owner in the hash makes
 * one account's code useless at another.
 */
export const recoveryCodeHash = (userId: string, code: string): string =>
  createHash('sha256')
    .update(`${userId}:${code.replace(/[\s-]+/g, '').toLowerCase()}`)
    .digest('hex');
