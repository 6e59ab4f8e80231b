import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { retryDelayMs } from './backoff.js';
import { newWebhookSecret, signWebhook, verifyWebhookSignature } from './signature.js';

describe('webhook signature', () => {
  it('is sha256= and the hex HMAC of "<timestamp>.<body>" keyed with the secret', () => {
    const body = '{"id":"x","event":"ping"}';
    const expected = createHmac('sha256', 'k3y').update(`1700000000.${body}`).digest('hex');
    expect(signWebhook('k3y', '1700000000', body)).toBe(`sha256=${expected}`);
    // A known vector, so a change of the scheme cannot pass unnoticed.
    expect(signWebhook('secret', '1', '{}')).toBe(
      `sha256=${createHmac('sha256', 'secret').update('1.{}').digest('hex')}`,
    );
  });

  it('verifies only the same secret, timestamp and body', () => {
    const sig = signWebhook('a', '10', 'body');
    expect(verifyWebhookSignature('a', '10', 'body', sig)).toBe(true);
    expect(verifyWebhookSignature('b', '10', 'body', sig)).toBe(false);
    expect(verifyWebhookSignature('a', '11', 'body', sig)).toBe(false);
    expect(verifyWebhookSignature('a', '10', 'body ', sig)).toBe(false);
    expect(verifyWebhookSignature('a', '10', 'body', 'sha256=00')).toBe(false);
  });

  it('makes 32-byte hex secrets, different every time', () => {
    const a = newWebhookSecret();
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(newWebhookSecret()).not.toBe(a);
  });
});

describe('retry backoff', () => {
  const middle = () => 0.5;

  it('waits 30 s, 2 min, 8 min, … four times longer each time, capped at 6 h', () => {
    const delays = [1, 2, 3, 4, 5, 6, 7].map((n) => retryDelayMs(n, 30_000, middle));
    expect(delays).toEqual([
      30_000, 120_000, 480_000, 1_920_000, 7_680_000, 21_600_000, 21_600_000,
    ]);
  });

  it('adds ±20 % jitter', () => {
    expect(retryDelayMs(1, 30_000, () => 0)).toBe(24_000);
    expect(retryDelayMs(1, 30_000, () => 0.999_999)).toBe(36_000);
    expect(retryDelayMs(2, 50, () => 0.5)).toBe(200);
  });
});
