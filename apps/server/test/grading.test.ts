import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Question, QuestionInput, ScoredAnswers, StudentResult } from '@invigil/contracts';
import { exams } from '../src/db/schema.js';
import { completeCheckIn } from './helpers/check-in.js';
import { buildExam } from './helpers/factories.js';
import type { HttpClient } from './helpers/http-client.js';
import { expectError } from './helpers/matrix-errors.js';
import { requestEngines, startTestServer, type TestServer } from './helpers/test-server.js';

/** One question of each kind; points chosen so every total below is unambiguous. */
const QUESTIONS: QuestionInput[] = [
  { kind: 'single_choice', prompt: '2 + 2 = ?', options: ['3', '4', '5'], correctOption: 1 },
  {
    kind: 'multiple_choice',
    prompt: 'Which are prime?',
    options: ['2', '4', '5', '9'],
    correctOptions: [2, 0],
    points: 4,
  },
  { kind: 'true_false', prompt: 'The earth is flat.', answer: false, points: 2 },
  { kind: 'numeric', prompt: 'Pi to two places?', answer: 3.14, tolerance: 0.005, points: 3 },
  { kind: 'short_text', prompt: 'Name a prime above 10.', points: 2 },
  { kind: 'essay', prompt: 'Why are primes useful?', points: 10 },
  { kind: 'essay', prompt: 'Left unanswered.', points: 5 },
];

type Client = HttpClient & { userId: string };

describe.each(requestEngines())(
  'question types, hand grading and released scores on %s',
  (engine) => {
    let server: TestServer;
    let admin: Client;
    let proctor: Client;
    let instructor: Client;
    let otherInstructor: Client;

    beforeAll(async () => {
      server = await startTestServer(engine);
      admin = await server.signedIn('admin');
      proctor = await server.signedIn('proctor');
      instructor = await server.signedIn('instructor');
      otherInstructor = await server.signedIn('instructor');
    });
    afterAll(async () => server?.close());

    async function exam(questions: QuestionInput[] = QUESTIONS) {
      const res = await admin.post('/api/exams', buildExam({}, server.clock.now().getTime()));
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      const id = res.body.id as string;
      await admin.put(`/api/exams/${id}/staff/${proctor.userId}`, { role: 'proctor' });
      await admin.put(`/api/exams/${id}/staff/${instructor.userId}`, { role: 'instructor' });
      const set = await instructor.put(`/api/exams/${id}/questions`, { questions });
      expect(set.status, JSON.stringify(set.body)).toBe(200);
      return { id, questions: set.body as Question[] };
    }

    async function startAttempt(examId: string) {
      const student = await server.signedIn('student');
      const reg = await student.post(`/api/exams/${examId}/registrations`);
      expect(reg.status).toBe(201);
      const sessionId = reg.body.sessionId as string;
      const path = `/api/sessions/${sessionId}`;
      expect((await student.post(`${path}/consent`)).status).toBe(200);
      expect((await student.post(`${path}/transitions`, { to: 'checking_in' })).status).toBe(200);
      await completeCheckIn(student, sessionId);
      const started = await student.post(`${path}/transitions`, { to: 'in_progress' });
      expect(started.status, JSON.stringify(started.body)).toBe(200);
      return { student, sessionId, path };
    }

    it('stores each kind with its key, and the earlier multiple-choice shape as single choice', async () => {
      const { questions } = await exam([
        ...QUESTIONS,
        { kind: 'multiple_choice', prompt: 'Old client', options: ['a', 'b'], correctOption: 1 },
      ]);
      expect(questions.map((q) => q.kind)).toEqual([
        'single_choice',
        'multiple_choice',
        'true_false',
        'numeric',
        'short_text',
        'essay',
        'essay',
        'single_choice',
      ]);
      expect(questions[1]).toMatchObject({ correctOptions: [0, 2], correctOption: null });
      expect(questions[2]).toMatchObject({ options: ['True', 'False'], correctOption: 1 });
      expect(questions[3]).toMatchObject({ numericAnswer: 3.14, tolerance: 0.005, options: [] });
      expect(questions[7]).toMatchObject({ correctOption: 1, correctOptions: null });
    });

    it('refuses inconsistent multiple-choice keys with the field to fix', async () => {
      const { id } = await exam();
      const mc = { kind: 'multiple_choice', prompt: 'p', options: ['a', 'b', 'c'] };
      for (const [bad, field] of [
        [{ ...mc }, 'correctOptions'],
        [{ ...mc, correctOptions: [0], correctOption: 0 }, 'correctOptions'],
        [{ ...mc, correctOptions: [3] }, 'correctOptions'],
        [{ ...mc, correctOptions: [1, 1] }, 'correctOptions'],
        [{ ...mc, correctOption: 5 }, 'correctOption'],
      ] as const) {
        const res = await instructor.put(`/api/exams/${id}/questions`, { questions: [bad] });
        expectError(res, 400, 'VALIDATION_FAILED');
        expect(res.body.details, JSON.stringify(bad)).toEqual(
          expect.arrayContaining([expect.objectContaining({ path: `questions.0.${field}` })]),
        );
      }
    });

    it('auto-scores, is graded by hand, and shows the student the score once released', async () => {
      const { id, questions } = await exam();
      const [single, multi, tf, numeric, text, essay, blank] = questions as [
        Question,
        Question,
        Question,
        Question,
        Question,
        Question,
        Question,
      ];
      const { student, sessionId, path } = await startAttempt(id);
      const view = await student.get(`${path}/exam`);
      for (const key of ['correctOption', 'correctOptions', 'numericAnswer', 'tolerance']) {
        expect(JSON.stringify(view.body)).not.toContain(key);
      }
      // Wrong shapes are refused per kind.
      for (const [q, value] of [
        [multi, { choice: 0 }],
        [multi, { choices: [0, 0] }],
        [numeric, { text: '3.14' }],
        [tf, { choice: 2 }],
        [essay, { number: 1 }],
      ] as const) {
        expectError(await student.put(`${path}/answers/${q.id}`, { value }), 400, 'INVALID_ANSWER');
      }
      const answers: [Question, unknown][] = [
        [single, { choice: 1 }],
        [multi, { choices: [0] }], // 1 of 2 right, none wrong: 4 × 1/2 = 2
        [tf, { choice: 1 }],
        [numeric, { number: 3.1416 }],
        [text, { text: '13' }],
        [essay, { text: 'Cryptography relies on them.' }],
      ];
      for (const [q, value] of answers) {
        const res = await student.put(`${path}/answers/${q.id}`, { value });
        expect(res.status, JSON.stringify(res.body)).toBe(200);
      }
      // Grading waits for the end of the attempt.
      expectError(
        await instructor.put(`${path}/answers/${text.id}/grade`, { points: 1 }),
        409,
        'ATTEMPT_NOT_ENDED',
      );
      expect((await student.post(`${path}/transitions`, { to: 'submitted' })).status).toBe(200);

      const scored = (await instructor.get(`${path}/answers`)).body as ScoredAnswers;
      expect(scored).toMatchObject({ score: 1 + 2 + 2 + 3, maxScore: 27, pendingGrading: 2 });
      expect(scored.items.map((i) => [i.correct, i.points])).toEqual([
        [true, 1],
        [false, 2],
        [true, 2],
        [true, 3],
        [null, null],
        [null, null],
        [null, 0],
      ]);
      expect((await student.get(`${path}/result`)).body).toEqual({
        sessionId,
        released: false,
        releasedAt: null,
        score: null,
        maxScore: null,
        itemsHiddenUntil: null,
        items: [],
      });
      expectError(await instructor.post(`${path}/score/release`), 409, 'GRADING_INCOMPLETE');

      // Who may grade what.
      expectError(
        await proctor.put(`${path}/answers/${text.id}/grade`, { points: 1 }),
        403,
        'FORBIDDEN',
      );
      expectError(
        await otherInstructor.put(`${path}/answers/${text.id}/grade`, { points: 1 }),
        404,
        'NOT_FOUND',
      );
      expectError(
        await instructor.put(`${path}/answers/${single.id}/grade`, { points: 1 }),
        409,
        'QUESTION_AUTO_SCORED',
      );
      expectError(
        await instructor.put(`${path}/answers/${text.id}/grade`, { points: 3 }),
        400,
        'GRADE_OUT_OF_RANGE',
      );
      expectError(
        await instructor.put(`${path}/answers/${blank.id}/grade`, { points: 0 }),
        409,
        'NO_ANSWER_TO_GRADE',
      );

      const graded = await instructor.put(`${path}/answers/${text.id}/grade`, { points: 2 });
      expect(graded.status, JSON.stringify(graded.body)).toBe(200);
      expect(graded.body).toMatchObject({ score: 10, pendingGrading: 1 });
      const essayGrade = await instructor.put(`${path}/answers/${essay.id}/grade`, {
        points: 6,
        comment: 'Name an algorithm next time.',
      });
      expect(essayGrade.body).toMatchObject({ score: 16, pendingGrading: 0, releasedAt: null });
      expect(essayGrade.body.items[5].grade).toMatchObject({
        points: 6,
        comment: 'Name an algorithm next time.',
        gradedBy: { id: instructor.userId },
      });
      // The proctor still sees no grade or score.
      const watched = (await proctor.get(`${path}/answers`)).body as ScoredAnswers;
      expect(watched).toMatchObject({ answerKey: false, score: null, pendingGrading: null });
      expect(watched.items.every((i) => i.grade === null && i.points === null)).toBe(true);

      const released = await instructor.post(`${path}/score/release`);
      expect(released.status, JSON.stringify(released.body)).toBe(200);
      expect(released.body.releasedAt).not.toBeNull();
      // While the exam is open, only the total: per-question marks would give the key away.
      const { closesAt } = (await admin.get(`/api/exams/${id}`)).body as { closesAt: string };
      const early = (await student.get(`${path}/result`)).body as StudentResult;
      expect(early).toEqual({
        sessionId,
        released: true,
        releasedAt: released.body.releasedAt,
        score: 16,
        maxScore: 27,
        itemsHiddenUntil: closesAt,
        items: [],
      });
      // Closed now (straight in the database: moving the clock would also expire the sign-ins).
      const now = server.clock.now();
      await server.instance.database.db
        .update(exams)
        .set({ opensAt: new Date(now.getTime() - 86_400_000), closesAt: now })
        .where(eq(exams.id, id));
      const result = (await student.get(`${path}/result`)).body as StudentResult;
      expect(result).toMatchObject({
        released: true,
        score: 16,
        maxScore: 27,
        itemsHiddenUntil: null,
      });
      expect(result.items.map((i) => [i.earned, i.maxPoints])).toEqual([
        [1, 1],
        [2, 4],
        [2, 2],
        [3, 3],
        [2, 2],
        [6, 10],
        [0, 5],
      ]);
      expect(result.items[5]?.comment).toBe('Name an algorithm next time.');
      for (const key of ['correctOption', 'correctOptions', 'numericAnswer', 'tolerance']) {
        expect(JSON.stringify(result)).not.toContain(key);
      }
      // A correction after release reaches the student; every step is audited.
      await instructor.put(`${path}/answers/${essay.id}/grade`, { points: 7, comment: null });
      expect((await student.get(`${path}/result`)).body.score).toBe(17);
      const audit = (await admin.get(`/api/audit?examId=${id}&limit=1000`)).body as {
        action: string;
        data: Record<string, unknown>;
      }[];
      const grades = audit.filter((a) => a.action === 'answer.grade');
      expect(grades.map((a) => [a.data.points, a.data.previous])).toEqual(
        expect.arrayContaining([
          [2, null],
          [6, null],
          [7, 6],
        ]),
      );
      expect(audit.some((a) => a.action === 'session.score_release')).toBe(true);
      // Others' results are not found.
      const stranger = await server.signedIn('student');
      expectError(await stranger.get(`${path}/result`), 404, 'NOT_FOUND');
    });

    it('releases an exam’s graded attempts and counts those still to grade', async () => {
      const { id, questions } = await exam([
        { kind: 'single_choice', prompt: 'p', options: ['a', 'b'], correctOption: 0 },
        { kind: 'essay', prompt: 'e', points: 4 },
      ]);
      const [, essay] = questions as [Question, Question];
      const auto = await startAttempt(id); // answers only the choice: nothing to grade
      await auto.student.put(`${auto.path}/answers/${questions[0]?.id}`, { value: { choice: 0 } });
      const manual = await startAttempt(id);
      await manual.student.put(`${manual.path}/answers/${essay.id}`, { value: { text: 'x' } });
      const running = await startAttempt(id);
      // A submitted attempt then replaced by a new one: its score is not released, nor counted.
      const superseded = await startAttempt(id);
      await superseded.student.put(`${superseded.path}/answers/${questions[0]?.id}`, {
        value: { choice: 0 },
      });
      for (const a of [auto, manual, superseded]) {
        expect((await a.student.post(`${a.path}/transitions`, { to: 'submitted' })).status).toBe(
          200,
        );
      }
      const again = await proctor.post(`${superseded.path}/new-attempt`, { reason: 'Retake' });
      expect(again.status, JSON.stringify(again.body)).toBe(201);
      expectError(await proctor.post(`/api/exams/${id}/scores/release`), 403, 'FORBIDDEN');
      const first = await instructor.post(`/api/exams/${id}/scores/release`);
      expect(first.status, JSON.stringify(first.body)).toBe(200);
      expect(first.body).toEqual({ released: 1, pendingGrading: 1, alreadyReleased: 0 });
      expect((await auto.student.get(`${auto.path}/result`)).body).toMatchObject({
        released: true,
        score: 1,
        maxScore: 5,
      });
      expect((await manual.student.get(`${manual.path}/result`)).body.released).toBe(false);
      expect((await running.student.get(`${running.path}/result`)).body.released).toBe(false);
      expect((await superseded.student.get(`${superseded.path}/result`)).body.released).toBe(false);
      await instructor.put(`${manual.path}/answers/${essay.id}/grade`, { points: 4 });
      const second = await admin.post(`/api/exams/${id}/scores/release`);
      expect(second.body).toEqual({ released: 1, pendingGrading: 0, alreadyReleased: 1 });
      expect((await manual.student.get(`${manual.path}/result`)).body.score).toBe(4);
      expect((await superseded.student.get(`${superseded.path}/result`)).body.released).toBe(false);
      const audit = (await admin.get(`/api/audit?examId=${id}&limit=1000`)).body as {
        action: string;
        data: { sessionIds?: string[] };
      }[];
      const releases = audit.filter((a) => a.action === 'exam.score_release');
      expect(releases.flatMap((a) => a.data.sessionIds ?? [])).toEqual(
        expect.arrayContaining([auto.sessionId, manual.sessionId]),
      );
      expect(JSON.stringify(releases)).not.toContain(superseded.sessionId);
    });
  },
);
