import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routeTargets } from './helpers/bad-input/all-targets.js';
import { BadInputFixture } from './helpers/bad-input/fixture.js';
import { errorBodyProblem, expectError } from './helpers/matrix-errors.js';
import { requestEngines } from './helpers/test-server.js';

/** Bad path parameters, undecodable paths, bogus Authorization headers and unknown routes. */
describe.each(requestEngines())('bad input: paths and headers on %s', (engine) => {
  const f = new BadInputFixture(engine);
  const paramTargets = routeTargets(f).filter((t) => t.params);
  beforeAll(() => f.start());
  afterAll(() => f.close());

  it('non-UUID path parameters → 400 VALIDATION_FAILED', async () => {
    const bad = [
      'not-a-uuid',
      '1',
      "1' or '1'='1",
      '00000000-0000-0000-0000-00000000000g',
      `${crypto.randomUUID()}x`,
      '%00',
      'x'.repeat(300),
    ];
    const failures: string[] = [];
    const isUuid = (v: string | undefined) =>
      /^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/i.test(v ?? '');
    for (const t of paramTargets) {
      const valid = t.params?.() ?? {};
      // Only id parameters: track, kind and seq have their own cases (ingest.test.ts).
      for (const name of Object.keys(valid).filter((n) => isUuid(valid[n]))) {
        for (const value of bad) {
          const res = await f.send(t, t.body?.(), {}, { ...valid, [name]: value });
          if (
            res.status !== 400 ||
            res.body?.code !== 'VALIDATION_FAILED' ||
            errorBodyProblem(res)
          ) {
            failures.push(`${t.op} ${name}=${value}: ${res.status} ${res.body?.code}`);
          }
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it('a path that is not valid percent-encoding → 400 in the standard error shape', async () => {
    const failures: string[] = [];
    for (const path of ['/api/exams/%zz', '/api/exams/%E0%A4%A', '/api/registrations/%']) {
      const res = await f.admin.get(path);
      if (res.status !== 400 || errorBodyProblem(res)) {
        failures.push(`${path}: ${res.status} ${JSON.stringify(res.body)}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('a bogus Authorization header → 401, even on public routes and beside a valid cookie', async () => {
    for (const value of [
      'Basic Zm9vOmJhcg==',
      'Bearer',
      'Bearer ',
      'Bearer two words',
      'Bearer inv_forged_token',
      'Token abc',
      'bearer',
    ]) {
      for (const [client, path] of [
        [f.server.anonymous(), '/api/settings/public'],
        [f.server.anonymous(), '/api/exams'],
        [f.admin, '/api/exams'],
      ] as const) {
        const res = await client.request('GET', path, undefined, { authorization: value });
        expectError(res, 401, 'UNAUTHENTICATED');
      }
    }
  });

  it('an unknown /api route → 404 ROUTE_NOT_FOUND', async () => {
    const anon = f.server.anonymous();
    for (const [method, path] of [
      ['GET', '/api/nope'],
      ['GET', '/api'],
      ['GET', '/api/'],
      ['POST', '/api/nope'],
      ['DELETE', '/api/exams'],
      ['PUT', '/api/exams/open'],
      ['GET', `/api/exams/${crypto.randomUUID()}/nope`],
      ['GET', '/api/exams/a/b/c/d/e'],
    ] as const) {
      expectError(await anon.request(method, path), 404, 'ROUTE_NOT_FOUND');
      expectError(await f.admin.request(method, path), 404, 'ROUTE_NOT_FOUND');
    }
  });
});
