import { createHash } from 'node:crypto';
import { expect } from 'vitest';
import { completeCheckIn } from '../check-in.js';
import { jpegBytes, webmBytes } from '../media-bytes.js';
import type { MatrixFixture } from './fixture.js';
import type { Cell } from './row.js';

/** The owner student's attempt, in progress on its own exam with one question (made once). */
export function startedSession(
  f: MatrixFixture,
): Promise<{ sessionId: string; questionId: string }> {
  return f.once('started session', async () => {
    const { users } = f;
    const reg = await f.freshRegistration();
    const set = await users.admin.put(`/api/exams/${reg.examId}/questions`, {
      questions: [
        { kind: 'multiple_choice', prompt: 'Pick one', options: ['a', 'b'], correctOption: 0 },
      ],
    });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    const path = `/api/sessions/${reg.sessionId}`;
    expect((await users.student.post(`${path}/transitions`, { to: 'checking_in' })).status).toBe(
      200,
    );
    await completeCheckIn(users.student, reg.sessionId);
    const res = await users.student.post(`${path}/transitions`, { to: 'in_progress' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return { sessionId: reg.sessionId, questionId: set.body[0].id as string };
  });
}

/**
 * Two ended attempts of the owner student, made once: one with a short-text answer to grade,
 * one with only a choice (its score can be released at any time).
 */
export function gradableSessions(
  f: MatrixFixture,
): Promise<{ path: string; textId: string; autoPath: string }> {
  return f.once('gradable sessions', async () => {
    const { users } = f;
    const ended = async (questions: unknown[], value: unknown) => {
      const reg = await f.freshRegistration();
      const set = await users.admin.put(`/api/exams/${reg.examId}/questions`, { questions });
      expect(set.status, JSON.stringify(set.body)).toBe(200);
      const path = `/api/sessions/${reg.sessionId}`;
      expect((await users.student.post(`${path}/transitions`, { to: 'checking_in' })).status).toBe(
        200,
      );
      await completeCheckIn(users.student, reg.sessionId);
      expect((await users.student.post(`${path}/transitions`, { to: 'in_progress' })).status).toBe(
        200,
      );
      const questionId = set.body[0].id as string;
      const saved = await users.student.put(`${path}/answers/${questionId}`, { value });
      expect(saved.status, JSON.stringify(saved.body)).toBe(200);
      expect((await users.student.post(`${path}/transitions`, { to: 'submitted' })).status).toBe(
        200,
      );
      return { path, questionId };
    };
    const text = await ended([{ kind: 'short_text', prompt: 'Say', points: 2 }], { text: 'hi' });
    const auto = await ended([{ kind: 'true_false', prompt: 'True?', answer: true }], {
      choice: 0,
    });
    return { path: text.path, textId: text.questionId, autoPath: auto.path };
  });
}

/** An exam like A with one multiple-choice question (made once). */
export function keyedExam(f: MatrixFixture): Promise<string> {
  return f.once('keyed exam', async () => {
    const examId = await f.freshExam('Matrix exam with a key');
    const set = await f.users.admin.put(`/api/exams/${examId}/questions`, {
      questions: [
        { kind: 'multiple_choice', prompt: 'Pick one', options: ['a', 'b'], correctOption: 1 },
      ],
    });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    return examId;
  });
}

/** A valid raw upload of segment webcam/0 or snapshot webcam/0 (retries are idempotent). */
export function rawUpload(id: string, kind: 'media' | 'snapshots'): Cell {
  const body = kind === 'media' ? webmBytes('matrix media') : jpegBytes('matrix snapshot');
  const now = String(Date.now());
  return {
    path: `/api/sessions/${id}/${kind}/webcam/0`,
    body,
    headers: {
      'content-type': kind === 'media' ? 'video/webm' : 'image/jpeg',
      'x-sha256': createHash('sha256').update(body).digest('hex'),
      ...(kind === 'media' ? { 'x-start-ms': now, 'x-end-ms': now } : { 'x-taken-ms': now }),
    },
  };
}

/** The owner student's session, checking in, with segment, snapshot and event 0 stored. */
export function recordingSession(f: MatrixFixture): Promise<string> {
  return f.once('recording session', async () => {
    const { users } = f;
    const reg = await f.freshRegistration();
    const path = `/api/sessions/${reg.sessionId}`;
    const checkIn = await users.student.post(`${path}/transitions`, { to: 'checking_in' });
    expect(checkIn.status, JSON.stringify(checkIn.body)).toBe(200);
    for (const cell of [rawUpload(reg.sessionId, 'media'), rawUpload(reg.sessionId, 'snapshots')]) {
      const res = await users.student.request('PUT', cell.path, cell.body, cell.headers);
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    }
    const events = await users.student.post(`${path}/events`, {
      events: [{ seq: 0, type: 'page.load', at: Date.now() }],
    });
    expect(events.status, JSON.stringify(events.body)).toBe(200);
    return reg.sessionId;
  });
}

/** A flag (no face) on a session of an exam like A, raised through the student's events. */
export function flagOnExamA(f: MatrixFixture): Promise<string> {
  return f.once('flag on exam A', async () => {
    const { users } = f;
    const reg = await f.freshRegistration();
    const path = `/api/sessions/${reg.sessionId}`;
    const checkIn = await users.student.post(`${path}/transitions`, { to: 'checking_in' });
    expect(checkIn.status, JSON.stringify(checkIn.body)).toBe(200);
    const sent = await users.student.post(`${path}/events`, {
      events: [
        {
          seq: 0,
          type: 'detect.state',
          at: Date.now() - 8000,
          data: { detector: 'no_face', active: true, confidence: 0.9, model: 'matrix' },
        },
      ],
    });
    expect(sent.status, JSON.stringify(sent.body)).toBe(200);
    const flags = await users.admin.get(`${path}/flags`);
    expect(flags.body, JSON.stringify(flags.body)).toHaveLength(1);
    return flags.body[0].id as string;
  });
}

/**
 * The path of a warning or room scan request proctor A sent on the started session (made
 * once); a room scan request comes with a room_scan segment uploaded after it.
 */
export function sentIntervention(f: MatrixFixture, kind: 'warning' | 'room_scan'): Promise<string> {
  return f.once(`sent ${kind}`, async () => {
    const { users } = f;
    const { sessionId: id } = await startedSession(f);
    const body = kind === 'warning' ? { kind, message: 'Matrix warning' } : { kind };
    const res = await users.proctorA.post(`/api/sessions/${id}/interventions`, body);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    if (kind === 'room_scan') {
      const scan = rawUpload(id, 'media');
      const upload = await users.student.request(
        'PUT',
        scan.path.replace('/webcam/', '/room_scan/'),
        scan.body,
        scan.headers,
      );
      expect(upload.status, JSON.stringify(upload.body)).toBe(201);
    }
    return `/api/sessions/${id}/interventions/${res.body.id as string}`;
  });
}

/** An open raised hand of the owner student on the started session (raised when none is). */
export async function openHand(f: MatrixFixture): Promise<string> {
  const { users } = f;
  const { sessionId: id } = await startedSession(f);
  const hands = await users.student.get(`/api/sessions/${id}/hands`);
  const open = (hands.body as { id: string; closedAt: string | null }[]).find((h) => !h.closedAt);
  if (open) return open.id;
  const raised = await users.student.post(`/api/sessions/${id}/hand`, {});
  expect(raised.status, JSON.stringify(raised.body)).toBe(201);
  return raised.body.id as string;
}
