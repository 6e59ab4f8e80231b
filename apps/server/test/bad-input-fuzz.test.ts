import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routeTargets } from './helpers/bad-input/all-targets.js';
import { BadInputFixture } from './helpers/bad-input/fixture.js';
import { prng } from './helpers/bad-input/prng.js';
import { buildExam } from './helpers/factories.js';
import type { HttpClient } from './helpers/http-client.js';
import { errorBodyProblem } from './helpers/matrix-errors.js';
import { documentedOperations, splitOperation } from './helpers/matrix-routes.js';
import { requestEngines } from './helpers/test-server.js';

/** Random requests over every documented route: none may produce a 5xx or a malformed error. */
describe.each(requestEngines())('bad input: fuzz on %s', (engine) => {
  const f = new BadInputFixture(engine);
  const targets = routeTargets(f);
  beforeAll(() => f.start());
  afterAll(() => f.close());

  it('no request produces a 500: a seeded fuzz over every route', async () => {
    const seed = 20_260_101;
    const rnd = prng(seed);
    const ops = await documentedOperations(f.server.anonymous());
    const fuzzStudent = await f.server.signedIn('student');
    const fuzzProctor = await f.server.signedIn('proctor');
    const fuzzAdmin = await f.server.signedIn('admin');
    const adminToken = (
      await fuzzAdmin.post('/api/tokens', {
        name: 'fuzz',
        scopes: ['exams:read', 'exams:write', 'registrations:read', 'users:read', 'sessions:read'],
      })
    ).body.token as string;
    const fuzzExam = (await fuzzAdmin.post('/api/exams', buildExam({}, f.now()))).body.id as string;
    await fuzzAdmin.put(`/api/exams/${fuzzExam}/staff/${fuzzProctor.userId}`, { role: 'proctor' });
    const fuzzReg = (await fuzzStudent.post(`/api/exams/${fuzzExam}/registrations`)).body;
    const throwaway = (await f.server.signedIn('student')).userId;
    const fuzzToken = (await fuzzAdmin.post('/api/tokens', { name: 'x', scopes: ['exams:read'] }))
      .body.apiToken.id as string;

    const strings = [
      '',
      ' ',
      'a',
      'x'.repeat(300),
      '\u0000',
      'nul\u0000inside',
      '😀',
      '\u202e',
      "' OR 1=1 --",
      '"; drop table users; --',
      '../../etc/passwd',
      '%00',
      '<script>alert(1)</script>',
      '0000-01-01T00:00:00Z',
      '9999-12-31T23:59:59Z',
      new Date(f.now()).toISOString(),
      'student',
      'admin',
      'proctor',
      'published',
      'draft',
      'checking_in',
      'exams:read',
      'users:write',
      'a@b',
      'someone@uni.example',
      crypto.randomUUID(),
      fuzzExam,
    ];
    const numbers = [0, -1, 1, 1.5, 2 ** 31, -(2 ** 53), 1e308, 90, 1441, 100_001, 3650];
    const keys = [
      'email',
      'password',
      'name',
      'role',
      'disabled',
      'title',
      'description',
      'status',
      'opensAt',
      'closesAt',
      'durationMinutes',
      'capacity',
      'registrationDeadline',
      'policy',
      'scopes',
      'expiresInDays',
      'to',
      'reason',
      'csv',
      'enabled',
      'allowedDomains',
      'currentPassword',
      'newPassword',
      'limit',
      'q',
      'examId',
      'webcam',
      'x',
    ];
    const value = (depth: number): unknown => {
      const kind = rnd.int(depth > 2 ? 4 : 6);
      if (kind === 0) return rnd.pick(strings);
      if (kind === 1) return rnd.pick(numbers);
      if (kind === 2) return rnd.pick([true, false, null]);
      if (kind === 3) return rnd.pick(strings);
      if (kind === 4) return Array.from({ length: rnd.int(4) }, () => value(depth + 1));
      const obj: Record<string, unknown> = {};
      for (let i = rnd.int(5); i > 0; i--) obj[rnd.pick(keys)] = value(depth + 1);
      return obj;
    };
    const validBody = (op: string) => targets.find((t) => t.op === op)?.body?.();
    const body = (op: string): unknown => {
      const valid = validBody(op);
      const strategy = rnd.int(valid ? 6 : 3);
      if (strategy === 0) return undefined;
      if (strategy === 1) return value(0);
      if (strategy === 2) return rnd.pick(['{', '{"a":1,}', 'nul', '[]', '""', '{"__proto__":{}}']);
      const copy = { ...(valid as Record<string, unknown>) };
      const field = rnd.pick(Object.keys(copy));
      if (strategy === 3) copy[field] = rnd.int(2) === 0 ? rnd.pick(strings) : value(1);
      else if (strategy === 4) delete copy[field];
      else copy[rnd.pick(keys)] = value(1);
      return copy;
    };
    const paramValue = (op: string, name: string): string => {
      const junk = rnd.pick(['nope', '0', crypto.randomUUID(), '%', '..', "'", 'x'.repeat(80)]);
      if (rnd.int(4) === 0) return junk;
      if (name === 'userId') return rnd.pick([fuzzProctor.userId, throwaway, fuzzStudent.userId]);
      if (op.includes('/api/users/')) return throwaway;
      if (op.includes('/api/tokens/')) return fuzzToken;
      if (op.includes('/api/webhooks/')) return f.webhookId;
      if (op.includes('/api/registrations/')) return fuzzReg.id;
      if (op.includes('/api/sessions/')) return fuzzReg.sessionId;
      return rnd.pick([fuzzExam, f.examId]);
    };
    const query = () => {
      if (rnd.int(2) === 0) return '';
      const parts = Array.from(
        { length: 1 + rnd.int(3) },
        () => `${encodeURIComponent(rnd.pick(keys))}=${encodeURIComponent(String(value(2) ?? ''))}`,
      );
      return `?${parts.join('&')}`;
    };

    const failures: string[] = [];
    const statuses = new Map<number, number>();
    for (let i = 0; i < 300; i++) {
      const op = rnd.pick(ops);
      const { method, path } = splitOperation(op);
      const callers: Record<string, HttpClient> = {
        anonymous: f.server.anonymous(),
        student: fuzzStudent,
        proctor: fuzzProctor,
        admin: fuzzAdmin,
        'admin token': Object.assign(f.server.anonymous(), { bearer: adminToken }),
      };
      // Mostly a caller allowed to use the route, so inputs get past authorization.
      const allowed =
        targets.find((t) => t.op === op)?.who ??
        (['GET /api/exams/open', 'GET /api/me/registrations'].includes(op) ? 'student' : 'admin');
      let who = rnd.int(10) < 7 ? allowed : rnd.pick(Object.keys(callers));
      let client = callers[who] as HttpClient;
      // Signing out would end the fuzz caller's session for the rest of the run.
      if (op === 'POST /api/auth/logout') {
        who = 'anonymous';
        client = f.server.anonymous();
      }
      const url =
        path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(paramValue(op, name))) +
        (method === 'GET' ? query() : '');
      const sent = method === 'GET' ? undefined : body(op);
      const res = await client.request(method, url, sent);
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      const problem = res.status >= 400 ? errorBodyProblem(res) : undefined;
      if (res.status >= 500 || problem) {
        failures.push(
          `#${i} ${who} ${method} ${url} ${JSON.stringify(sent)?.slice(0, 200)} → ${res.status} ${problem ?? ''}`,
        );
      }
    }
    expect(failures, `fuzz seed ${seed}`).toEqual([]);
    // The fuzz reaches past authentication and validation, not only into 401s and 400s.
    const successes = [...statuses].filter(([s]) => s < 300).reduce((n, [, c]) => n + c, 0);
    expect(successes, JSON.stringify([...statuses])).toBeGreaterThanOrEqual(30);
    expect(statuses.size, JSON.stringify([...statuses])).toBeGreaterThanOrEqual(6);
  });
});
