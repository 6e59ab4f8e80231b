import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { IdParams, Question, QuestionSetBody } from '@invigil/contracts';
import type { QuestionService } from '../../services/exams/questions.service.js';
import { STAFF, actorOf } from '../route-policy.js';
import { responses, zod } from '../responses.js';

const MANAGERS = ['instructor', 'admin'] as const;

/** An exam's built-in question set, for staff. Per-exam access is checked in the service. */
export async function questionRoutes(app: FastifyInstance, opts: { questions: QuestionService }) {
  const r = zod(app);
  const tags = ['questions'];

  r.get(
    '/api/exams/:id/questions',
    {
      config: { auth: { roles: STAFF, scope: 'exams:read' } },
      schema: {
        tags,
        summary:
          'An exam’s questions (staff): with the right answers for instructors and admins, ' +
          'without (correctOption null) for proctors',
        params: IdParams,
        response: responses({ 200: z.array(Question) }),
      },
    },
    async (req) => opts.questions.list(actorOf(req), req.params.id),
  );

  r.put(
    '/api/exams/:id/questions',
    {
      config: { auth: { roles: MANAGERS, scope: 'exams:write' } },
      schema: {
        tags,
        summary:
          'Replace the whole question set (409 QUESTIONS_LOCKED once an attempt has started)',
        description:
          'An empty set on a published exam without an external exam page is 409 EXAM_EMPTY.',
        params: IdParams,
        body: QuestionSetBody,
        response: responses({ 200: z.array(Question) }),
      },
    },
    async (req) => opts.questions.replace(actorOf(req), req.params.id, req.body),
  );
}
