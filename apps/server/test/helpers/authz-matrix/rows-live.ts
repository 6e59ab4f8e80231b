import { expect } from 'vitest';
import { flagOnExamA, startedSession } from './attempts.js';
import type { MatrixFixture } from './fixture.js';
import { fixed, type Row } from './row.js';

/** The live dashboard, alerts, notes, interventions, and live views and calls. */
export function liveRows(f: MatrixFixture): Row[] {
  return [
    // callers an st os pA pX iA iX ad pT aT (letters: see outcomes.ts)
    {
      // The live gateway checks everything before upgrading; a plain GET that passes is 426.
      op: 'GET /api/live',
      expect: 'U  F  F  W  H  W  H  W  F  F',
      prepare: fixed(() => `/api/live?examId=${f.examA}`),
    },
    {
      op: 'GET /api/live',
      variant: 'a student’s own session',
      expect: 'U  W  H  F  F  F  F  F  F  F',
      prepare: fixed(() => `/api/live?sessionId=${f.sessionId}`),
    },
    {
      op: 'GET /api/exams/{id}/live',
      expect: 'U  F  F  A  H  A  H  A  S  A',
      prepare: fixed(() => `/api/exams/${f.examA}/live`),
    },
    {
      op: 'POST /api/flags/{id}/acknowledge',
      expect: 'U  F  F  A  H  A  H  A  S  A',
      prepare: async () => ({ path: `/api/flags/${await flagOnExamA(f)}/acknowledge` }),
    },
    {
      op: 'POST /api/flags/{id}/assign',
      expect: 'U  F  F  A  H  A  H  A  S  A',
      prepare: async () => ({
        path: `/api/flags/${await flagOnExamA(f)}/assign`,
        body: { takeOver: true },
      }),
    },
    {
      // Each staff caller first takes the alert on, so releasing it is theirs to do.
      op: 'DELETE /api/flags/{id}/assign',
      expect: 'U  F  F  A  H  A  H  A  S  A',
      prepare: async (caller) => {
        const path = `/api/flags/${await flagOnExamA(f)}/assign`;
        if (caller === 'proctorA' || caller === 'instructorA') {
          const took = await f.users[caller].post(path, { takeOver: true });
          expect(took.status, JSON.stringify(took.body)).toBe(200);
        }
        return { path };
      },
    },
    {
      op: 'GET /api/sessions/{id}/notes',
      expect: 'U  H  H  A  H  A  H  A  S  A',
      prepare: fixed(() => `/api/sessions/${f.sessionId}/notes`),
    },
    {
      op: 'POST /api/sessions/{id}/notes',
      expect: 'U  F  F  A  H  A  H  A  S  A',
      prepare: fixed(
        () => `/api/sessions/${f.sessionId}/notes`,
        () => ({ body: 'Written in the matrix' }),
      ),
    },
    {
      // Proctors assigned to the exam and admins (on any exam) intervene; other proctors do
      // not learn it exists.
      op: 'POST /api/sessions/{id}/interventions',
      expect: 'U  F  F  A  H  F  F  A  S  A',
      prepare: async () => ({
        path: `/api/sessions/${(await startedSession(f)).sessionId}/interventions`,
        body: { kind: 'warning', message: 'Authorization matrix' },
      }),
    },
    {
      op: 'GET /api/sessions/{id}/interventions',
      expect: 'U  A  H  A  H  A  H  A  S  A',
      prepare: fixed(() => `/api/sessions/${f.sessionId}/interventions`),
    },
    // Live views and calls: browser sessions only (tokens F); the exam's proctors and admins
    // open them, the session's student and staff read them; ending is the opener's or an admin's.
    {
      // TURN credentials only for those who take part in links: the running attempt's
      // student, the exam's proctors and admins (instructors never open links).
      op: 'GET /api/rtc/ice-servers',
      expect: 'U  A  H  A  H  R  R  A  F  F',
      prepare: async () => ({
        path: `/api/rtc/ice-servers?sessionId=${(await startedSession(f)).sessionId}`,
      }),
    },
    {
      op: 'POST /api/sessions/{id}/rtc',
      expect: 'U  R  R  A  H  R  R  A  F  F',
      prepare: async () => ({
        path: `/api/sessions/${(await startedSession(f)).sessionId}/rtc`,
        body: { kind: 'view' },
      }),
    },
    {
      op: 'GET /api/sessions/{id}/rtc',
      expect: 'U  A  H  A  H  A  H  A  F  F',
      prepare: fixed(() => `/api/sessions/${f.sessionId}/rtc`),
    },
    {
      // A fresh view of the admin's each time: theirs (and only theirs) to end.
      op: 'POST /api/rtc/{id}/end',
      expect: 'U  R  H  R  H  R  H  A  F  F',
      prepare: async () => {
        const { sessionId: running } = await startedSession(f);
        const opened = await f.users.admin.post(`/api/sessions/${running}/rtc`, { kind: 'view' });
        expect(opened.status, JSON.stringify(opened.body)).toBe(201);
        return { path: `/api/rtc/${opened.body.id}/end`, body: {} };
      },
    },
  ];
}
