import type { FastifyInstance } from 'fastify';
import {
  AnswerParams,
  ExamGradesRelease,
  GradeBody,
  IdParams,
  ScoredAnswers,
  StudentResult,
} from '@invigil/contracts';
import type { AnswerService } from '../../services/exams/answers.service.js';
import type { GradingService } from '../../services/exams/grading.service.js';
import { actorOf } from '../route-policy.js';
import { responses, zod } from '../responses.js';

/**
 * Graders are the exam's instructors and admins (per-exam access is checked in the service).
 * Grading and releasing act on attempts, so every grading route needs `sessions:write`, the
 * exam-wide release included: one scope lets an integration do the whole grading job.
 */
const GRADERS = {
  auth: { roles: ['instructor', 'admin'] as const, scope: 'sessions:write' as const },
};

/** Hand grading and score release for instructors; the released result for the student. */
export async function gradingRoutes(
  app: FastifyInstance,
  opts: { grading: GradingService; answers: AnswerService },
) {
  const r = zod(app);
  const tags = ['grading'];

  r.put(
    '/api/sessions/:id/answers/:questionId/grade',
    {
      config: GRADERS,
      schema: {
        tags,
        summary: 'Grade a short-text or essay answer of an ended attempt (audited)',
        description:
          '409 ATTEMPT_NOT_ENDED before the attempt ends, 409 QUESTION_AUTO_SCORED for other ' +
          'kinds, 409 NO_ANSWER_TO_GRADE when unanswered, 400 GRADE_OUT_OF_RANGE above the ' +
          'question’s points. Answers the session’s scored answers.',
        params: AnswerParams,
        body: GradeBody,
        response: responses({ 200: ScoredAnswers }),
      },
    },
    async (req) => {
      const actor = actorOf(req);
      await opts.grading.grade(actor, req.params.id, req.params.questionId, req.body);
      return opts.answers.scored(actor, req.params.id);
    },
  );

  r.post(
    '/api/sessions/:id/score/release',
    {
      config: GRADERS,
      schema: {
        tags,
        summary: 'Release an ended attempt’s score to its student (idempotent; audited)',
        description: '409 GRADING_INCOMPLETE while an answer still needs a grade.',
        params: IdParams,
        response: responses({ 200: ScoredAnswers }),
      },
    },
    async (req) => {
      const actor = actorOf(req);
      await opts.grading.releaseSession(actor, req.params.id);
      return opts.answers.scored(actor, req.params.id);
    },
  );

  r.post(
    '/api/exams/:id/scores/release',
    {
      config: GRADERS,
      schema: {
        tags,
        summary:
          'Release the scores of every ended attempt at the exam whose grading is complete (audited)',
        params: IdParams,
        response: responses({ 200: ExamGradesRelease }),
      },
    },
    async (req) => opts.grading.releaseExam(actorOf(req), req.params.id),
  );

  r.get(
    '/api/sessions/:id/result',
    {
      config: { auth: { roles: ['student'] as const, scope: null } },
      schema: {
        tags,
        summary: 'Your score and points per question, once released (released false before)',
        params: IdParams,
        response: responses({ 200: StudentResult }),
      },
    },
    async (req) => opts.grading.studentResult(actorOf(req), req.params.id),
  );
}
