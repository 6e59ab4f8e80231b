import type http from 'node:http';
import { oauthError, pageOf, sendJson } from './http.js';
import type { PlatformState } from './state.js';
import { LTI_MEDIA, LTI_SCOPES, type EmulatorUser } from './types.js';

/**
 * GET /nrps/:contextId — the NRPS 2.0 membership container of a course, paged by `pageSize`
 * (or `limit`), filtered by `role` (full URI or the short name after '#').
 */
export function handleMemberships(
  state: PlatformState,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  url: URL,
  contextId: string,
): void {
  state.tokens.require(req, [LTI_SCOPES.nrps]);
  const course = state.courses.get(contextId);
  if (!course) throw oauthError(404, 'not_found', 'no such context');
  const role = url.searchParams.get('role');
  const members = course.members.filter(
    (m) => !role || m.roles.some((r) => r === role || r.endsWith(`#${role}`)),
  );
  const page = pageOf(members, url, state.pageSize);
  sendJson(
    res,
    200,
    {
      id: url.href,
      context: { id: course.id, label: course.label, title: course.title },
      members: page.items.map(toMember),
    },
    LTI_MEDIA.membership,
    page.headers,
  );
}

/** A member as NRPS 2.0 describes one. */
function toMember(u: EmulatorUser): Record<string, unknown> {
  const [given, ...family] = (u.name ?? '').split(' ');
  return {
    status: u.status ?? 'Active',
    user_id: u.sub,
    roles: u.roles,
    ...(u.name ? { name: u.name } : {}),
    ...(u.givenName || given ? { given_name: u.givenName ?? given } : {}),
    ...(u.familyName || family.length ? { family_name: u.familyName ?? family.join(' ') } : {}),
    ...(u.email ? { email: u.email } : {}),
  };
}
