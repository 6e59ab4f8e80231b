import type { ErrorCode } from '@invigil/contracts';

/** An expected failure with a stable code; the HTTP layer turns it into `{code, message, details}`. */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

/** Error factories: one per kind of failure, so codes and statuses never drift apart. */
export const errors = {
  validation: (message: string, details?: unknown) =>
    new AppError(400, 'VALIDATION_FAILED', message, details),
  unauthenticated: (message = 'Sign in first') => new AppError(401, 'UNAUTHENTICATED', message),
  invalidCredentials: () => new AppError(401, 'INVALID_CREDENTIALS', 'E-mail or password is wrong'),
  signInThrottled: (until: Date, now: Date) => {
    const retryAfter = Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 1000));
    const wait =
      retryAfter < 120 ? `${retryAfter} seconds` : `${Math.ceil(retryAfter / 60)} minutes`;
    return new AppError(
      429,
      'SIGN_IN_THROTTLED',
      `Too many failed sign-ins; try again in ${wait}`,
      { retryAfterSeconds: retryAfter, until: until.toISOString() },
      { 'retry-after': String(retryAfter) },
    );
  },
  accountDisabled: () => new AppError(403, 'ACCOUNT_DISABLED', 'This account is disabled'),
  passwordChangeRequired: () =>
    new AppError(
      403,
      'PASSWORD_CHANGE_REQUIRED',
      'An administrator set your password: choose a new one before continuing',
    ),
  secondFactorRequired: () =>
    new AppError(
      403,
      'SECOND_FACTOR_REQUIRED',
      'Confirm your sign-in with your second factor (authenticator code, passkey or recovery code) first',
    ),
  secondFactorEnrolmentRequired: () =>
    new AppError(
      403,
      'SECOND_FACTOR_ENROLMENT_REQUIRED',
      'Your role requires two-step sign-in: set up an authenticator app or a passkey first',
    ),
  stepUpRequired: () =>
    new AppError(
      403,
      'STEP_UP_REQUIRED',
      'Confirm it is you with your second factor again before this change',
    ),
  secondFactorInvalid: (message = 'That code is wrong or was already used') =>
    new AppError(400, 'SECOND_FACTOR_INVALID', message),
  csrf: () =>
    new AppError(403, 'CSRF_FAILED', 'Missing or wrong x-csrf-token header for this session'),
  forbidden: (message = 'You are not allowed to do this') =>
    new AppError(403, 'FORBIDDEN', message),
  insufficientScope: (scope: string) =>
    new AppError(403, 'INSUFFICIENT_SCOPE', `This API token lacks the scope ${scope}`, { scope }),
  notFound: (what: string) => new AppError(404, 'NOT_FOUND', `${what} not found`),
  conflict: (code: ErrorCode, message: string, details?: unknown) =>
    new AppError(409, code, message, details),
  badRequest: (code: ErrorCode, message: string, details?: unknown) =>
    new AppError(400, code, message, details),
};
