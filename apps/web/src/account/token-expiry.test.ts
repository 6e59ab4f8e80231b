import { describe, expect, it } from 'vitest';
import { expiryChoiceLabel, expiryChoices, tokenExpiryText } from './token-expiry';

describe('token expiry choices', () => {
  it('offers the usual lifetimes up to the maximum, with the default and maximum', () => {
    expect(expiryChoices({ default: 90, max: 365 })).toEqual([30, 90, 180, 365]);
    expect(expiryChoices({ default: 14, max: 100 })).toEqual([14, 30, 90, 100]);
    expect(expiryChoices({ default: 7, max: 7 })).toEqual([7]);
  });

  it('marks the default', () => {
    expect(expiryChoiceLabel(90, 90)).toBe('90 days (default)');
    expect(expiryChoiceLabel(1, 90)).toBe('1 day');
  });

  it('says whether a token has expired', () => {
    const now = Date.parse('2026-06-01T12:00:00Z');
    expect(tokenExpiryText('2026-07-01T12:00:00Z', now)).toMatch(/^expires /);
    expect(tokenExpiryText('2026-05-01T12:00:00Z', now)).toMatch(/^expired /);
  });
});
