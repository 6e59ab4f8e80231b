import type { FastifyInstance } from 'fastify';
import { ExamLti, IdParams, LtiGradeRetryResult, LtiRosterSyncResult } from '@invigil/contracts';
import type { Db } from '../../db/database.js';
import { examLti } from '../../services/lti/exam-lti.js';
import type { LtiGradePassback } from '../../services/lti/grade-passback.service.js';
import type { LtiRosterSyncService } from '../../services/lti/roster-sync.service.js';
import { actorOf, STAFF, type RoutePolicy } from '../route-policy.js';
import { responses, zod } from '../responses.js';

/** Options for an exam's LMS routes. */
export interface ExamLtiRoutesOptions {
  db: Db;
  roster: LtiRosterSyncService;
  grades: LtiGradePassback;
}

/**
 * An exam in learning platforms: its course placements, roster synchronisations and grades
 * (staff of the exam read; its instructors and admins sync and retry).
 */
export async function examLtiRoutes(app: FastifyInstance, opts: ExamLtiRoutesOptions) {
  const r = zod(app);
  const tags = ['lti'];
  const read: { auth: RoutePolicy } = { auth: { roles: STAFF, scope: 'exams:read' } };
  const manage: { auth: RoutePolicy } = {
    auth: { roles: ['instructor', 'admin'], scope: 'exams:write' },
  };

  r.get(
    '/api/exams/:id/lti',
    {
      config: read,
      schema: {
        tags,
        summary: 'The exam’s course placements, roster syncs and grades sent to gradebooks',
        params: IdParams,
        response: responses({ 200: ExamLti }),
      },
    },
    async (req) => examLti(opts.db, opts, actorOf(req), req.params.id),
  );

  r.post(
    '/api/exams/:id/lti/roster-sync',
    {
      config: manage,
      schema: {
        tags,
        summary: 'Sync the courses’ rosters into the exam’s registrations now (409 LTI_NO_ROSTER)',
        params: IdParams,
        response: responses({ 200: LtiRosterSyncResult }),
      },
    },
    async (req) => ({ syncs: await opts.roster.syncExam(actorOf(req), req.params.id) }),
  );

  r.post(
    '/api/exams/:id/lti/grades/retry',
    {
      config: manage,
      schema: {
        tags,
        summary: 'Send again the grades that failed (and those sent before grading was complete)',
        params: IdParams,
        response: responses({ 200: LtiGradeRetryResult }),
      },
    },
    async (req) => ({ queued: await opts.grades.retryFailed(actorOf(req), req.params.id) }),
  );
}
