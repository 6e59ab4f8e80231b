import type { TestResponse } from '../http-client.js';

/**
 * The authorization matrix: every route × every kind of caller → the expected outcome.
 *
 * Outcome letters:
 *   A  allowed (2xx)
 *   U  401 UNAUTHENTICATED
 *   F  403 FORBIDDEN (role, or a browser-only route called with an API token)
 *   S  403 INSUFFICIENT_SCOPE (API token without the route's scope)
 *   H  404 NOT_FOUND (exists, but the caller may not know it does)
 *   W  426 UPGRADE_REQUIRED (allowed, but the route is a WebSocket: a plain GET cannot use it)
 *   R  403 RTC_NOT_ALLOWED (sees the session or link, but may not open or end live links)
 *   O  404 SSO_NOT_CONFIGURED (a public single sign-on route; this server has none set up)
 *   K  allowed (2xx), but without the answer key: questions without their right answers,
 *      answers without scoring (proctors; A on those rows means the key is included)
 *   V  400 SECOND_FACTOR_INVALID (allowed; the code or passkey answer sent is not valid)
 *   M  409 MFA_FACTOR_REQUIRED (allowed; the caller has no second factor to act on)
 *
 * Callers, in column order:
 *   an  anonymous                   st  student who owns the registration
 *   os  another student             pA  proctor assigned to exam A
 *   pX  proctor not assigned to A   iA  instructor assigned to exam A
 *   iX  instructor not assigned     ad  admin
 *   pT  API token of pA, exams:read only
 *   aT  API token of the admin, every scope
 */
export const CALLERS = [
  'anonymous',
  'student',
  'otherStudent',
  'proctorA',
  'proctorX',
  'instructorA',
  'instructorX',
  'admin',
  'proctorToken',
  'adminToken',
] as const;
/** One column of the matrix. */
export type Caller = (typeof CALLERS)[number];
/** The callers that are signed-in accounts of their own. */
export type UserCaller = Exclude<Caller, 'anonymous' | 'proctorToken' | 'adminToken'>;
/** One letter of the legend above. */
export type Outcome = 'A' | 'U' | 'F' | 'S' | 'H' | 'W' | 'K' | 'R' | 'O' | 'V' | 'M';

/** The callers that authenticate with a session cookie. */
export const COOKIE_CALLERS: readonly UserCaller[] = [
  'student',
  'otherStudent',
  'proctorA',
  'proctorX',
  'instructorA',
  'instructorX',
  'admin',
];
/** The staff callers that authenticate with a session cookie. */
export const STAFF_COOKIE_CALLERS: readonly Caller[] = [
  'proctorA',
  'proctorX',
  'instructorA',
  'instructorX',
  'admin',
];
/** Whether the caller is staff, through a cookie or an API token. */
export const isStaff = (c: Caller) =>
  STAFF_COOKIE_CALLERS.includes(c) || c === 'proctorToken' || c === 'adminToken';

/** A row's expected letters (`'U  A  F ...'`, one per caller) by caller. */
export function parseOutcomes(spec: string): Record<Caller, Outcome> {
  const letters = spec.trim().split(/\s+/);
  if (letters.length !== CALLERS.length) throw new Error(`bad matrix row: ${spec}`);
  return Object.fromEntries(CALLERS.map((c, i) => [c, letters[i] as Outcome])) as Record<
    Caller,
    Outcome
  >;
}

/** A 2xx body that withholds the answer key (see `K` in the legend). */
function withoutKey(body: unknown): boolean {
  if (Array.isArray(body)) {
    return body.some(
      (q: { kind?: unknown; correctOption?: unknown; correctOptions?: unknown }) =>
        (q?.kind === 'single_choice' && q.correctOption === null) ||
        (q?.kind === 'multiple_choice' && q.correctOptions === null),
    );
  }
  return (body as { answerKey?: unknown } | undefined)?.answerKey === false;
}

/** The legend letter of a response, or its status and code when it is none of them. */
export function classify(res: TestResponse): string {
  if (res.status >= 200 && res.status < 300) return withoutKey(res.body) ? 'K' : 'A';
  const code = (res.body as { code?: string } | undefined)?.code;
  if (res.status === 401 && code === 'UNAUTHENTICATED') return 'U';
  if (res.status === 403 && code === 'FORBIDDEN') return 'F';
  if (res.status === 403 && code === 'INSUFFICIENT_SCOPE') return 'S';
  if (res.status === 404 && code === 'NOT_FOUND') return 'H';
  if (res.status === 426 && code === 'UPGRADE_REQUIRED') return 'W';
  if (res.status === 403 && code === 'RTC_NOT_ALLOWED') return 'R';
  if (res.status === 400 && code === 'SECOND_FACTOR_INVALID') return 'V';
  if (res.status === 409 && code === 'MFA_FACTOR_REQUIRED') return 'M';
  if (res.status === 404 && code === 'SSO_NOT_CONFIGURED') return 'O';
  return `${res.status} ${code ?? JSON.stringify(res.body)}`;
}
