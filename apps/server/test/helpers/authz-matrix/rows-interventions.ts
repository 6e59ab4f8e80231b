import { expect } from 'vitest';
import { openHand, sentIntervention, startedSession } from './attempts.js';
import type { MatrixFixture } from './fixture.js';
import { finishedSession, terminatedRunning } from './reviews.js';
import { fixed, type Row } from './row.js';

/** Chat, announcements, raised hands, the student's side of interventions, and staff tools. */
export function interventionRows(f: MatrixFixture): Row[] {
  return [
    // callers an st os pA pX iA iX ad pT aT (letters: see outcomes.ts)
    // Chat and raised hands: read like the session, written like interventions (instructors
    // read, they do not write); the student writes in their own running attempt.
    {
      op: 'GET /api/sessions/{id}/chat',
      expect: 'U  A  H  A  H  A  H  A  S  A',
      prepare: fixed(() => `/api/sessions/${f.sessionId}/chat`),
    },
    {
      op: 'POST /api/sessions/{id}/chat',
      expect: 'U  A  H  A  H  F  F  A  S  A',
      prepare: async () => ({
        path: `/api/sessions/${(await startedSession(f)).sessionId}/chat`,
        body: { body: 'Authorization matrix' },
      }),
    },
    {
      op: 'POST /api/sessions/{id}/chat/read',
      expect: 'U  A  H  A  H  F  F  A  S  A',
      prepare: fixed(
        () => `/api/sessions/${f.sessionId}/chat/read`,
        () => ({ seq: 0 }),
      ),
    },
    {
      op: 'GET /api/exams/{id}/announcements',
      expect: 'U  F  F  A  H  A  H  A  A  A',
      prepare: fixed(() => `/api/exams/${f.examA}/announcements`),
    },
    {
      op: 'POST /api/exams/{id}/announcements',
      expect: 'U  F  F  A  H  F  F  A  S  A',
      prepare: fixed(
        () => `/api/exams/${f.examA}/announcements`,
        () => ({ body: 'Authorization matrix' }),
      ),
    },
    {
      op: 'POST /api/sessions/{id}/hand',
      expect: 'U  A  H  F  F  F  F  F  F  F',
      prepare: async () => {
        // The owner raises on a session without an open hand.
        const { sessionId: id } = await startedSession(f);
        const lowered = await f.users.student.post(`/api/hands/${await openHand(f)}/lower`, {});
        expect(lowered.status, JSON.stringify(lowered.body)).toBe(200);
        return { path: `/api/sessions/${id}/hand`, body: { message: 'Authorization matrix' } };
      },
    },
    {
      op: 'GET /api/sessions/{id}/hands',
      expect: 'U  A  H  A  H  A  H  A  S  A',
      prepare: fixed(() => `/api/sessions/${f.sessionId}/hands`),
    },
    {
      op: 'POST /api/hands/{id}/lower',
      expect: 'U  A  H  F  F  F  F  F  F  F',
      prepare: async () => ({ path: `/api/hands/${await openHand(f)}/lower`, body: {} }),
    },
    {
      op: 'POST /api/hands/{id}/take',
      expect: 'U  F  F  A  H  F  F  A  S  A',
      prepare: async () => ({
        path: `/api/hands/${await openHand(f)}/take`,
        body: { takeOver: true },
      }),
    },
    {
      op: 'POST /api/hands/{id}/resolve',
      expect: 'U  F  F  A  H  F  F  A  S  A',
      prepare: async () => ({ path: `/api/hands/${await openHand(f)}/resolve`, body: {} }),
    },
    {
      op: 'POST /api/sessions/{id}/interventions/{interventionId}/acknowledge',
      expect: 'U  A  H  F  F  F  F  F  F  F',
      prepare: async () => ({ path: `${await sentIntervention(f, 'warning')}/acknowledge` }),
    },
    {
      op: 'POST /api/sessions/{id}/interventions/{interventionId}/complete',
      expect: 'U  A  H  F  F  F  F  F  F  F',
      prepare: async () => ({ path: `${await sentIntervention(f, 'room_scan')}/complete` }),
    },
    {
      // Staff tools: the exam's proctors and admins, like interventions; one fresh target each.
      op: 'POST /api/sessions/{id}/interventions/{interventionId}/cancel',
      expect: 'U  F  F  A  H  F  F  A  S  A',
      prepare: async () => {
        const { sessionId: id } = await startedSession(f);
        const res = await f.users.proctorA.post(`/api/sessions/${id}/interventions`, {
          kind: 'room_scan',
        });
        expect(res.status, JSON.stringify(res.body)).toBe(201);
        return {
          path: `/api/sessions/${id}/interventions/${res.body.id as string}/cancel`,
          body: { reason: 'Authorization matrix' },
        };
      },
    },
    {
      op: 'POST /api/sessions/{id}/extend-time',
      expect: 'U  F  F  A  H  F  F  A  S  A',
      prepare: async () => ({
        path: `/api/sessions/${(await startedSession(f)).sessionId}/extend-time`,
        body: { minutes: 1, reason: 'Authorization matrix' },
      }),
    },
    {
      op: 'POST /api/sessions/{id}/reopen',
      expect: 'U  F  F  A  H  F  F  A  S  A',
      prepare: async () => ({
        path: `/api/sessions/${await terminatedRunning(f)}/reopen`,
        body: { reason: 'Authorization matrix' },
      }),
    },
    {
      op: 'POST /api/sessions/{id}/new-attempt',
      expect: 'U  F  F  A  H  F  F  A  S  A',
      prepare: async () => ({
        path: `/api/sessions/${(await finishedSession(f, false)).sessionId}/new-attempt`,
        body: { reason: 'Authorization matrix' },
      }),
    },
    {
      op: 'GET /api/sessions/{id}/attempts',
      expect: 'U  A  H  A  H  A  H  A  S  A',
      prepare: fixed(() => `/api/sessions/${f.sessionId}/attempts`),
    },
  ];
}
