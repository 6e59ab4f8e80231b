import type { SsoErrorCode } from '@invigil/contracts';
import { AppError } from '../../errors.js';

/** Each refusal's HTTP status (for API clients) and what the person is told. */
const REFUSALS: Record<SsoErrorCode, { status: number; message: string }> = {
  SSO_NOT_CONFIGURED: { status: 404, message: 'Single sign-on is not set up on this server' },
  SSO_UNAVAILABLE: {
    status: 503,
    message: 'The institution’s sign-in service cannot be reached; try again later',
  },
  SSO_STATE_INVALID: {
    status: 400,
    message: 'This sign-in link expired or was opened in another browser; start again',
  },
  SSO_DENIED: { status: 401, message: 'The institution’s sign-in service did not sign you in' },
  SSO_TOKEN_INVALID: {
    status: 401,
    message: 'The answer from the institution’s sign-in service could not be verified',
  },
  SSO_EMAIL_MISSING: {
    status: 403,
    message: 'The institution’s sign-in service did not share your e-mail address',
  },
  SSO_EMAIL_UNVERIFIED: {
    status: 403,
    message: 'Your e-mail address is not verified at the institution’s sign-in service',
  },
  SSO_DOMAIN_NOT_ALLOWED: {
    status: 403,
    message: 'Accounts with this e-mail domain cannot sign in here',
  },
  SSO_ACCOUNT_CONFLICT: {
    status: 409,
    message: 'This e-mail address belongs to an account linked to another institutional login',
  },
  ACCOUNT_DISABLED: { status: 403, message: 'This account is disabled' },
};

/**
 * A refused single sign-on, with its stable code. `cause` says what the provider answered, for
 * the log and the audit trail only: the client is told the code and the message.
 */
export function ssoError(code: SsoErrorCode, details?: unknown, cause?: string): AppError {
  const { status, message } = REFUSALS[code];
  const error = new AppError(status, code, message, details);
  if (cause) error.cause = cause;
  return error;
}

/** The code of a refusal this module made, or undefined for any other error. */
export function ssoCodeOf(error: unknown): SsoErrorCode | undefined {
  return error instanceof AppError && error.code in REFUSALS
    ? (error.code as SsoErrorCode)
    : undefined;
}
