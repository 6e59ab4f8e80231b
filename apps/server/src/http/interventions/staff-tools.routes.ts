import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import {
  CancelRequestBody,
  ExamSession,
  ExtendTimeBody,
  IdParams,
  Intervention,
  InterventionParams,
  StaffReasonBody,
} from '@invigil/contracts';
import type { StaffToolsService } from '../../services/live/staff-tools.service.js';
import { responses, zod } from '../responses.js';
import { SESSION_READ, actorOf } from '../route-policy.js';

const tags = ['interventions'];

/** The exam's assigned proctors, and admins on any exam (audited as admin). */
const STAFF_ACTION = { roles: ['proctor', 'admin'], scope: 'sessions:write' } as const;

const WHO =
  'For the exam’s assigned proctors and for admins on any exam (audited with actingAs: admin); ' +
  'other proctors get 404. ';

/**
 * Staff tools for a stuck or wronged attempt: withdraw a pending request, add time, reopen a
 * terminated attempt, grant a new attempt; and the list of a registration's attempts.
 */
export async function staffToolRoutes(
  app: FastifyInstance,
  opts: { staffTools: StaffToolsService },
) {
  const r = zod(app);

  r.post(
    '/api/sessions/:id/interventions/:interventionId/cancel',
    {
      config: { auth: STAFF_ACTION },
      schema: {
        tags,
        summary: 'Withdraw a room scan or new identity photo request the student has not done',
        description:
          WHO +
          'The student’s dialog closes (live `intervention` message with `cancelledAt`). 409 ' +
          'INTERVENTION_NOT_APPLICABLE for other kinds, 409 REQUEST_NOT_PENDING once completed ' +
          'or already withdrawn.',
        params: InterventionParams,
        body: CancelRequestBody,
        response: responses({ 200: Intervention }),
      },
    },
    async (req) =>
      opts.staffTools.cancelRequest(
        actorOf(req),
        req.params.id,
        req.params.interventionId,
        req.body?.reason || undefined,
      ),
  );

  r.post(
    '/api/sessions/:id/extend-time',
    {
      config: { auth: STAFF_ACTION },
      schema: {
        tags,
        summary: 'Add minutes to this attempt’s deadline (in progress or paused)',
        description:
          WHO +
          'Added to this attempt only, also past the exam’s close, and kept when the ' +
          'registration’s extra time changes. The student’s countdown follows at once ' +
          '(`session.state`). 409 SESSION_NOT_ACTIVE in other states.',
        params: IdParams,
        body: ExtendTimeBody,
        response: responses({ 200: ExamSession }),
      },
    },
    async (req) => opts.staffTools.extendTime(actorOf(req), req.params.id, req.body),
  );

  r.post(
    '/api/sessions/:id/reopen',
    {
      config: { auth: STAFF_ACTION },
      schema: {
        tags,
        summary: 'Reopen a terminated attempt, paused, with the time it had left',
        description:
          WHO +
          'The attempt comes back paused; resuming it (`resume` intervention) starts the clock ' +
          'with the time left at the termination. 409 ILLEGAL_TRANSITION unless terminated, ' +
          '409 NO_TIME_LEFT when none was left, 409 ATTEMPT_SUPERSEDED for an earlier attempt.',
        params: IdParams,
        body: StaffReasonBody,
        response: responses({ 200: ExamSession }),
      },
    },
    async (req) => opts.staffTools.reopen(actorOf(req), req.params.id, req.body.reason),
  );

  r.post(
    '/api/sessions/:id/new-attempt',
    {
      config: { auth: STAFF_ACTION },
      schema: {
        tags,
        summary: 'Grant a new attempt on the same registration (this one stays for the record)',
        description:
          WHO +
          'Returns the new session (state registered, attempt + 1), which the student’s ' +
          'registration now points to. 409 ATTEMPT_NOT_FINISHED unless this attempt has ended, ' +
          '409 ATTEMPT_SUPERSEDED for an earlier attempt, 409 EXAM_NOT_OPEN once the exam closed.',
        params: IdParams,
        body: StaffReasonBody,
        response: responses({ 201: ExamSession }),
      },
    },
    async (req, reply) =>
      reply
        .status(201)
        .send(await opts.staffTools.newAttempt(actorOf(req), req.params.id, req.body.reason)),
  );

  r.get(
    '/api/sessions/:id/attempts',
    {
      config: { auth: SESSION_READ },
      schema: {
        tags: ['sessions'],
        summary: 'Every attempt of this session’s registration, first to last',
        params: IdParams,
        response: responses({ 200: z.array(ExamSession) }),
      },
    },
    async (req) => opts.staffTools.attempts(actorOf(req), req.params.id),
  );
}
