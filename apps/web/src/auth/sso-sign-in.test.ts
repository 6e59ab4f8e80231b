import { describe, expect, it } from 'vitest';
import { SSO_ERROR_CODES } from '@invigil/contracts';
import { ssoErrorMessage } from './sso-sign-in';

describe('single sign-on refusals on the sign-in page', () => {
  it('say something for every code, and something general for an unknown one', () => {
    expect(ssoErrorMessage(null)).toBeNull();
    for (const code of SSO_ERROR_CODES) expect(ssoErrorMessage(code)).toMatch(/\w.*\.$/);
    expect(ssoErrorMessage('SSO_DOMAIN_NOT_ALLOWED')).toContain('cannot sign in here');
    expect(ssoErrorMessage('RATE_LIMITED')).toContain('Too many sign-in attempts');
    expect(ssoErrorMessage('SOMETHING_ELSE')).toContain('did not work');
    expect(ssoErrorMessage('<script>')).toContain('did not work');
  });
});
