import { MeResponse } from '@invigil/contracts';
import type { z } from 'zod';
import {
  ApiError,
  NETWORK_ERROR,
  parseApiError,
  parseRetryAfter,
  responseInvalidError,
} from './errors';

export { ApiError } from './errors';

let csrfToken: string | null = null;
let onUnauthenticated: (() => void) | null = null;
let onStepUpRequired: (() => Promise<boolean>) | null = null;

/** Remembers the CSRF token from a login, signup or /me response (null when signed out). */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Registers what to do when a call reports that the session has ended. */
export function setUnauthenticatedHandler(handler: (() => void) | null): void {
  onUnauthenticated = handler;
}

/**
 * Registers how to prove the second factor again when a sensitive change answers 403
 * STEP_UP_REQUIRED (resolves true once proved, false if the user cancels); the call is then
 * sent once more.
 */
export function setStepUpHandler(handler: (() => Promise<boolean>) | null): void {
  onStepUpRequired = handler;
}

/** Options for one API call. */
export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  body?: unknown;
  /** Bytes sent as they are (a photo) with their content type, instead of a JSON `body`. */
  raw?: { data: Blob; contentType: string };
  signal?: AbortSignal;
  /** Set for calls where a 401 is expected (login, the initial /me) and must not sign out. */
  quietAuth?: boolean;
  /**
   * The contract of the success body: the body is parsed with it and the parsed value
   * returned; a body that does not match throws ApiError RESPONSE_INVALID (and is logged).
   */
  schema?: z.ZodType;
}

const NO_CSRF_PATHS = new Set(['/api/auth/login', '/api/auth/signup']);

async function send(path: string, options: RequestOptions): Promise<Response> {
  const method = options.method ?? 'GET';
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.raw) headers['content-type'] = options.raw.contentType;
  else if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && !NO_CSRF_PATHS.has(path) && csrfToken) {
    headers['x-csrf-token'] = csrfToken;
  }
  try {
    return await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      body: options.raw
        ? options.raw.data
        : options.body === undefined
          ? undefined
          : JSON.stringify(options.body),
      signal: options.signal,
    });
  } catch (cause) {
    if (cause instanceof DOMException && cause.name === 'AbortError') throw cause;
    throw new ApiError({
      status: 0,
      code: NETWORK_ERROR,
      message: 'Could not reach the server. Check your connection and try again.',
    });
  }
}

async function toError(response: Response): Promise<ApiError> {
  const text = await response.text().catch(() => '');
  return parseApiError(response.status, text, parseRetryAfter(response.headers.get('retry-after')));
}

/** Fetches a fresh CSRF token after the server rejected ours. */
async function refreshCsrf(): Promise<'ok' | 'signed-out' | 'failed'> {
  try {
    const response = await send('/api/auth/me', { quietAuth: true });
    if (response.status === 401) return 'signed-out';
    if (!response.ok) return 'failed';
    const me = MeResponse.parse(await response.json());
    setCsrfToken(me.csrfToken);
    return 'ok';
  } catch {
    return 'failed';
  }
}

/** Parses a success body with its contract, or throws (and logs) RESPONSE_INVALID. */
function checked<S extends z.ZodType>(
  request: string,
  status: number,
  body: unknown,
  schema: S,
): z.output<S> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => ({
    path: issue.path.map(String).join('.'),
    message: issue.message,
  }));
  // Reported where a developer will look; the page shows the error with a Retry button.
  console.error(`[api] ${request} answered outside its contract`, issues, body);
  throw responseInvalidError(request, status, issues);
}

/**
 * Calls the API and returns the JSON body, parsed with `options.schema` when given (the
 * endpoint functions always give one). Sends the session cookie and the CSRF header on
 * mutations (fetching a fresh token once if the server rejects it); throws ApiError for any
 * non-2xx response, network failure or (with a schema) a body outside its contract.
 */
export async function api<S extends z.ZodType>(
  path: string,
  options: RequestOptions & { schema: S },
): Promise<z.output<S>>;
/** Calls the API and returns the JSON body unchecked (prefer passing a schema). */
export async function api<T>(path: string, options?: RequestOptions): Promise<T>;
export async function api(path: string, options: RequestOptions = {}): Promise<unknown> {
  let response = await send(path, options);
  if (response.status === 403 && (options.method ?? 'GET') !== 'GET') {
    const error = await toError(response);
    if (error.code === 'STEP_UP_REQUIRED' && onStepUpRequired) {
      if (!(await onStepUpRequired())) throw error;
      return api(path, options);
    }
    if (error.code !== 'CSRF_FAILED') throw error;
    const refreshed = await refreshCsrf();
    if (refreshed === 'signed-out') {
      onUnauthenticated?.();
      throw new ApiError({
        status: 401,
        code: 'UNAUTHENTICATED',
        message: 'Your session has ended. Please sign in again.',
      });
    }
    if (refreshed === 'failed') throw error;
    response = await send(path, options);
  }
  if (!response.ok) {
    const error = await toError(response);
    if (error.code === 'UNAUTHENTICATED' && !options.quietAuth) onUnauthenticated?.();
    throw error;
  }
  if (response.status === 204) return undefined;
  const request = `${options.method ?? 'GET'} ${path}`;
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // E.g. a proxy's HTML page with a 200: not an answer from the API at all.
    throw responseInvalidError(request, response.status, [{ path: '', message: 'not JSON' }]);
  }
  return options.schema ? checked(request, response.status, body, options.schema) : body;
}

/** Builds a query string from the defined, non-empty values (with leading "?" or ""). */
export function query(params: Record<string, string | number | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}
