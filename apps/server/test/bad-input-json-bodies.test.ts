import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routeTargets } from './helpers/bad-input/all-targets.js';
import { BadInputFixture } from './helpers/bad-input/fixture.js';
import type { Target } from './helpers/bad-input/target.js';
import { wrongType } from './helpers/bad-input/wrong-type.js';
import { buildExam } from './helpers/factories.js';
import { errorBodyProblem, expectError, expectValidationDetails } from './helpers/matrix-errors.js';
import { documentedOperations, splitOperation } from './helpers/matrix-routes.js';
import { requestEngines } from './helpers/test-server.js';

const ONE_MIB = 1_048_576;

/**
 * Request bodies that are not what a route takes: malformed, empty, not JSON, unknown or
 * wrongly typed fields, too large, hostile. Every route with a body or path parameters has a
 * target (helpers/bad-input/targets-*.ts) whose valid input each case changes in one way.
 */
describe.each(requestEngines())('bad input: JSON bodies on %s', (engine) => {
  const f = new BadInputFixture(engine);
  const targets = routeTargets(f);
  const bodyTargets = targets.filter((t) => t.body);
  beforeAll(() => f.start());
  afterAll(() => f.close());

  it('has a target for every route that takes a body or path parameters', async () => {
    const doc = (await f.server.anonymous().get('/api/openapi.json')).body as {
      paths: Record<string, Record<string, { requestBody?: unknown }>>;
    };
    const needed: string[] = [];
    for (const op of await documentedOperations(f.server.anonymous())) {
      const { method, path } = splitOperation(op);
      if (path.includes('{') || doc.paths[path]?.[method.toLowerCase()]?.requestBody) {
        needed.push(op);
      }
    }
    const covered = targets.map((t) => t.op);
    expect(needed.filter((op) => !covered.includes(op))).toEqual([]);
    expect(covered.filter((op) => !needed.includes(op))).toEqual([]);
  });

  it('accepts the baseline inputs (so each rejection below is caused by the change alone)', async () => {
    const rejected: string[] = [];
    for (const t of bodyTargets) {
      const res = await f.send(t, t.body?.());
      const code = res.body?.code;
      if (code === 'VALIDATION_FAILED' || code === 'INVALID_JSON' || res.status >= 500) {
        rejected.push(`${t.op}: ${res.status} ${JSON.stringify(res.body)}`);
      }
    }
    expect(rejected).toEqual([]);
  });

  it('malformed JSON → 400 INVALID_JSON', async () => {
    for (const t of targets) {
      const { method } = splitOperation(t.op);
      if (method === 'GET') continue;
      for (const raw of ['{"a":', '{bad json}', "{'single': 'quotes'}", '[1,2', '"unterminated']) {
        if (t.raw) expectError(await f.send(t, raw), 415, 'UNSUPPORTED_MEDIA_TYPE');
        else expectError(await f.send(t, raw), 400, 'INVALID_JSON');
      }
    }
  });

  it('an empty JSON body → 400 INVALID_JSON; no body, null, [] or {} → 400 VALIDATION_FAILED', async () => {
    for (const t of bodyTargets) {
      expectError(await f.send(t, ''), 400, 'INVALID_JSON');
      expectValidationDetails(await f.send(t));
      expectValidationDetails(await f.send(t, 'null'));
      expectValidationDetails(await f.send(t, []));
      expectValidationDetails(await f.send(t, {}));
    }
  });

  it('a body that is not JSON → 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    const failures: string[] = [];
    for (const t of bodyTargets) {
      const valid = JSON.stringify(t.body?.());
      for (const type of [
        'text/plain',
        'application/x-www-form-urlencoded',
        'application/xml',
        'multipart/form-data; boundary=x',
      ]) {
        const res = await f.send(t, valid, { 'content-type': type });
        if (res.status !== 415 || res.body?.code !== 'UNSUPPORTED_MEDIA_TYPE') {
          failures.push(`${t.op} as ${type}: ${res.status} ${res.body?.code}`);
        }
        expect(errorBodyProblem(res), `${t.op} as ${type}`).toBeUndefined();
      }
    }
    expect(failures).toEqual([]);
  });

  it('unknown fields → 400 VALIDATION_FAILED naming the field', async () => {
    for (const t of bodyTargets) {
      const res = await f.send(t, { ...t.body?.(), sneaky: true });
      const details = expectValidationDetails(res);
      expect(JSON.stringify(details), t.op).toContain('sneaky');
    }
    // Nested objects are strict too: a typo in the proctoring policy must not be ignored.
    const typo = await f.admin.post('/api/exams', {
      ...buildExam({}, f.now()),
      policy: { webcam: true, screem: false },
    });
    expect(JSON.stringify(expectValidationDetails(typo))).toContain('screem');
  });

  it('wrong types in any field → 400 VALIDATION_FAILED with the field’s path', async () => {
    for (const t of bodyTargets) {
      const valid = t.body?.() ?? {};
      for (const [key, value] of Object.entries(valid)) {
        const res = await f.send(t, { ...valid, [key]: wrongType(value) });
        const details = expectValidationDetails(res);
        expect(
          details.some((d) => d.path.includes(key)),
          `${t.op} ${key}: ${JSON.stringify(details)}`,
        ).toBe(true);
      }
    }
  });

  it('a body over 1 MiB → 413 PAYLOAD_TOO_LARGE (the CSV import allows 2.5 MB)', async () => {
    for (const t of bodyTargets) {
      if (t.op === 'POST /api/users/import') continue;
      const big = { ...t.body?.(), padding: 'x'.repeat(ONE_MIB + 10) };
      expectError(await f.send(t, big), 413, 'PAYLOAD_TOO_LARGE');
    }
    const header = 'email,name,role\n';
    const tooBig = await f.admin.post('/api/users/import', { csv: header + 'x'.repeat(2_600_000) });
    expectError(tooBig, 413, 'PAYLOAD_TOO_LARGE');
    // Within the byte limit but beyond the 2,000,000-character CSV limit: a validation error.
    const tooLong = await f.admin.post('/api/users/import', {
      csv: header + 'x'.repeat(2_100_000),
    });
    expectValidationDetails(tooLong);
  });

  it('JSON that is hostile rather than malformed is refused, never a 500', async () => {
    const login = targets.find((t) => t.op === 'POST /api/auth/login') as Target;
    const proto = await f.send(
      login,
      '{"__proto__":{"admin":true},"email":"a@test.invigil.test","password":"x"}',
    );
    expect([400]).toContain(proto.status);
    expect(errorBodyProblem(proto)).toBeUndefined();
    const ctor = await f.send(
      login,
      '{"constructor":{"prototype":{"admin":true}},"email":"a@test.invigil.test","password":"x"}',
    );
    expect(ctor.status).toBe(400);
    expect(errorBodyProblem(ctor)).toBeUndefined();
    const deep = await f.send(login, '['.repeat(50_000) + ']'.repeat(50_000));
    expectValidationDetails(deep);
    const dup = await f.send(
      login,
      '{"email":"a@test.invigil.test","email":"b@test.invigil.test"}',
    );
    expectValidationDetails(dup);
  });
});
