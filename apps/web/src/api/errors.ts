/** A failed API call, carrying the server's stable error code. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: unknown;
  readonly correlationId: string | undefined;
  /** Seconds from the `Retry-After` header, when the server sent one. */
  readonly retryAfterSeconds: number | undefined;

  constructor(init: {
    status: number;
    code: string;
    message: string;
    details?: unknown;
    correlationId?: string | undefined;
    retryAfterSeconds?: number | undefined;
  }) {
    super(init.message);
    this.name = 'ApiError';
    this.status = init.status;
    this.code = init.code;
    this.details = init.details;
    this.correlationId = init.correlationId;
    this.retryAfterSeconds = init.retryAfterSeconds;
  }
}

/** Code used when the server could not be reached at all. */
export const NETWORK_ERROR = 'NETWORK_ERROR';

/**
 * Code used when a response does not match its contract (a server and web app of different
 * versions, or a bug): the data is refused rather than shown half-understood.
 */
export const RESPONSE_INVALID = 'RESPONSE_INVALID';

/** One place where a response departed from its contract. */
export interface ResponseIssue {
  /** Dotted path inside the body ("" for the body itself). */
  path: string;
  message: string;
}

/**
 * Builds the error for a response that failed its contract: the status it came with, the
 * request that got it and the first problems, so that a bug report says what went wrong.
 */
export function responseInvalidError(
  request: string,
  status: number,
  issues: ResponseIssue[],
): ApiError {
  const first = issues
    .slice(0, 3)
    .map((i) => (i.path ? `${i.path}: ${i.message}` : i.message))
    .join('; ');
  return new ApiError({
    status,
    code: RESPONSE_INVALID,
    message:
      `The server's answer to ${request} is not in the form this page expects (${first}). ` +
      'Reload the page; if this persists, the web app and the server may be different versions.',
    details: issues,
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses a `Retry-After` header (seconds or HTTP date) into seconds from `now`. */
export function parseRetryAfter(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.round((at - now) / 1000));
}

/**
 * Builds an ApiError from a failed response's status and body text. Accepts the API's
 * `{code, message, details?, correlationId?}` body and falls back sensibly for anything else
 * (a proxy's HTML error page, an empty body).
 */
export function parseApiError(
  status: number,
  bodyText: string,
  retryAfterSeconds?: number,
): ApiError {
  let body: unknown;
  try {
    body = bodyText ? JSON.parse(bodyText) : undefined;
  } catch {
    body = undefined;
  }
  if (isRecord(body) && typeof body.code === 'string') {
    return new ApiError({
      status,
      code: body.code,
      message: typeof body.message === 'string' && body.message ? body.message : body.code,
      details: body.details,
      correlationId: typeof body.correlationId === 'string' ? body.correlationId : undefined,
      retryAfterSeconds,
    });
  }
  return new ApiError({
    status,
    code: status >= 500 ? 'INTERNAL' : 'HTTP_ERROR',
    message:
      status >= 500
        ? 'The server had a problem. Please try again.'
        : `The request failed (HTTP ${status}).`,
    retryAfterSeconds,
  });
}

/** One field-level problem from a VALIDATION_FAILED error. */
export interface FieldIssue {
  path: string;
  message: string;
}

/** Normalises a validation path ("/policy/maxFaces", "body.title") to dotted form ("policy.maxFaces"). */
export function normalisePath(path: string): string {
  return path
    .replace(/^\/+/, '')
    .replace(/\//g, '.')
    .replace(/^body\./, '');
}

/** The field issues carried by an error's `details`, or an empty list. */
export function fieldIssues(error: unknown): FieldIssue[] {
  if (!(error instanceof ApiError) || !Array.isArray(error.details)) return [];
  const issues: FieldIssue[] = [];
  for (const item of error.details) {
    if (isRecord(item) && typeof item.message === 'string') {
      const rawPath = Array.isArray(item.path) ? item.path.join('.') : item.path;
      issues.push({
        path: typeof rawPath === 'string' ? normalisePath(rawPath) : '',
        message: item.message,
      });
    }
  }
  return issues;
}

/** Field issues keyed by dotted path (first message wins). */
export function fieldErrors(error: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const issue of fieldIssues(error)) {
    if (issue.path && !(issue.path in out)) out[issue.path] = issue.message;
  }
  return out;
}

/** Minutes until a locked account may try again, from the header or the error details. */
export function lockMinutes(error: ApiError, now = Date.now()): number | undefined {
  const details = isRecord(error.details) ? error.details : {};
  let seconds: number | undefined;
  if (typeof details.retryAfterSeconds === 'number') seconds = details.retryAfterSeconds;
  else if (typeof details.retryAfterMinutes === 'number') seconds = details.retryAfterMinutes * 60;
  else if (typeof details.lockedUntil === 'string') {
    const until = Date.parse(details.lockedUntil);
    if (!Number.isNaN(until)) seconds = (until - now) / 1000;
  } else if (error.retryAfterSeconds !== undefined) seconds = error.retryAfterSeconds;
  if (seconds === undefined || seconds <= 0) return undefined;
  return Math.max(1, Math.ceil(seconds / 60));
}

const FRIENDLY: Record<string, string> = {
  [NETWORK_ERROR]: 'Could not reach the server. Check your connection and try again.',
  UNAUTHENTICATED: 'Your session has ended. Please sign in again.',
  INVALID_CREDENTIALS: 'That e-mail and password do not match.',
  ACCOUNT_DISABLED: 'This account is disabled. Contact your administrator.',
  RATE_LIMITED: 'Too many attempts. Please wait a moment and try again.',
  CSRF_FAILED: 'Your session token expired. Please try again.',
  FORBIDDEN: 'You are not allowed to do that.',
  NOT_FOUND: 'Not found. It may have been removed.',
  EMAIL_TAKEN: 'An account with that e-mail already exists.',
  SIGNUP_DISABLED: 'Self sign-up is turned off. Ask your administrator for an account.',
  SIGNUP_DOMAIN_NOT_ALLOWED: 'Sign-up is not open to that e-mail domain.',
  EXAM_ARCHIVED: 'This exam is archived and can no longer be changed.',
  EXAM_NOT_OPEN: 'This exam is not open.',
  REGISTRATION_CLOSED: 'Registration for this exam has closed.',
  EXAM_FULL: 'This exam is full.',
  REGISTRATION_NOT_CANCELLABLE:
    'This registration can no longer be cancelled: the exam has started or the session has moved on.',
  STAFF_ROLE_MISMATCH: "That person's account role does not match the exam role.",
  INTERNAL: 'The server had a problem. Please try again.',
};

/**
 * A message fit to show a person. Codes whose server message is already specific
 * (validation, weak password, schedule) keep the server's wording.
 */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.code === 'ACCOUNT_LOCKED') {
      const minutes = lockMinutes(error);
      return minutes
        ? `This account is locked after too many failed attempts. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`
        : 'This account is locked after too many failed attempts. Try again later.';
    }
    if (error.code === 'SIGN_IN_THROTTLED') {
      const details = isRecord(error.details) ? error.details : {};
      const seconds =
        typeof details.retryAfterSeconds === 'number'
          ? details.retryAfterSeconds
          : error.retryAfterSeconds;
      if (seconds === undefined) return 'Too many failed sign-ins. Wait a moment and try again.';
      const wait =
        seconds < 120
          ? `${seconds} second${seconds === 1 ? '' : 's'}`
          : `${Math.ceil(seconds / 60)} minutes`;
      return `Too many failed sign-ins from here. Try again in ${wait}.`;
    }
    if (error.code === 'RATE_LIMITED' && error.retryAfterSeconds) {
      const minutes = Math.ceil(error.retryAfterSeconds / 60);
      return `Too many attempts. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`;
    }
    const friendly = FRIENDLY[error.code];
    if (friendly) return friendly;
    return error.message;
  }
  if (error instanceof Error) return error.message;
  return 'Something went wrong.';
}
