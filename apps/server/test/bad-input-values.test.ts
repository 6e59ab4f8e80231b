import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountValueCases } from './helpers/bad-input/cases-accounts.js';
import { examValueCases } from './helpers/bad-input/cases-exams.js';
import { sessionValueCases } from './helpers/bad-input/cases-sessions.js';
import { BadInputFixture } from './helpers/bad-input/fixture.js';
import type { ValueCase } from './helpers/bad-input/target.js';
import { buildExam } from './helpers/factories.js';
import { errorBodyProblem, expectError } from './helpers/matrix-errors.js';
import { requestEngines, TEST_PASSWORD } from './helpers/test-server.js';

const HOUR = 3_600_000;

/**
 * Well-formed requests with values out of contract: out of range, malformed, or beyond what
 * the database can store; and exam schedules that do not add up.
 */
describe.each(requestEngines())('bad input: values on %s', (engine) => {
  const f = new BadInputFixture(engine);
  beforeAll(() => f.start());
  afterAll(() => f.close());

  it('out-of-range and malformed values → 400 VALIDATION_FAILED', async () => {
    const cases: ValueCase[] = [
      ...examValueCases(f),
      ...accountValueCases(f),
      ...sessionValueCases(f),
    ];
    const failures: string[] = [];
    for (const [name, call] of cases) {
      const res = await call();
      if (res.status !== 400 || res.body?.code !== 'VALIDATION_FAILED' || errorBodyProblem(res)) {
        failures.push(`${name}: ${res.status} ${JSON.stringify(res.body)}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('strings and dates the database cannot store are refused, never a 500', async () => {
    const nul = 'before\u0000after';
    const other = await f.server.signedIn('student');
    const probeExam = (await f.admin.post('/api/exams', buildExam({}, f.now()))).body.id as string;
    const reg = await other.post(`/api/exams/${probeExam}/registrations`);
    await f.admin.put('/api/settings/signup', { enabled: true, allowedDomains: [] });
    const year0 = '0000-01-01T00:00:00Z';
    const cases: ValueCase[] = [
      ['exam title with NUL', () => f.admin.post('/api/exams', buildExam({ title: nul }, f.now()))],
      [
        'exam description with NUL',
        () => f.admin.post('/api/exams', buildExam({ description: nul }, f.now())),
      ],
      ['patch exam title with NUL', () => f.admin.patch(`/api/exams/${probeExam}`, { title: nul })],
      [
        'user name with NUL',
        () =>
          f.admin.post('/api/users', {
            email: 'nul1@test.invigil.test',
            name: nul,
            role: 'student',
            password: TEST_PASSWORD,
          }),
      ],
      [
        'patch user name with NUL',
        () => f.admin.patch(`/api/users/${f.spareUserId}`, { name: nul }),
      ],
      [
        'sign-up name with NUL',
        () =>
          f.server.anonymous().post('/api/auth/signup', {
            email: 'nul2@test.invigil.test',
            name: nul,
            password: TEST_PASSWORD,
          }),
      ],
      [
        'CSV row with NUL',
        () =>
          f.admin.post('/api/users/import', {
            csv: `email,name,role\nnul3@test.invigil.test,${nul},student\n`,
          }),
      ],
      [
        'token name with NUL',
        () => f.admin.post('/api/tokens', { name: nul, scopes: ['exams:read'] }),
      ],
      [
        'transition reason with NUL',
        () =>
          other.post(`/api/sessions/${reg.body.sessionId}/transitions`, {
            to: 'checking_in',
            reason: nul,
          }),
      ],
      ['user search with NUL', () => f.admin.get('/api/users?q=%00')],
      [
        'exam opening in year 0',
        () => f.admin.post('/api/exams', buildExam({ opensAt: year0 }, f.now())),
      ],
      [
        'exam entirely in year 0',
        () =>
          f.admin.post(
            '/api/exams',
            buildExam(
              { opensAt: year0, closesAt: '0000-01-02T00:00:00Z', registrationDeadline: year0 },
              f.now(),
            ),
          ),
      ],
      [
        'patch exam into year 0',
        () => f.admin.patch(`/api/exams/${probeExam}`, { opensAt: year0 }),
      ],
    ];
    const failures: string[] = [];
    for (const [name, call] of cases) {
      const res = await call();
      if (res.status >= 500 || (res.status >= 400 && errorBodyProblem(res))) {
        failures.push(`${name}: ${res.status} ${res.body?.code}`);
      }
    }
    await f.admin.put('/api/settings/signup', { enabled: false, allowedDomains: [] });
    expect(failures).toEqual([]);
  });

  it('exam schedules must be consistent on create (400 INVALID_EXAM_SCHEDULE)', async () => {
    const t0 = f.now() + 24 * HOUR;
    const at = (ms: number) => new Date(ms).toISOString();
    const base = { opensAt: at(t0), closesAt: at(t0 + 2 * HOUR), registrationDeadline: at(t0) };
    const cases: [string, Record<string, unknown>, string][] = [
      ['closes when it opens', { ...base, closesAt: at(t0) }, 'closesAt'],
      ['closes before it opens', { ...base, closesAt: at(t0 - HOUR) }, 'closesAt'],
      ['longer than its window', { ...base, durationMinutes: 121 }, 'durationMinutes'],
      [
        'deadline after closing',
        { ...base, registrationDeadline: at(t0 + 3 * HOUR) },
        'registrationDeadline',
      ],
    ];
    for (const [name, overrides, path] of cases) {
      const res = await f.admin.post('/api/exams', buildExam(overrides, f.now()));
      expectError(res, 400, 'INVALID_EXAM_SCHEDULE');
      expect(res.body.details, name).toEqual(
        expect.arrayContaining([expect.objectContaining({ path, message: expect.any(String) })]),
      );
    }
    // The edges are allowed: duration exactly the window, deadline exactly at closing.
    const edge = await f.admin.post(
      '/api/exams',
      buildExam({ ...base, durationMinutes: 120, registrationDeadline: base.closesAt }, f.now()),
    );
    expect(edge.status, JSON.stringify(edge.body)).toBe(201);
  });

  it('exam schedules must stay consistent when a PATCH merges with stored values', async () => {
    const t0 = f.now() + 24 * HOUR;
    const at = (ms: number) => new Date(ms).toISOString();
    const created = await f.admin.post(
      '/api/exams',
      buildExam(
        {
          opensAt: at(t0),
          closesAt: at(t0 + 2 * HOUR),
          registrationDeadline: at(t0),
          durationMinutes: 90,
        },
        f.now(),
      ),
    );
    expect(created.status).toBe(201);
    const id = created.body.id;
    for (const [patch, path] of [
      [{ closesAt: at(t0 - HOUR) }, 'closesAt'],
      [{ opensAt: at(t0 + 3 * HOUR) }, 'closesAt'],
      [{ durationMinutes: 121 }, 'durationMinutes'],
      [{ closesAt: at(t0 + HOUR) }, 'durationMinutes'],
      [{ registrationDeadline: at(t0 + 2 * HOUR + 60_000) }, 'registrationDeadline'],
      [{ closesAt: at(t0 + 90 * 60_000 - 60_000) }, 'durationMinutes'],
    ] as const) {
      const res = await f.admin.patch(`/api/exams/${id}`, patch);
      expectError(res, 400, 'INVALID_EXAM_SCHEDULE');
      expect(JSON.stringify(res.body.details), JSON.stringify(patch)).toContain(path);
    }
    const unchanged = await f.admin.get(`/api/exams/${id}`);
    expect(unchanged.body).toMatchObject({
      opensAt: at(t0),
      closesAt: at(t0 + 2 * HOUR),
      durationMinutes: 90,
      registrationDeadline: at(t0),
    });
    // A consistent move of the whole window is fine.
    const moved = await f.admin.patch(`/api/exams/${id}`, {
      opensAt: at(t0 + 5 * HOUR),
      closesAt: at(t0 + 7 * HOUR),
      registrationDeadline: at(t0 + 4 * HOUR),
    });
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
  });
});
