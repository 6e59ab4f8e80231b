import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allRows } from './helpers/authz-matrix/areas.js';
import { MatrixFixture } from './helpers/authz-matrix/fixture.js';
import { COOKIE_CALLERS, parseOutcomes } from './helpers/authz-matrix/outcomes.js';
import { buildExam } from './helpers/factories.js';
import { expectError } from './helpers/matrix-errors.js';
import {
  documentedOperations,
  registeredOperations,
  splitOperation,
} from './helpers/matrix-routes.js';
import { requestEngines } from './helpers/test-server.js';

/** Paths deliberately outside the matrix: the Swagger UI's static assets. */
const isApiRoute = (path: string) =>
  (path.startsWith('/api/') || path === '/healthz' || path === '/readyz') &&
  !path.startsWith('/api/docs');

/**
 * The authorization matrix as a whole: its areas (authz-matrix-<area>.test.ts) have a row for
 * every route the server has, and every cookie-authenticated mutation among them needs the
 * CSRF token.
 */
describe.each(requestEngines())('authorization matrix: all routes on %s', (engine) => {
  const f = new MatrixFixture(engine);
  const rows = allRows(f);
  beforeAll(() => f.start());
  afterAll(() => f.close());

  it('covers exactly the routes the server registers and documents', async () => {
    const documented = await documentedOperations(f.server.anonymous());
    const registered = registeredOperations(f.server.instance.app, isApiRoute);
    const live = new Set([...documented, ...registered]);
    const inTable = new Set(rows.map((r) => r.op));
    const missing = [...live].filter((op) => !inTable.has(op));
    const stale = [...inTable].filter((op) => !live.has(op));
    expect(missing, 'routes without a row in the matrix').toEqual([]);
    expect(stale, 'matrix rows for routes that no longer exist').toEqual([]);
    expect(documented.length).toBeGreaterThan(20);
  });

  describe('CSRF', () => {
    it('refuses every cookie-authenticated mutation without x-csrf-token', async () => {
      const failures: string[] = [];
      for (const row of rows) {
        const { method } = splitOperation(row.op);
        if (method === 'GET') continue;
        const expected = parseOutcomes(row.expect);
        if (expected.anonymous === 'A') continue; // public routes carry no CSRF check
        const caller = COOKIE_CALLERS.find((c) => expected[c] === 'A');
        if (!caller) continue;
        const cell = await row.prepare(caller);
        const { csrfToken: _omit, ...noCsrf } = cell.as ?? f.creds[caller];
        const res = await f.clientFor(noCsrf).request(method, cell.path, cell.body, cell.headers);
        if (res.status !== 403 || res.body?.code !== 'CSRF_FAILED') {
          failures.push(`${row.op} as ${caller}: ${res.status} ${res.body?.code}`);
        }
      }
      expect(failures).toEqual([]);
    });

    it('refuses a wrong token and the token of another session', async () => {
      const { users } = f;
      const body = buildExam({ title: 'CSRF probe' }, f.server.clock.now().getTime());
      const wrong = await users.admin.request('POST', '/api/exams', body, {
        'x-csrf-token': 'not-the-token',
      });
      expectError(wrong, 403, 'CSRF_FAILED');
      const empty = await users.admin.request('POST', '/api/exams', body, { 'x-csrf-token': '' });
      expectError(empty, 403, 'CSRF_FAILED');
      const otherSession = await f.newSessionOf('admin');
      const crossed = await users.admin.request('POST', '/api/exams', body, {
        'x-csrf-token': otherSession.csrfToken ?? '',
      });
      expectError(crossed, 403, 'CSRF_FAILED');
      // Reads need no CSRF token, and API tokens are not subject to it.
      const { csrfToken: _omit, ...noCsrf } = f.creds.admin;
      expect((await f.clientFor(noCsrf).get('/api/exams')).status).toBe(200);
      expect((await f.clientFor(f.creds.adminToken).post('/api/exams', body)).status).toBe(201);
    });
  });
});
