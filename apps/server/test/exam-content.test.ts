import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Question, QuestionInput } from '@invigil/contracts';
import { sweepExpiredSessions } from '../src/services/sessions/sessions.service.js';
import { completeCheckIn } from './helpers/check-in.js';
import { buildExam } from './helpers/factories.js';
import type { HttpClient } from './helpers/http-client.js';
import { expectError } from './helpers/matrix-errors.js';
import { requestEngines, startTestServer, type TestServer } from './helpers/test-server.js';

const MIN = 60_000;

const QUESTIONS: QuestionInput[] = [
  { kind: 'multiple_choice', prompt: '2 + 2 = ?', options: ['3', '4', '5'], correctOption: 1 },
  {
    kind: 'multiple_choice',
    prompt: 'Capital of France?',
    options: ['Paris', 'Lyon'],
    correctOption: 0,
    points: 3,
  },
  { kind: 'short_text', prompt: 'Explain eigenvalues.', points: 5 },
];

type Client = HttpClient & { userId: string; email: string };

describe.each(requestEngines())('exam content, timing and answers on %s', (engine) => {
  let server: TestServer;
  let admin: Client;
  let proctor: Client;
  let instructor: Client;
  let otherProctor: Client;
  let otherInstructor: Client;

  beforeAll(async () => {
    // The background sweeper is slowed down so that tests decide when sweeps happen.
    server = await startTestServer(engine, { deadlineSweepMs: 3_600_000 });
    admin = await server.signedIn('admin');
    proctor = await server.signedIn('proctor');
    instructor = await server.signedIn('instructor');
    otherProctor = await server.signedIn('proctor');
    otherInstructor = await server.signedIn('instructor');
  });
  afterAll(async () => server?.close());

  const now = () => server.clock.now().getTime();
  const ms = (iso: string | null) => (iso ? Date.parse(iso) : NaN);

  /** A published exam open now with proctor and instructor assigned, questions set. */
  async function exam(overrides = {}, questions: QuestionInput[] = QUESTIONS) {
    const res = await admin.post('/api/exams', buildExam(overrides, now()));
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const id = res.body.id as string;
    await admin.put(`/api/exams/${id}/staff/${proctor.userId}`, { role: 'proctor' });
    await admin.put(`/api/exams/${id}/staff/${instructor.userId}`, { role: 'instructor' });
    const set = await admin.put(`/api/exams/${id}/questions`, { questions });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    return { id, questions: set.body as [Question, Question, Question] };
  }

  async function register(examId: string) {
    const student = await server.signedIn('student');
    const reg = await student.post(`/api/exams/${examId}/registrations`);
    expect(reg.status).toBe(201);
    return {
      student,
      registrationId: reg.body.id as string,
      sessionId: reg.body.sessionId as string,
    };
  }

  async function start(student: HttpClient, sessionId: string) {
    const path = `/api/sessions/${sessionId}`;
    expect((await student.post(`${path}/consent`)).status).toBe(200);
    expect((await student.post(`${path}/transitions`, { to: 'checking_in' })).status).toBe(200);
    await completeCheckIn(student, sessionId);
    const started = await student.post(`${path}/transitions`, { to: 'in_progress' });
    expect(started.status, JSON.stringify(started.body)).toBe(200);
    return started.body as { startedAt: string; deadlineAt: string };
  }

  it('authors a question set and locks it once an attempt has started', async () => {
    const { id, questions } = await exam();
    expect(questions.map((q) => q.position)).toEqual([0, 1, 2]);
    expect(questions[0]).toMatchObject({ correctOption: 1, points: 1 });
    expect(questions[2]).toMatchObject({ kind: 'short_text', options: [], correctOption: null });

    const read = await proctor.get(`/api/exams/${id}/questions`);
    expect(read.status).toBe(200);
    expect(read.body).toHaveLength(3);
    expectError(await otherProctor.get(`/api/exams/${id}/questions`), 404, 'NOT_FOUND');
    expectError(await proctor.put(`/api/exams/${id}/questions`, { questions: [] }), 403);
    expectError(
      await otherInstructor.put(`/api/exams/${id}/questions`, { questions: [] }),
      404,
      'NOT_FOUND',
    );

    const bad = await instructor.put(`/api/exams/${id}/questions`, {
      questions: [QUESTIONS[2], { ...QUESTIONS[0], correctOption: 3 }],
    });
    expectError(bad, 400, 'VALIDATION_FAILED');
    expect(bad.body.details).toEqual([
      expect.objectContaining({ path: 'questions.1.correctOption' }),
    ]);

    const replaced = await instructor.put(`/api/exams/${id}/questions`, {
      questions: [QUESTIONS[1], QUESTIONS[0]],
    });
    expect(replaced.status).toBe(200);
    expect(replaced.body.map((q: { prompt: string }) => q.prompt)).toEqual([
      'Capital of France?',
      '2 + 2 = ?',
    ]);

    // Checking in does not lock the set; starting does.
    const a = await register(id);
    await a.student.post(`/api/sessions/${a.sessionId}/consent`);
    await a.student.post(`/api/sessions/${a.sessionId}/transitions`, { to: 'checking_in' });
    expect((await admin.put(`/api/exams/${id}/questions`, { questions: QUESTIONS })).status).toBe(
      200,
    );
    await completeCheckIn(a.student, a.sessionId);
    await a.student.post(`/api/sessions/${a.sessionId}/transitions`, { to: 'in_progress' });
    expectError(
      await admin.put(`/api/exams/${id}/questions`, { questions: [] }),
      409,
      'QUESTIONS_LOCKED',
    );
    expect((await proctor.get(`/api/exams/${id}/questions`)).body).toHaveLength(3);

    const audit = await admin.get(`/api/audit?examId=${id}&limit=100`);
    const replaces = audit.body.filter(
      (e: { action: string }) => e.action === 'exam.questions.replace',
    );
    expect(replaces).toHaveLength(3);
  });

  it('needs consent before starting; consent is idempotent and the owner’s alone', async () => {
    const { id } = await exam();
    const { student, sessionId } = await register(id);
    const path = `/api/sessions/${sessionId}`;
    await student.post(`${path}/transitions`, { to: 'checking_in' });
    expectError(
      await student.post(`${path}/transitions`, { to: 'in_progress' }),
      409,
      'CONSENT_REQUIRED',
    );
    const other = await server.signedIn('student');
    expectError(await other.post(`${path}/consent`), 404, 'NOT_FOUND');
    expectError(await proctor.post(`${path}/consent`), 403, 'FORBIDDEN');

    const first = await student.post(`${path}/consent`);
    expect(first.status).toBe(200);
    expect(first.body.consentedAt).not.toBeNull();
    server.clock.advance(1000);
    const again = await student.post(`${path}/consent`);
    expect(again.body.consentedAt).toBe(first.body.consentedAt);
    const audit = await admin.get(`/api/audit?examId=${id}&limit=100`);
    expect(audit.body.filter((e: { action: string }) => e.action === 'session.consent')).toEqual([
      expect.objectContaining({ entityId: sessionId }),
    ]);
    await completeCheckIn(student, sessionId);
    expect((await student.post(`${path}/transitions`, { to: 'in_progress' })).status).toBe(200);
  });

  it('sets the deadline to start + duration + extra time, capped at the close', async () => {
    const { id } = await exam({ durationMinutes: 90 });
    const plain = await register(id);
    const started = await start(plain.student, plain.sessionId);
    expect(ms(started.deadlineAt) - ms(started.startedAt)).toBe(90 * MIN);

    const accommodated = await register(id);
    const set = await instructor.put(
      `/api/registrations/${accommodated.registrationId}/accommodations`,
      { extraTimeMinutes: 30 },
    );
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    expect(set.body.extraTimeMinutes).toBe(30);
    const longer = await start(accommodated.student, accommodated.sessionId);
    expect(ms(longer.deadlineAt) - ms(longer.startedAt)).toBe(120 * MIN);

    const closesAt = new Date(now() + 100 * MIN).toISOString();
    const closing = await exam({ durationMinutes: 90, closesAt, registrationDeadline: closesAt });
    const capped = await register(closing.id);
    await admin.put(`/api/registrations/${capped.registrationId}/accommodations`, {
      extraTimeMinutes: 30,
    });
    const cappedStart = await start(capped.student, capped.sessionId);
    expect(ms(cappedStart.deadlineAt)).toBe(ms(closesAt));
  });

  it('changing the extra time of a running attempt moves its deadline', async () => {
    const { id } = await exam({ durationMinutes: 60 });
    const { student, registrationId, sessionId } = await register(id);
    const started = await start(student, sessionId);
    const path = `/api/registrations/${registrationId}/accommodations`;
    expectError(await proctor.put(path, { extraTimeMinutes: 15 }), 403, 'FORBIDDEN');
    expectError(await otherInstructor.put(path, { extraTimeMinutes: 15 }), 404, 'NOT_FOUND');
    expect((await instructor.put(path, { extraTimeMinutes: 15 })).status).toBe(200);
    const session = await student.get(`/api/sessions/${sessionId}`);
    expect(ms(session.body.deadlineAt) - ms(started.startedAt)).toBe(75 * MIN);
    const roster = await proctor.get(`/api/exams/${id}/registrations`);
    expect(roster.body[0]).toMatchObject({ extraTimeMinutes: 15, score: null, maxScore: null });
    const audit = await admin.get(`/api/audit?examId=${id}&limit=100`);
    expect(audit.body.map((e: { action: string }) => e.action)).toContain(
      'registration.accommodations',
    );
  });

  it('a pause stops the clock and resuming pushes the deadline out by the pause', async () => {
    const { id } = await exam({ durationMinutes: 60 });
    const { student, sessionId } = await register(id);
    const started = await start(student, sessionId);
    const path = `/api/sessions/${sessionId}`;
    server.clock.advance(10 * MIN);
    expect((await proctor.post(`${path}/transitions`, { to: 'paused' })).status).toBe(200);
    server.clock.advance(55 * MIN);
    // Paused past the original deadline: the clock is stopped, so time is not up.
    const view = await student.get(`${path}/exam`);
    expect(view.body.state).toBe('paused');
    const remaining = ms(view.body.deadlineAt) - ms(view.body.serverNow);
    expect(Math.abs(remaining - 50 * MIN)).toBeLessThan(5000);
    await sweepExpiredSessions(server.instance.database.db, server.clock.now());
    expect((await student.get(path)).body.state).toBe('paused');
    expectError(
      await student.put(`${path}/answers/${crypto.randomUUID()}`, { value: { choice: 0 } }),
      409,
      'SESSION_NOT_ACTIVE',
    );

    const resumed = await proctor.post(`${path}/transitions`, { to: 'in_progress' });
    expect(resumed.status).toBe(200);
    const pushed = ms(resumed.body.deadlineAt) - ms(started.deadlineAt);
    expect(Math.abs(pushed - 55 * MIN)).toBeLessThan(5000);
  });

  it('autosaves answers idempotently and validates them against the question', async () => {
    const { id, questions } = await exam();
    const [mc, , text] = questions;
    const { student, sessionId } = await register(id);
    const path = `/api/sessions/${sessionId}`;
    expectError(await student.get(`${path}/exam`), 409, 'SESSION_NOT_ACTIVE');
    expectError(
      await student.put(`${path}/answers/${mc.id}`, { value: { choice: 1 } }),
      409,
      'SESSION_NOT_ACTIVE',
    );
    await start(student, sessionId);

    const saved = await student.put(`${path}/answers/${mc.id}`, { value: { choice: 2 } });
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({ questionId: mc.id, value: { choice: 2 } });
    expect((await student.put(`${path}/answers/${mc.id}`, { value: { choice: 1 } })).status).toBe(
      200,
    );
    expect(
      (await student.put(`${path}/answers/${text.id}`, { value: { text: 'λ with Av = λv' } }))
        .status,
    ).toBe(200);

    expectError(
      await student.put(`${path}/answers/${mc.id}`, { value: { choice: 3 } }),
      400,
      'INVALID_ANSWER',
    );
    expectError(
      await student.put(`${path}/answers/${mc.id}`, { value: { text: 'four' } }),
      400,
      'INVALID_ANSWER',
    );
    expectError(
      await student.put(`${path}/answers/${text.id}`, { value: { choice: 0 } }),
      400,
      'INVALID_ANSWER',
    );
    const elsewhere = await exam();
    expectError(
      await student.put(`${path}/answers/${elsewhere.questions[0].id}`, { value: { choice: 0 } }),
      404,
      'NOT_FOUND',
    );
    const other = await server.signedIn('student');
    expectError(
      await other.put(`${path}/answers/${mc.id}`, { value: { choice: 1 } }),
      404,
      'NOT_FOUND',
    );
    expectError(await other.get(`${path}/exam`), 404, 'NOT_FOUND');

    const view = await student.get(`${path}/exam`);
    expect(view.status).toBe(200);
    expect(view.body.answers).toEqual({
      [mc.id]: { choice: 1 },
      [text.id]: { text: 'λ with Av = λv' },
    });
    expect(view.body.questions).toHaveLength(3);
    expect(Math.abs(ms(view.body.serverNow) - now())).toBeLessThan(5000);
  });

  it('never sends the right answers to the student', async () => {
    const { id } = await exam({ externalUrl: 'https://quiz.example/exam' });
    const { student, sessionId } = await register(id);
    await start(student, sessionId);
    const view = await student.get(`/api/sessions/${sessionId}/exam`);
    expect(view.status).toBe(200);
    expect(view.body.externalUrl).toBe('https://quiz.example/exam');
    expect(JSON.stringify(view.body)).not.toContain('correctOption');
    expectError(await student.get(`/api/sessions/${sessionId}/answers`), 403, 'FORBIDDEN');
    expectError(await student.get(`/api/exams/${id}/questions`), 403, 'FORBIDDEN');
  });

  it('scores a submitted attempt for staff of the exam only', async () => {
    const { id, questions } = await exam();
    const [q1, q2, q3] = questions;
    const { student, sessionId } = await register(id);
    await start(student, sessionId);
    const path = `/api/sessions/${sessionId}`;
    await student.put(`${path}/answers/${q1.id}`, { value: { choice: 1 } });
    await student.put(`${path}/answers/${q2.id}`, { value: { choice: 1 } });
    await student.put(`${path}/answers/${q3.id}`, { value: { text: 'Av = λv' } });

    const live = await instructor.get(`${path}/answers`);
    expect(live.status).toBe(200);
    expect(live.body).toMatchObject({ answerKey: true, score: null, maxScore: null });
    expect((await student.post(`${path}/transitions`, { to: 'submitted' })).status).toBe(200);

    const scored = await instructor.get(`${path}/answers`);
    expect(scored.body.score).toBe(1);
    expect(scored.body.maxScore).toBe(9);
    expect(
      scored.body.items.map((i: { correct: unknown; points: unknown }) => [i.correct, i.points]),
    ).toEqual([
      [true, 1],
      [false, 0],
      [null, null],
    ]);
    expect(scored.body.items[0].question.correctOption).toBe(1);
    expect(scored.body.items[2].value).toEqual({ text: 'Av = λv' });
    expectError(await otherProctor.get(`${path}/answers`), 404, 'NOT_FOUND');
    // The proctor sees what was answered, nothing that gives the key away.
    const watched = await proctor.get(`${path}/answers`);
    expect(watched.body).toMatchObject({ answerKey: false, score: null, maxScore: null });
    expect(watched.body.items.map((i: { value: unknown }) => i.value)).toEqual(
      scored.body.items.map((i: { value: unknown }) => i.value),
    );

    const roster = await instructor.get(`/api/exams/${id}/registrations`);
    expect(roster.body[0]).toMatchObject({ sessionState: 'submitted', score: 1, maxScore: 9 });
    const view = await student.get(`${path}/exam`);
    expect(view.body.state).toBe('submitted');
    expectError(
      await student.put(`${path}/answers/${q1.id}`, { value: { choice: 0 } }),
      409,
      'SESSION_NOT_ACTIVE',
    );
  });

  it('refuses answers after the deadline and shows the attempt as submitted', async () => {
    const { id, questions } = await exam({ durationMinutes: 30 });
    const { student, sessionId } = await register(id);
    await start(student, sessionId);
    const path = `/api/sessions/${sessionId}`;
    const [q] = questions;
    await student.put(`${path}/answers/${q.id}`, { value: { choice: 1 } });
    server.clock.advance(31 * MIN);
    expectError(
      await student.put(`${path}/answers/${q.id}`, { value: { choice: 0 } }),
      409,
      'EXAM_TIME_OVER',
    );
    const view = await student.get(`${path}/exam`);
    expect(view.body.state).toBe('submitted');
    expect(view.body.answers[q.id]).toEqual({ choice: 1 });
    expectError(
      await proctor.post(`${path}/transitions`, { to: 'paused' }),
      409,
      'ILLEGAL_TRANSITION',
    );
  });

  it('the sweeper auto-submits and scores attempts whose time is up', async () => {
    const { id, questions } = await exam({ durationMinutes: 20 });
    const a = await register(id);
    const b = await register(id);
    const startedA = await start(a.student, a.sessionId);
    await start(b.student, b.sessionId);
    const [q] = questions;
    await a.student.put(`/api/sessions/${a.sessionId}/answers/${q.id}`, { value: { choice: 1 } });
    // b gets extra time, so only a is due.
    await admin.put(`/api/registrations/${b.registrationId}/accommodations`, {
      extraTimeMinutes: 30,
    });
    server.clock.advance(21 * MIN);

    const db = server.instance.database.db;
    expect(await sweepExpiredSessions(db, server.clock.now())).toBeGreaterThanOrEqual(1);
    expect(await sweepExpiredSessions(db, server.clock.now())).toBe(0);

    const sessionA = await proctor.get(`/api/sessions/${a.sessionId}`);
    expect(sessionA.body.state).toBe('submitted');
    expect(sessionA.body.endedAt).toBe(startedA.deadlineAt);
    expect((await proctor.get(`/api/sessions/${b.sessionId}`)).body.state).toBe('in_progress');
    const scored = await instructor.get(`/api/sessions/${a.sessionId}/answers`);
    expect(scored.body).toMatchObject({ score: 1, maxScore: 9 });

    const audit = await admin.get(`/api/audit?examId=${id}&limit=100`);
    const auto = audit.body.filter((e: { action: string }) => e.action === 'session.auto_submit');
    expect(auto).toEqual([
      expect.objectContaining({
        entityId: a.sessionId,
        actorId: null,
        data: expect.objectContaining({ from: 'in_progress', score: 1, maxScore: 9 }),
      }),
    ]);
  });
});
