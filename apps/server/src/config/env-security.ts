import { bool, int } from './env-values.js';

/**
 * Sign-in, cookies and the limits that keep one client from wearing the server down (rate
 * limits, lockouts, how long reset links and late uploads are taken). Together because they
 * are what an operator tunes when hardening an installation.
 */
export const SECURITY_ENV = {
  TRUST_PROXY: bool
    .default(false)
    .describe('Trust X-Forwarded-* headers (behind a reverse proxy).'),
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
      'Writes (POST, PUT, PATCH, DELETE under /api) allowed per signed-in user per minute, per server process. A browser uploads about one item a second, faster while catching up after an outage.',
    ),
  CHAT_MESSAGES_PER_30_SECONDS: int(1, 10_000)
    .default(10)
    .describe(
      'Chat messages and announcements one user may send per 30 seconds (per server process); more are refused with 429 CHAT_RATE_LIMITED. The same number of raise/lower hand actions, counted apart (429 HAND_RATE_LIMITED).',
    ),
  INGEST_GRACE_MINUTES: int(0, 24 * 60)
    .default(15)
    .describe(
      'Minutes after an attempt ends (submitted or terminated) during which the browser may still upload what it recorded; after that only retries of stored items are answered.',
    ),
  LOGIN_LOCKOUT_THRESHOLD: int(1, 100)
    .default(5)
    .describe('Consecutive failed logins that lock an account.'),
  LOGIN_LOCKOUT_MINUTES: int(1, 24 * 60)
    .default(15)
    .describe('How long a locked account stays locked.'),
  PASSWORD_RESET_MINUTES: int(5, 24 * 60)
    .default(30)
    .describe(
      'How long a "forgot password" link works (once). The links are e-mailed, so the feature is offered only with SMTP_URL and SMTP_FROM.',
    ),
} as const;
