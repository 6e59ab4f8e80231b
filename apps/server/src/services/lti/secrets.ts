import { createHash, randomBytes } from 'node:crypto';

/** A random single-use secret (state, nonce, handoff ticket, request id): 256 bits, URL-safe. */
export const newLtiSecret = (): string => randomBytes(32).toString('base64url');

/** How single-use secrets are stored: their SHA-256, hex (a database read reveals none). */
export const sha256Hex = (value: string): string =>
  createHash('sha256').update(value, 'utf8').digest('hex');
