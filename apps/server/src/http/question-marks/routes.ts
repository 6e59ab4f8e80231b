import type { FastifyInstance } from 'fastify';
import {
  AnswerParams,
  IdParams,
  QuestionMark,
  QuestionMarks,
  SetQuestionMarkBody,
} from '@invigil/contracts';
import type { QuestionMarkService } from '../../services/exams/question-marks.service.js';
import { SESSION_READ, actorOf } from '../route-policy.js';
import { responses, zod } from '../responses.js';

/** "Marked for review" in the question navigator: set by the student, read by them and staff. */
export async function questionMarkRoutes(
  app: FastifyInstance,
  opts: { marks: QuestionMarkService },
) {
  const r = zod(app);
  const tags = ['answers'];

  r.put(
    '/api/sessions/:id/marks/:questionId',
    {
      // The student's own attempt, in the browser only (API tokens cannot take exams).
      config: { auth: { roles: ['student'] as const, scope: null } },
      schema: {
        tags,
        summary:
          'Mark a question for review or clear the mark (idempotent; 409 SESSION_NOT_ACTIVE ' +
          'or EXAM_TIME_OVER outside the running attempt)',
        params: AnswerParams,
        body: SetQuestionMarkBody,
        response: responses({ 200: QuestionMark }),
      },
    },
    async (req) =>
      opts.marks.set(actorOf(req), req.params.id, req.params.questionId, req.body.marked),
  );

  r.get(
    '/api/sessions/:id/marks',
    {
      config: { auth: SESSION_READ },
      schema: {
        tags,
        summary: 'The questions marked for review in an attempt (its student, the exam’s staff)',
        params: IdParams,
        response: responses({ 200: QuestionMarks }),
      },
    },
    async (req) => opts.marks.list(actorOf(req), req.params.id),
  );
}
