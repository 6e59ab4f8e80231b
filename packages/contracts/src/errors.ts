/**
 * Every error code the API returns. Clients switch on these; they never change meaning.
 * The HTTP status that goes with each code is fixed on the server.
 */
export const ERROR_CODES = [
  'VALIDATION_FAILED',
  'INVALID_JSON',
  'UNSUPPORTED_MEDIA_TYPE',
  'PAYLOAD_TOO_LARGE',
  'UNAUTHENTICATED',
  'INVALID_CREDENTIALS',
  'ACCOUNT_LOCKED',
  'ACCOUNT_DISABLED',
  'RATE_LIMITED',
  'CSRF_FAILED',
  'FORBIDDEN',
  'INSUFFICIENT_SCOPE',
  'NOT_FOUND',
  'ROUTE_NOT_FOUND',
  'METHOD_NOT_ALLOWED',
  'EMAIL_TAKEN',
  'WEAK_PASSWORD',
  'SIGNUP_DISABLED',
  'SIGNUP_DOMAIN_NOT_ALLOWED',
  'EXAM_ARCHIVED',
  'EXAM_NOT_OPEN',
  'REGISTRATION_CLOSED',
  'EXAM_FULL',
  'REGISTRATION_NOT_CANCELLABLE',
  'INVALID_EXAM_SCHEDULE',
  'STAFF_ROLE_MISMATCH',
  'ILLEGAL_TRANSITION',
  'CONFLICT',
  'INTERNAL',
] as const;

/** A stable error code. */
export type ErrorCode = (typeof ERROR_CODES)[number];
