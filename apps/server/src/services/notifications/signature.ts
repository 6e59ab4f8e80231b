import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** A new webhook secret: 32 random bytes, hex. */
export const newWebhookSecret = (): string => randomBytes(32).toString('hex');

/**
 * The `x-invigil-signature` value: `sha256=` + hex HMAC-SHA256, keyed with the webhook's
 * secret, of `<timestamp>.<body>`. The timestamp is inside the MAC so a captured request
 * cannot be replayed later with a new timestamp.
 */
export function signWebhook(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** Check a signature in constant time (what a receiver does; used by tests and docs). */
export function verifyWebhookSignature(
  secret: string,
  timestamp: string,
  body: string,
  signature: string,
): boolean {
  const expected = Buffer.from(signWebhook(secret, timestamp, body));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
