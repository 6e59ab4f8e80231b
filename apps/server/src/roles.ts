/**
 * What a server process does within a deployment:
 * - `api`: the REST API (everything but uploads) and the web app;
 * - `ws`: the live WebSocket (`GET /api/live`) for dashboards and students' pages;
 * - `ingest`: recording uploads and client event batches;
 * - `worker`: the background jobs (sweepers, evidence watchdog, server analysis,
 *   notifications) — it needs only the database, the blob store and the queue.
 * Every process answers `/healthz`, `/readyz` and (when configured) `/metrics`.
 */
export const SERVER_ROLES = ['api', 'ws', 'ingest', 'worker'] as const;

/** One of SERVER_ROLES. */
export type ServerRole = (typeof SERVER_ROLES)[number];

/** Every role: what one process of a plain installation does. */
export const ALL_ROLES: ReadonlySet<ServerRole> = new Set(SERVER_ROLES);

/**
 * Parse `all` or a comma-separated list of roles (`api,ws,ingest`); throws an Error naming
 * the unknown ones, or saying the list is empty.
 */
export function parseRoles(text: string): ReadonlySet<ServerRole> {
  const names = text
    .split(',')
    .map((n) => n.trim().toLowerCase())
    .filter((n) => n !== '');
  if (names.length === 1 && names[0] === 'all') return ALL_ROLES;
  if (names.length === 0) throw new Error(`Name at least one role: ${SERVER_ROLES.join(', ')}`);
  const unknown = names.filter((n) => !(SERVER_ROLES as readonly string[]).includes(n));
  if (unknown.length > 0) {
    throw new Error(`Unknown role ${unknown.join(', ')}: use all or ${SERVER_ROLES.join(', ')}`);
  }
  return new Set(names as ServerRole[]);
}

/** The roles as operators write them (`api,ws,ingest,worker`), in a fixed order. */
export const formatRoles = (roles: ReadonlySet<ServerRole>): string =>
  SERVER_ROLES.filter((r) => roles.has(r)).join(',');
