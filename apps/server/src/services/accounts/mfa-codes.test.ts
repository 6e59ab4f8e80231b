import { Secret, TOTP } from 'otpauth';
import { describe, expect, it } from 'vitest';
import { RecoveryCode } from '@invigil/contracts';
import { newRecoveryCodes, newTotpSecret, recoveryCodeHash, totpStep } from './mfa-codes.js';

describe('second-factor codes', () => {
  const secret = newTotpSecret();
  const at = new Date('2026-03-01T10:00:10Z');
  const code = (when: Date) =>
    new TOTP({ secret: Secret.fromBase32(secret) }).generate({ timestamp: when.getTime() });
  const step = Math.floor(at.getTime() / 30_000);

  it('matches a TOTP code to its 30-second step, one step either side', () => {
    expect(totpStep(secret, code(at), at)).toBe(step);
    expect(totpStep(secret, code(new Date(at.getTime() - 30_000)), at)).toBe(step - 1);
    expect(totpStep(secret, code(new Date(at.getTime() + 30_000)), at)).toBe(step + 1);
    expect(totpStep(secret, code(new Date(at.getTime() + 90_000)), at)).toBeNull();
  });

  it('makes ten distinct recovery codes the contract reads back, hashed per account', () => {
    const codes = newRecoveryCodes();
    expect(new Set(codes).size).toBe(10);
    for (const c of codes)
      expect(RecoveryCode.parse(` ${c.toUpperCase()} `)).toBe(c.replace(/-/g, ''));
    const [first] = codes as [string];
    expect(recoveryCodeHash('u1', first)).toBe(recoveryCodeHash('u1', first.replace(/-/g, ' ')));
    expect(recoveryCodeHash('u1', first)).not.toBe(recoveryCodeHash('u2', first));
  });
});
