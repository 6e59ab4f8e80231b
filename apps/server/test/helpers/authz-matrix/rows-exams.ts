import { expect } from 'vitest';
import { buildExam } from '../factories.js';
import type { MatrixFixture } from './fixture.js';
import { isStaff } from './outcomes.js';
import { fixed, type Row } from './row.js';

/** Exams, their staff, registrations and sessions. */
export function examRows(f: MatrixFixture): Row[] {
  return [
    // callers an st os pA pX iA iX ad pT aT (letters: see outcomes.ts)
    {
      op: 'GET /api/exams',
      expect: 'U  F  F  A  A  A  A  A  A  A',
      prepare: fixed(() => '/api/exams'),
    },
    {
      op: 'POST /api/exams',
      expect: 'U  F  F  F  F  A  A  A  S  A',
      prepare: fixed(
        () => '/api/exams',
        () => buildExam({ title: 'Created in the matrix' }, f.server.clock.now().getTime()),
      ),
    },
    {
      op: 'GET /api/exams/{id}',
      expect: 'U  F  F  A  H  A  H  A  A  A',
      prepare: fixed(() => `/api/exams/${f.examA}`),
    },
    {
      op: 'GET /api/exams/{id}',
      variant: 'exam B',
      expect: 'U  F  F  H  A  H  A  A  H  A',
      prepare: fixed(() => `/api/exams/${f.examB}`),
    },
    {
      op: 'PATCH /api/exams/{id}',
      expect: 'U  F  F  F  F  A  H  A  S  A',
      prepare: fixed(
        () => `/api/exams/${f.examA}`,
        () => ({ description: 'Edited in the matrix' }),
      ),
    },
    {
      op: 'POST /api/exams/{id}/archive',
      expect: 'U  F  F  F  F  A  H  A  S  A',
      prepare: async () => ({ path: `/api/exams/${await f.freshExam('To archive')}/archive` }),
    },
    {
      op: 'GET /api/exams/{id}/staff',
      expect: 'U  F  F  A  H  A  H  A  A  A',
      prepare: fixed(() => `/api/exams/${f.examA}/staff`),
    },
    {
      op: 'GET /api/exams/{id}/staff',
      variant: 'exam B',
      expect: 'U  F  F  H  A  H  A  A  H  A',
      prepare: fixed(() => `/api/exams/${f.examB}/staff`),
    },
    {
      // Only those who may manage the exam (so not its proctors, nor pA's token).
      op: 'GET /api/exams/{id}/staff/candidates',
      expect: 'U  F  F  F  F  A  H  A  S  A',
      prepare: fixed(() => `/api/exams/${f.examA}/staff/candidates?role=proctor`),
    },
    {
      op: 'GET /api/exams/{id}/staff/candidates',
      variant: 'exam B',
      expect: 'U  F  F  F  F  H  A  A  S  A',
      prepare: fixed(() => `/api/exams/${f.examB}/staff/candidates?role=instructor`),
    },
    {
      op: 'PUT /api/exams/{id}/staff/{userId}',
      expect: 'U  F  F  F  F  A  H  A  S  A',
      prepare: fixed(
        () => `/api/exams/${f.examA}/staff/${f.spareProctor.userId}`,
        () => ({ role: 'proctor' }),
      ),
    },
    {
      op: 'DELETE /api/exams/{id}/staff/{userId}',
      expect: 'U  F  F  F  F  A  H  A  S  A',
      prepare: fixed(() => `/api/exams/${f.examA}/staff/${f.spareProctor.userId}`),
    },
    {
      op: 'GET /api/exams/open',
      expect: 'U  A  A  F  F  F  F  F  S  F',
      prepare: fixed(() => '/api/exams/open'),
    },
    {
      op: 'POST /api/exams/{id}/registrations',
      expect: 'U  A  A  F  F  F  F  F  S  F',
      prepare: async () => ({
        path: `/api/exams/${await f.freshExam('To register for')}/registrations`,
      }),
    },
    {
      op: 'GET /api/exams/{id}/registrations',
      expect: 'U  F  F  A  H  A  H  A  S  A',
      prepare: fixed(() => `/api/exams/${f.examA}/registrations`),
    },
    {
      op: 'GET /api/exams/{id}/registrations',
      variant: 'exam B',
      expect: 'U  F  F  H  A  H  A  A  S  A',
      prepare: fixed(() => `/api/exams/${f.examB}/registrations`),
    },
    {
      op: 'GET /api/me/registrations',
      expect: 'U  A  A  F  F  F  F  F  S  F',
      prepare: fixed(() => '/api/me/registrations'),
    },
    {
      op: 'GET /api/registrations/{id}',
      expect: 'U  A  H  A  H  A  H  A  S  A',
      prepare: fixed(() => `/api/registrations/${f.registrationId}`),
    },
    {
      op: 'POST /api/registrations/{id}/cancel',
      expect: 'U  A  H  F  F  F  F  F  S  F',
      prepare: async () => ({
        path: `/api/registrations/${(await f.freshRegistration()).registrationId}/cancel`,
      }),
    },
    {
      op: 'GET /api/sessions/{id}',
      expect: 'U  A  H  A  H  A  H  A  S  A',
      prepare: fixed(() => `/api/sessions/${f.sessionId}`),
    },
    {
      op: 'POST /api/sessions/{id}/transitions',
      expect: 'U  A  H  A  H  A  H  A  S  A',
      // Students may check in a registered session; staff may terminate one that is checking in.
      prepare: async (caller) => {
        const reg = await f.freshRegistration();
        const path = `/api/sessions/${reg.sessionId}/transitions`;
        if (!isStaff(caller)) return { path, body: { to: 'checking_in' } };
        const checkIn = await f.users.student.post(path, { to: 'checking_in' });
        expect(checkIn.status, JSON.stringify(checkIn.body)).toBe(200);
        return { path, body: { to: 'terminated', reason: 'Authorization matrix' } };
      },
    },
    {
      op: 'POST /api/sessions/{id}/consent',
      expect: 'U  A  H  F  F  F  F  F  F  F',
      prepare: fixed(() => `/api/sessions/${f.sessionId}/consent`),
    },
  ];
}
