import { z } from 'zod';

/**
 * Why a single sign-on attempt was refused. The callback sends the browser back to the sign-in
 * page with one of these as `?sso_error=`; API clients get it as the error code.
 */
export const SSO_ERROR_CODES = [
  'SSO_NOT_CONFIGURED',
  'SSO_UNAVAILABLE',
  'SSO_STATE_INVALID',
  'SSO_DENIED',
  'SSO_TOKEN_INVALID',
  'SSO_EMAIL_MISSING',
  'SSO_EMAIL_UNVERIFIED',
  'SSO_DOMAIN_NOT_ALLOWED',
  'SSO_ACCOUNT_CONFLICT',
  'ACCOUNT_DISABLED',
] as const;

/** A reason a single sign-on attempt was refused (see SSO_ERROR_CODES). */
export const SsoErrorCode = z.enum(SSO_ERROR_CODES);
export type SsoErrorCode = z.infer<typeof SsoErrorCode>;

/** Single sign-on as the sign-in page offers it: the button's label (null: not configured). */
export const SsoOffer = z.object({ label: z.string() }).nullable();
export type SsoOffer = z.infer<typeof SsoOffer>;

/**
 * GET /api/auth/oidc/callback: the provider's authorization response. Providers add their own
 * parameters (session_state, scope …), so unknown ones are allowed.
 */
export const OidcCallbackQuery = z.looseObject({
  code: z.string().max(4096).optional(),
  state: z.string().max(512).optional(),
  iss: z.string().max(2048).optional(),
  error: z.string().max(256).optional(),
  error_description: z.string().max(2048).optional(),
});
