import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { areaRows } from './helpers/authz-matrix/areas.js';
import { MatrixFixture } from './helpers/authz-matrix/fixture.js';
import { testRows } from './helpers/authz-matrix/row.js';
import type { HttpClient } from './helpers/http-client.js';
import { expectError } from './helpers/matrix-errors.js';
import { requestEngines } from './helpers/test-server.js';

/**
 * The authorization matrix (every route × every kind of caller → the expected outcome; the
 * letters are in helpers/authz-matrix/outcomes.ts) for exams, registrations, sessions,
 * questions, grading and review; then what staff not assigned to an exam, and other students,
 * can see of it.
 */
describe.each(requestEngines())('authorization matrix: exams on %s', (engine) => {
  const f = new MatrixFixture(engine);
  beforeAll(() => f.start());
  afterAll(() => f.close());

  testRows(f, areaRows(f, 'exams'));

  describe('a proctor cannot see an exam they are not assigned to', () => {
    it('lists only assigned exams for proctors and instructors, all for admins', async () => {
      const ids = async (c: HttpClient) =>
        ((await c.get('/api/exams')).body as { id: string }[]).map((e) => e.id);
      const pA = await ids(f.users.proctorA);
      expect(pA).toContain(f.examA);
      expect(pA).not.toContain(f.examB);
      const pX = await ids(f.users.proctorX);
      expect(pX).toContain(f.examB);
      expect(pX).not.toContain(f.examA);
      const iX = await ids(f.users.instructorX);
      expect(iX).toContain(f.examB);
      expect(iX).not.toContain(f.examA);
      const viaToken = await ids(f.clientFor(f.creds.proctorToken));
      expect(viaToken).toContain(f.examA);
      expect(viaToken).not.toContain(f.examB);
      const all = await ids(f.users.admin);
      expect(all).toEqual(expect.arrayContaining([f.examA, f.examB]));
    });

    it('answers 404, not 403, for the unassigned exam, its roster and its staff', async () => {
      for (const path of [
        `/api/exams/${f.examB}`,
        `/api/exams/${f.examB}/registrations`,
        `/api/exams/${f.examB}/staff`,
      ]) {
        expectError(await f.users.proctorA.get(path), 404, 'NOT_FOUND');
      }
      // The answer for an unassigned exam is indistinguishable from a non-existent one.
      const unassigned = await f.users.proctorA.get(`/api/exams/${f.examB}`);
      const missing = await f.users.proctorA.get(`/api/exams/${crypto.randomUUID()}`);
      expect(unassigned.body.message).toBe(missing.body.message);
    });

    it('stops seeing an exam once unassigned', async () => {
      const examId = await f.freshExam('Briefly assigned');
      expect((await f.users.proctorA.get(`/api/exams/${examId}`)).status).toBe(200);
      const removed = await f.users.admin.delete(
        `/api/exams/${examId}/staff/${f.users.proctorA.userId}`,
      );
      expect(removed.status).toBe(200);
      expectError(await f.users.proctorA.get(`/api/exams/${examId}`), 404, 'NOT_FOUND');
    });

    it('does not let a student reach a registration or session of another student', async () => {
      expectError(
        await f.users.otherStudent.get(`/api/registrations/${f.registrationId}`),
        404,
        'NOT_FOUND',
      );
      expectError(await f.users.otherStudent.get(`/api/sessions/${f.sessionId}`), 404, 'NOT_FOUND');
      expectError(
        await f.users.otherStudent.post(`/api/registrations/${f.registrationId}/cancel`),
        404,
        'NOT_FOUND',
      );
    });
  });
});
