import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { Role } from '@invigil/contracts';

const ROLES: readonly string[] = Role.options;

const DOMAIN = /^[a-z0-9.-]+\.[a-z]{2,}$/;

/**
 * Institutional single sign-on with OpenID Connect, beside passwords. Unset OIDC_ISSUER: no
 * "Sign in with …" button, and the other OIDC_* settings must be unset too.
 */
export const OIDC_ENV = {
  OIDC_ISSUER: z
    .url({ message: 'Must be an absolute URL, e.g. https://login.uni.example/realms/staff' })
    .optional()
    .describe(
      'Issuer URL of the institution’s OpenID Connect provider (its discovery document is read at the first sign-in). https; http only outside production. Unset: single sign-on off.',
    ),
  OIDC_CLIENT_ID: z
    .string()
    .min(1)
    .max(255)
    .optional()
    .describe('Client id Invigil is registered under at the provider. Needed with OIDC_ISSUER.'),
  OIDC_CLIENT_SECRET: z
    .string()
    .min(1)
    .max(1024)
    .optional()
    .describe(
      'Client secret from the provider (or OIDC_CLIENT_SECRET_FILE). Needed with OIDC_ISSUER. Never logged.',
    ),
  OIDC_CLIENT_SECRET_FILE: z
    .string()
    .min(1)
    .optional()
    .describe(
      'A file holding the client secret (its first line); should be readable by the server only.',
    ),
  OIDC_SCOPES: z
    .string()
    .default('openid email profile')
    .describe(
      'Scopes asked for, separated by spaces; must include openid. Add the provider’s scope for the role claim if it needs one (e.g. groups).',
    ),
  OIDC_ROLE_CLAIM: z
    .string()
    .min(1)
    .max(200)
    .default('groups')
    .describe(
      'Claim (ID token or userinfo) whose values OIDC_ROLE_MAP maps to roles: a string or a list of strings; dots reach into objects (e.g. realm_access.roles).',
    ),
  OIDC_ROLE_MAP: z
    .string()
    .optional()
    .describe(
      'Role claim values to Invigil roles, e.g. "staff-proctors=proctor,exam-office=admin". New accounts without a mapped value are students; at each sign-in a mapped value sets the role (the highest if several), no mapped value leaves it as it is.',
    ),
  OIDC_ALLOWED_DOMAINS: z
    .string()
    .optional()
    .describe(
      'E-mail domains accepted from the provider, separated by commas (subdomains included), e.g. uni.example. Unset: any.',
    ),
  OIDC_BUTTON_LABEL: z
    .string()
    .min(1)
    .max(80)
    .default('Sign in with your institution')
    .describe('Text of the single sign-on button on the sign-in page.'),
} as const;

/** The single sign-on settings once parsed, with the two settings they depend on. */
type OidcEnv = z.infer<z.ZodObject<typeof OIDC_ENV>> & {
  NODE_ENV: string;
  PUBLIC_URL?: string | undefined;
};

/** Single sign-on with an OpenID Connect provider, when configured. */
export interface OidcConfig {
  issuer: string;
  clientId: string;
  /** Never log it. */
  clientSecret: string;
  scopes: string;
  roleClaim: string;
  /** Claim value → role. */
  roleMap: ReadonlyMap<string, Role>;
  /** Lower-case e-mail domains accepted; empty = any. */
  allowedDomains: readonly string[];
  buttonLabel: string;
  /** From PUBLIC_URL when it is set; otherwise each request's own address is used. */
  redirectUri?: string | undefined;
}

const list = (text: string | undefined) =>
  (text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);

/** "value=role" pairs; the last `=` separates, so values may contain one. */
function parseRoleMap(text: string | undefined): { map: Map<string, Role>; problems: string[] } {
  const map = new Map<string, Role>();
  const problems: string[] = [];
  for (const pair of list(text)) {
    const at = pair.lastIndexOf('=');
    const value = pair.slice(0, Math.max(at, 0)).trim();
    const role = pair.slice(at + 1).trim();
    if (at <= 0 || !value) {
      problems.push(`OIDC_ROLE_MAP: "${pair}" is not value=role`);
    } else if (!ROLES.includes(role)) {
      problems.push(`OIDC_ROLE_MAP: "${role}" is not a role (${ROLES.join(', ')})`);
    } else if (map.has(value) && map.get(value) !== role) {
      problems.push(`OIDC_ROLE_MAP: "${value}" is mapped to two roles`);
    } else {
      map.set(value, role as Role);
    }
  }
  return { map, problems };
}

/** The secret, from the setting or the first line of its file; a string is what went wrong. */
function clientSecret(e: OidcEnv): { secret?: string; problem?: string } {
  if (e.OIDC_CLIENT_SECRET) return { secret: e.OIDC_CLIENT_SECRET };
  if (!e.OIDC_CLIENT_SECRET_FILE) return {};
  try {
    const secret = readFileSync(e.OIDC_CLIENT_SECRET_FILE, 'utf8').split(/\r?\n/)[0]?.trim();
    return secret ? { secret } : { problem: 'OIDC_CLIENT_SECRET_FILE: the file is empty' };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    return { problem: `OIDC_CLIENT_SECRET_FILE: cannot read the file (${code})` };
  }
}

/**
 * What is wrong with the single sign-on settings: an issuer without its client, settings
 * without an issuer, an http issuer in production, a malformed role map or domain list.
 */
export function oidcProblems(e: OidcEnv): string[] {
  const problems: string[] = [];
  const others = (
    [
      'OIDC_CLIENT_ID',
      'OIDC_CLIENT_SECRET',
      'OIDC_CLIENT_SECRET_FILE',
      'OIDC_ROLE_MAP',
      'OIDC_ALLOWED_DOMAINS',
    ] as const
  ).filter((k) => e[k] !== undefined);
  if (!e.OIDC_ISSUER) {
    if (others.length > 0) {
      problems.push(
        `${others.join(', ')} set without OIDC_ISSUER: single sign-on needs its issuer`,
      );
    }
    return problems;
  }
  const issuer = new URL(e.OIDC_ISSUER);
  if (issuer.protocol !== 'https:' && issuer.protocol !== 'http:') {
    problems.push('OIDC_ISSUER: must use https');
  } else if (issuer.protocol === 'http:' && e.NODE_ENV === 'production') {
    problems.push('OIDC_ISSUER: must use https in production (sign-in tokens travel over it)');
  }
  if (!e.OIDC_CLIENT_ID) problems.push('OIDC_ISSUER is set but OIDC_CLIENT_ID is not');
  if (e.OIDC_CLIENT_SECRET && e.OIDC_CLIENT_SECRET_FILE) {
    problems.push('OIDC_CLIENT_SECRET and OIDC_CLIENT_SECRET_FILE are both set: use one');
  } else {
    const { secret, problem } = clientSecret(e);
    if (problem) problems.push(problem);
    else if (!secret) {
      problems.push(
        'OIDC_ISSUER is set but OIDC_CLIENT_SECRET (or OIDC_CLIENT_SECRET_FILE) is not',
      );
    }
  }
  if (!e.OIDC_SCOPES.split(/\s+/).includes('openid')) {
    problems.push('OIDC_SCOPES: must include openid');
  }
  problems.push(...parseRoleMap(e.OIDC_ROLE_MAP).problems);
  const badDomains = list(e.OIDC_ALLOWED_DOMAINS).filter((d) => !DOMAIN.test(d.toLowerCase()));
  if (badDomains.length > 0) {
    problems.push(`OIDC_ALLOWED_DOMAINS: not a domain: ${badDomains.slice(0, 3).join(', ')}`);
  }
  return problems;
}

/** The single sign-on settings, or undefined when OIDC_ISSUER is unset (check oidcProblems first). */
export function oidcConfig(e: OidcEnv): OidcConfig | undefined {
  if (!e.OIDC_ISSUER || !e.OIDC_CLIENT_ID) return undefined;
  const { secret } = clientSecret(e);
  if (!secret) return undefined;
  return {
    issuer: e.OIDC_ISSUER,
    clientId: e.OIDC_CLIENT_ID,
    clientSecret: secret,
    scopes: e.OIDC_SCOPES.split(/\s+/).filter(Boolean).join(' '),
    roleClaim: e.OIDC_ROLE_CLAIM,
    roleMap: parseRoleMap(e.OIDC_ROLE_MAP).map,
    allowedDomains: list(e.OIDC_ALLOWED_DOMAINS).map((d) => d.toLowerCase()),
    buttonLabel: e.OIDC_BUTTON_LABEL,
    redirectUri: e.PUBLIC_URL
      ? `${e.PUBLIC_URL.replace(/\/+$/, '')}${OIDC_CALLBACK_PATH}`
      : undefined,
  };
}

/** Where the provider sends the browser back to (register `PUBLIC_URL` + this there). */
export const OIDC_CALLBACK_PATH = '/api/auth/oidc/callback';
