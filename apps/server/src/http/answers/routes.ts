import type { FastifyInstance } from 'fastify';
import {
  AnswerParams,
  IdParams,
  SaveAnswerBody,
  SavedAnswer,
  ScoredAnswers,
  StudentExamView,
} from '@invigil/contracts';
import type { AnswerService } from '../../services/exams/answers.service.js';
import { STAFF, actorOf } from '../route-policy.js';
import { responses, zod } from '../responses.js';

/** The student's own attempt, in the browser only (API tokens cannot take exams). */
const STUDENT = { auth: { roles: ['student'] as const, scope: null } };

/** The exam page and autosave for the student; scored answers for staff. */
export async function answerRoutes(app: FastifyInstance, opts: { answers: AnswerService }) {
  const r = zod(app);
  const tags = ['answers'];

  r.get(
    '/api/sessions/:id/exam',
    {
      config: STUDENT,
      schema: {
        tags,
        summary:
          'Your exam page: questions (without answers), saved answers, deadline and server time',
        params: IdParams,
        response: responses({ 200: StudentExamView }),
      },
    },
    async (req) => opts.answers.examView(actorOf(req), req.params.id),
  );

  r.put(
    '/api/sessions/:id/answers/:questionId',
    {
      config: STUDENT,
      schema: {
        tags,
        summary:
          'Save an answer (idempotent; 409 EXAM_TIME_OVER after the deadline, 400 INVALID_ANSWER)',
        params: AnswerParams,
        body: SaveAnswerBody,
        response: responses({ 200: SavedAnswer }),
      },
    },
    async (req) =>
      opts.answers.save(actorOf(req), req.params.id, req.params.questionId, req.body.value),
  );

  r.get(
    '/api/sessions/:id/answers',
    {
      config: { auth: { roles: STAFF, scope: 'sessions:read' } },
      schema: {
        tags,
        summary:
          'A session’s answers (staff): with the right ones and the auto-score for instructors ' +
          'and admins; proctors get the answers only (answerKey false)',
        params: IdParams,
        response: responses({ 200: ScoredAnswers }),
      },
    },
    async (req) => opts.answers.scored(actorOf(req), req.params.id),
  );
}
