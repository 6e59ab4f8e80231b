import { describe, expect, it } from 'vitest';
import type { Role } from '@invigil/contracts';
import type { AppError } from '../../errors.js';
import { mappedRole, personFromClaims, type Claims } from './oidc-claims.js';

const roleMap = new Map<string, Role>([
  ['staff-proctors', 'proctor'],
  ['exam-office', 'admin'],
  ['teachers', 'instructor'],
]);
const settings = { roleClaim: 'groups', roleMap, allowedDomains: ['uni.example'] };

/** The claims of a verified person at uni.example, with `overrides`. */
const buildClaims = (overrides: Claims = {}): Claims => ({
  sub: 'subject-1',
  email: 'Ada@Uni.Example',
  email_verified: true,
  name: 'Ada Lovelace',
  ...overrides,
});

const refusal = (claims: Claims) => {
  try {
    personFromClaims(claims, settings);
    return 'accepted';
  } catch (error) {
    return (error as AppError).code;
  }
};

describe('single sign-on claims', () => {
  it('map the role claim to the most trusted mapped role, or none', () => {
    expect(mappedRole({ groups: ['teachers', 'exam-office', 'x'] }, 'groups', roleMap)).toBe(
      'admin',
    );
    expect(mappedRole({ groups: 'staff-proctors' }, 'groups', roleMap)).toBe('proctor');
    expect(mappedRole({ groups: ['library'] }, 'groups', roleMap)).toBeUndefined();
    expect(mappedRole({}, 'groups', roleMap)).toBeUndefined();
    expect(mappedRole({ groups: [{ nested: 'exam-office' }] }, 'groups', roleMap)).toBeUndefined();
  });

  it('find the role claim by exact name first, then by a dotted path', () => {
    expect(
      mappedRole({ realm_access: { roles: ['teachers'] } }, 'realm_access.roles', roleMap),
    ).toBe('instructor');
    const url = 'https://uni.example/claims.roles';
    expect(mappedRole({ [url]: ['exam-office'] }, url, roleMap)).toBe('admin');
  });

  it('give the person with a lower-case e-mail, a name and the mapped role', () => {
    expect(personFromClaims(buildClaims({ groups: ['teachers'] }), settings)).toEqual({
      subject: 'subject-1',
      email: 'ada@uni.example',
      name: 'Ada Lovelace',
      role: 'instructor',
    });
    // Without a name the e-mail's local part stands in; subdomains of allowed domains pass.
    expect(
      personFromClaims(buildClaims({ name: undefined, email: 'b@cs.uni.example' }), settings),
    ).toMatchObject({
      name: 'b',
      role: undefined,
    });
  });

  it('refuse a missing or unverified e-mail and a disallowed domain', () => {
    expect(refusal(buildClaims({ email: undefined }))).toBe('SSO_EMAIL_MISSING');
    expect(refusal(buildClaims({ email: 'not an address' }))).toBe('SSO_EMAIL_MISSING');
    expect(refusal(buildClaims({ sub: undefined }))).toBe('SSO_EMAIL_MISSING');
    expect(refusal(buildClaims({ email_verified: false }))).toBe('SSO_EMAIL_UNVERIFIED');
    expect(refusal(buildClaims({ email_verified: 'false' }))).toBe('SSO_EMAIL_UNVERIFIED');
    // An absent mark is trusted (many providers vouch only for addresses they manage).
    expect(refusal(buildClaims({ email_verified: undefined }))).toBe('accepted');
    expect(refusal(buildClaims({ email: 'ada@uni.example.evil.test' }))).toBe(
      'SSO_DOMAIN_NOT_ALLOWED',
    );
    expect(refusal(buildClaims({ email: 'ada@notuni.example' }))).toBe('SSO_DOMAIN_NOT_ALLOWED');
  });
});
