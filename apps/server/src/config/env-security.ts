import { z } from 'zod';
import { bool, int } from './env-values.js';

/**
 * Sign-in, cookies and the limits that keep one client from wearing the server down (rate
 * limits, lockouts, how long reset links and late uploads are taken). Together because they
 * are what an operator tunes when hardening an installation.
 */
export const SECURITY_ENV = {
  TRUST_PROXY: z
    .string()
    .trim()
    .optional()
    .transform((v, ctx) => {
      const parsed = parseTrustProxy(v);
      if (typeof parsed === 'string') {
        ctx.addIssue({ code: 'custom', message: parsed });
        return z.NEVER;
      }
      return parsed;
    })
    .describe(
      'Which X-Forwarded-* hops to trust behind reverse proxies: the number of proxies in front (e.g. 1), or their addresses or CIDR ranges separated by commas. Unset or false: none (the connecting address is the client).',
    ),
  COOKIE_SECURE: bool
    .optional()
    .describe('Mark session cookies Secure. Default: true when PUBLIC_URL is https.'),
  SESSION_TTL_HOURS: int(1, 24 * 30)
    .default(12)
    .describe('Sign-in session lifetime.'),
  LOGIN_RATE_LIMIT_PER_MINUTE: int(1, 10_000)
    .default(10)
    .describe(
      'Login, sign-up and password reset attempts allowed per client address per minute (each counted apart).',
    ),
  WRITE_RATE_LIMIT_PER_MINUTE: int(10, 1_000_000)
    .default(1200)
    .describe(
      'Writes (POST, PUT, PATCH, DELETE under /api) allowed per signed-in user per minute: across every server process with REDIS_URL, else in each process. A browser uploads about one item a second, faster while catching up after an outage.',
    ),
  CHAT_MESSAGES_PER_30_SECONDS: int(1, 10_000)
    .default(10)
    .describe(
      'Chat messages and announcements one user may send per 30 seconds (across every server process with REDIS_URL, else in each process); more are refused with 429 CHAT_RATE_LIMITED. The same number of raise/lower hand actions, counted apart (429 HAND_RATE_LIMITED).',
    ),
  INGEST_GRACE_MINUTES: int(0, 24 * 60)
    .default(15)
    .describe(
      'Minutes after an attempt ends (submitted or terminated) during which the browser may still upload what it recorded; after that only retries of stored items are answered.',
    ),
  SIGN_IN_FREE_FAILURES: int(1, 100)
    .default(5)
    .describe(
      'Failed sign-ins from one address at one account before further attempts there must wait (2 s, 4 s, 8 s … doubling). An account as a whole is slowed after four times as many, for browsers it never signed in from; nothing locks an account.',
    ),
  SIGN_IN_MAX_DELAY_MINUTES: int(1, 24 * 60)
    .default(15)
    .describe('The longest wait between sign-in attempts, however many have failed.'),
  PASSWORD_RESET_MINUTES: int(5, 24 * 60)
    .default(30)
    .describe(
      'How long a "forgot password" link works (once). The links are e-mailed, so the feature is offered only with SMTP_URL and SMTP_FROM.',
    ),
  API_TOKEN_DEFAULT_DAYS: int(1, 3650)
    .default(90)
    .describe(
      'Days an API token works when its creator does not choose (at most API_TOKEN_MAX_DAYS).',
    ),
  API_TOKEN_MAX_DAYS: int(1, 3650)
    .default(365)
    .describe(
      'The longest an API token may work, in days (at least API_TOKEN_DEFAULT_DAYS). Tokens made before tokens expired count from their creation.',
    ),
} as const;

/** Conflicts between the security settings. */
export function securityProblems(e: {
  API_TOKEN_DEFAULT_DAYS: number;
  API_TOKEN_MAX_DAYS: number;
}): string[] {
  return e.API_TOKEN_MAX_DAYS < e.API_TOKEN_DEFAULT_DAYS
    ? ['API_TOKEN_MAX_DAYS: must be at least API_TOKEN_DEFAULT_DAYS']
    : [];
}

/** What TRUST_PROXY resolves to: no proxy, a number of proxy hops, or the proxies' addresses. */
export type TrustProxy = false | number | string[];

const ADDRESS = /^(\d{1,3}(\.\d{1,3}){3}|[0-9a-fA-F:]*:[0-9a-fA-F:.]*)(\/\d{1,3})?$/;

/**
 * Parse TRUST_PROXY, or say what is wrong with it. `true` is refused: trusting every hop lets
 * any client name its own address in X-Forwarded-For and so escape the sign-in limits.
 */
export function parseTrustProxy(value: string | undefined): TrustProxy | string {
  if (value === undefined || value === '' || value === 'false') return false;
  if (value === 'true') {
    return 'true would trust every X-Forwarded-For hop, so any client could choose its address: give the number of proxies in front of Invigil (e.g. 1) or their addresses';
  }
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    return hops >= 1 && hops <= 10 ? hops : 'a number of proxies from 1 to 10';
  }
  const list = value
    .split(',')
    .map((a) => a.trim())
    .filter((a) => a.length > 0);
  const bad = list.filter((a) => !ADDRESS.test(a));
  if (list.length === 0 || bad.length > 0) {
    return `a number of proxies, or IP addresses and CIDR ranges separated by commas (not: ${bad.slice(0, 3).join(', ')})`;
  }
  return list;
}
