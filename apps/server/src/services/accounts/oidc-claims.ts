import type { Role } from '@invigil/contracts';
import { ssoError } from './oidc-errors.js';
import { emailDomainAllowed } from './settings.service.js';

/** Claims of one sign-in: the ID token's, completed by the userinfo answer. */
export type Claims = Record<string, unknown>;

/** The person a provider vouched for, as Invigil needs them. */
export interface ProviderPerson {
  subject: string;
  email: string;
  name: string;
  /** The role the role claim maps to; undefined when no value of it is mapped. */
  role: Role | undefined;
}

/** Roles from least to most trusted: with several mapped values, the last one wins. */
const RANK: readonly Role[] = ['student', 'proctor', 'instructor', 'admin'];

/**
 * A claim by name: the exact key first (providers use URLs with dots as claim names), then a
 * dotted path into nested objects (Keycloak's `realm_access.roles`).
 */
export function claimAt(claims: Claims, name: string): unknown {
  if (name in claims) return claims[name];
  let value: unknown = claims;
  for (const part of name.split('.')) {
    if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** The most trusted role the claim's values map to; undefined when none is mapped. */
export function mappedRole(
  claims: Claims,
  roleClaim: string,
  roleMap: ReadonlyMap<string, Role>,
): Role | undefined {
  const raw = claimAt(claims, roleClaim);
  const values = (Array.isArray(raw) ? raw : [raw]).filter(
    (v): v is string | number => typeof v === 'string' || typeof v === 'number',
  );
  let best: Role | undefined;
  for (const value of values) {
    const role = roleMap.get(String(value));
    if (role && (!best || RANK.indexOf(role) > RANK.indexOf(best))) best = role;
  }
  return best;
}

/**
 * Who the provider says signed in, or the refusal: an e-mail is required, one the provider
 * marks unverified is refused (an absent mark is trusted: many providers only vouch for
 * addresses they manage), and its domain must be allowed.
 */
export function personFromClaims(
  claims: Claims,
  settings: {
    roleClaim: string;
    roleMap: ReadonlyMap<string, Role>;
    allowedDomains: readonly string[];
  },
): ProviderPerson {
  const subject = typeof claims.sub === 'string' ? claims.sub : '';
  const email = typeof claims.email === 'string' ? claims.email.trim().toLowerCase() : '';
  if (!subject || !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email) || email.length > 254) {
    throw ssoError('SSO_EMAIL_MISSING');
  }
  const verified = claims.email_verified;
  if (verified === false || verified === 'false') throw ssoError('SSO_EMAIL_UNVERIFIED');
  if (!emailDomainAllowed(email, settings.allowedDomains)) {
    throw ssoError('SSO_DOMAIN_NOT_ALLOWED', { allowedDomains: settings.allowedDomains });
  }
  const given = typeof claims.name === 'string' ? claims.name.trim() : '';
  return {
    subject,
    email,
    name: (given || email.split('@')[0] || email).slice(0, 120),
    role: mappedRole(claims, settings.roleClaim, settings.roleMap),
  };
}
