import { SsoErrorCode } from '@invigil/contracts';

/** What the sign-in page says for each refused single sign-on (`?sso_error=CODE`). */
const MESSAGES: Record<SsoErrorCode, string> = {
  SSO_NOT_CONFIGURED: 'Signing in with your institution is not set up here. Use your password.',
  SSO_UNAVAILABLE:
    'Your institution’s sign-in service cannot be reached right now. Try again later, or sign in with your password.',
  SSO_STATE_INVALID:
    'That sign-in took too long or was started in another window. Please try again.',
  SSO_DENIED: 'Your institution’s sign-in service did not sign you in.',
  SSO_TOKEN_INVALID:
    'The answer from your institution’s sign-in service could not be verified. Please try again.',
  SSO_EMAIL_MISSING:
    'Your institution’s sign-in service did not share your e-mail address, which Invigil needs.',
  SSO_EMAIL_UNVERIFIED:
    'Your e-mail address is not verified at your institution’s sign-in service yet.',
  SSO_DOMAIN_NOT_ALLOWED:
    'Accounts with this e-mail address cannot sign in here. Use your institutional account.',
  SSO_ACCOUNT_CONFLICT:
    'An account with this e-mail address is already linked to a different institutional login. Ask your exam office.',
  ACCOUNT_DISABLED: 'This account is disabled. Ask your exam office.',
};

/** Refusals of the server itself rather than of single sign-on. */
const OTHER: Record<string, string> = {
  RATE_LIMITED: 'Too many sign-in attempts from here. Wait a minute and try again.',
};

const FALLBACK =
  'Signing in with your institution did not work. Try again, or sign in with your password.';

/** The sentence for a refused single sign-on; null when the page was not sent back with one. */
export function ssoErrorMessage(code: string | null): string | null {
  if (code === null) return null;
  const known = SsoErrorCode.safeParse(code);
  return known.success ? MESSAGES[known.data] : (OTHER[code] ?? FALLBACK);
}

/** Where the single sign-on button goes: the server redirects on to the provider. */
export const SSO_START_PATH = '/api/auth/oidc/start';
