import { expect } from 'vitest';
import type { HttpClient } from './http-client.js';

/**
 * Register `student` for the exam and move the new session to checking_in, the first state
 * in which uploads and events are accepted. Fails the test on any unexpected answer.
 */
export async function registerAndCheckIn(
  student: HttpClient,
  examId: string,
): Promise<{ sessionId: string; registrationId: string }> {
  const reg = await student.post(`/api/exams/${examId}/registrations`);
  expect(reg.status, JSON.stringify(reg.body)).toBe(201);
  const sessionId = reg.body.sessionId as string;
  const moved = await student.post(`/api/sessions/${sessionId}/transitions`, {
    to: 'checking_in',
  });
  expect(moved.status, JSON.stringify(moved.body)).toBe(200);
  return { sessionId, registrationId: reg.body.id as string };
}
