import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { IdParams, Intervention, InterventionBody, InterventionParams } from '@invigil/contracts';
import type { InterventionService } from '../../services/live/interventions.service.js';
import { responses, zod } from '../responses.js';
import { SESSION_READ, actorOf } from '../route-policy.js';

const tags = ['interventions'];

/** Only the student taking the exam answers an intervention, from the browser. */
const STUDENT_ONLY = { roles: ['student'], scope: null } as const;

/**
 * Proctor interventions on a running attempt and the student's answers to them. Sending one
 * is for proctors assigned to the session's exam (other proctors get 404, other roles 403);
 * reading the list is for the exam's staff and the session's own student.
 */
export async function interventionRoutes(
  app: FastifyInstance,
  opts: { interventions: InterventionService },
) {
  const r = zod(app);

  r.post(
    '/api/sessions/:id/interventions',
    {
      config: { auth: { roles: ['proctor', 'admin'], scope: 'sessions:write' } },
      schema: {
        tags,
        summary:
          'Warn, pause, resume, terminate, or ask for a room scan or new identity photos ' +
          '(assigned proctors)',
        description:
          'Takes effect on the student’s page through the live feed (`intervention` message; ' +
          'pause, resume and terminate also send `session.state`). Pausing stops the exam ' +
          'clock and resuming moves the deadline by the paused time. 409 ILLEGAL_TRANSITION ' +
          'when the state machine forbids the change; 409 SESSION_NOT_ACTIVE for a warning or ' +
          'a re_enrol request outside in_progress/paused, or a room scan request outside ' +
          'in_progress. While a re_enrol request is open (at most 15 minutes, until one face ' +
          'photo and one ID document photo arrived after it) the student may upload new ones; ' +
          'the old ones stay, and a new face that does not match the check-in face is flagged ' +
          'and does not become the reference.',
        params: IdParams,
        body: InterventionBody,
        response: responses({ 201: Intervention }),
      },
    },
    async (req, reply) =>
      reply
        .status(201)
        .send(await opts.interventions.create(actorOf(req), req.params.id, req.body)),
  );

  r.get(
    '/api/sessions/:id/interventions',
    {
      config: { auth: SESSION_READ },
      schema: {
        tags,
        summary: 'The interventions of a session, oldest first (staff of the exam, its student)',
        params: IdParams,
        response: responses({ 200: z.array(Intervention) }),
      },
    },
    async (req) => opts.interventions.list(actorOf(req), req.params.id),
  );

  r.post(
    '/api/sessions/:id/interventions/:interventionId/acknowledge',
    {
      config: { auth: STUDENT_ONLY },
      schema: {
        tags,
        summary: 'The student confirms a warning or a request (idempotent)',
        params: InterventionParams,
        response: responses({ 200: Intervention }),
      },
    },
    async (req) =>
      opts.interventions.acknowledge(actorOf(req), req.params.id, req.params.interventionId),
  );

  r.post(
    '/api/sessions/:id/interventions/:interventionId/complete',
    {
      config: { auth: STUDENT_ONLY },
      schema: {
        tags,
        summary: 'The student did the room scan or took the new identity photos (idempotent)',
        description:
          '409 ROOM_SCAN_MISSING until a room_scan segment recorded after the request has been ' +
          'uploaded; 409 IDENTITY_PHOTOS_MISSING (`details.missing`) until a new face photo ' +
          'and a new ID document photo taken after the request have been uploaded.',
        params: InterventionParams,
        response: responses({ 200: Intervention }),
      },
    },
    async (req) =>
      opts.interventions.complete(actorOf(req), req.params.id, req.params.interventionId),
  );
}
