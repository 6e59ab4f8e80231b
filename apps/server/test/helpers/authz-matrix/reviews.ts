import { expect } from 'vitest';
import { completeCheckIn } from '../check-in.js';
import type { MatrixFixture } from './fixture.js';

// review-*.test.ts have the review workflow; these only set up what the matrix's callers act on.

/** A fresh attempt of the owner student, terminated by the admin; with one closed flag if asked. */
export async function finishedSession(
  f: MatrixFixture,
  withFlag: boolean,
): Promise<{ examId: string; registrationId: string; sessionId: string }> {
  const { users } = f;
  const reg = await f.freshRegistration();
  const path = `/api/sessions/${reg.sessionId}`;
  const checkIn = await users.student.post(`${path}/transitions`, { to: 'checking_in' });
  expect(checkIn.status, JSON.stringify(checkIn.body)).toBe(200);
  if (withFlag) {
    const at = Date.now() - 60_000;
    const data = { detector: 'no_face', confidence: 0.9, model: 'matrix' };
    const sent = await users.student.post(`${path}/events`, {
      events: [
        { seq: 0, type: 'detect.state', at, data: { ...data, active: true } },
        { seq: 1, type: 'detect.state', at: at + 30_000, data: { ...data, active: false } },
      ],
    });
    expect(sent.status, JSON.stringify(sent.body)).toBe(200);
  }
  const end = await users.admin.post(`${path}/transitions`, { to: 'terminated', reason: 'm' });
  expect(end.status, JSON.stringify(end.body)).toBe(200);
  return reg;
}

/** A fresh attempt of the owner student, started, then terminated by the admin (time left). */
export async function terminatedRunning(f: MatrixFixture): Promise<string> {
  const { users } = f;
  const reg = await f.freshRegistration();
  const path = `/api/sessions/${reg.sessionId}`;
  expect((await users.student.post(`${path}/transitions`, { to: 'checking_in' })).status).toBe(200);
  await completeCheckIn(users.student, reg.sessionId);
  expect((await users.student.post(`${path}/transitions`, { to: 'in_progress' })).status).toBe(200);
  const end = await users.admin.post(`${path}/transitions`, { to: 'terminated', reason: 'm' });
  expect(end.status, JSON.stringify(end.body)).toBe(200);
  return reg.sessionId;
}

/** A flag of a finished session (made once; deciding it again is allowed while under review). */
export function flagToReview(f: MatrixFixture): Promise<{ examId: string; flagId: string }> {
  return f.once('flag to review', async () => {
    const reg = await finishedSession(f, true);
    const flags = await f.users.admin.get(`/api/sessions/${reg.sessionId}/flags`);
    expect(flags.body, JSON.stringify(flags.body)).toHaveLength(1);
    return { examId: reg.examId, flagId: flags.body[0].id as string };
  });
}

/** A fresh finished attempt with a provisional verdict (the student may respond). */
export async function provisionalVerdict(f: MatrixFixture): Promise<string> {
  const reg = await finishedSession(f, false);
  const res = await f.users.admin.post(`/api/sessions/${reg.sessionId}/verdict`, {
    verdict: 'clean',
    reason: 'Authorization matrix',
  });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return reg.sessionId;
}

/**
 * A flag of a review the student's response reopened: confirmed, a violation verdict, then
 * the response (made once). Its decision can still change.
 */
export function reopenedFlag(f: MatrixFixture): Promise<string> {
  return f.once('reopened flag', async () => {
    const { users } = f;
    const reg = await finishedSession(f, true);
    const path = `/api/sessions/${reg.sessionId}`;
    const flags = await users.admin.get(`${path}/flags`);
    const flagId = flags.body[0].id as string;
    await users.admin.post(`/api/flags/${flagId}/review`, { decision: 'confirmed' });
    const verdict = await users.admin.post(`${path}/verdict`, {
      verdict: 'violation',
      reason: 'm',
    });
    expect(verdict.status, JSON.stringify(verdict.body)).toBe(200);
    const res = await users.student.post(`${path}/response`, { text: 'Authorization matrix' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return flagId;
  });
}

/** One session with a verdict, for the reads (made once). */
export function reviewedSession(f: MatrixFixture): Promise<string> {
  return f.once('reviewed session', () => provisionalVerdict(f));
}
