import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import {
  AccommodationsBody,
  IdParams,
  MyRegistration,
  OpenExam,
  Registration,
  RosterEntry,
} from '@invigil/contracts';
import type { AccommodationService } from '../../services/exams/accommodations.service.js';
import type { RegistrationService } from '../../services/exams/registrations.service.js';
import { STAFF, actorOf } from '../route-policy.js';
import { responses, zod } from '../responses.js';

const STUDENT = ['student'] as const;

/** The student catalogue, registering and cancelling; rosters and accommodations for staff. */
export async function registrationRoutes(
  app: FastifyInstance,
  opts: { registrations: RegistrationService; accommodations: AccommodationService },
) {
  const r = zod(app);
  const tags = ['registrations'];
  const student = { auth: { roles: STUDENT, scope: 'registrations:write' as const } };
  const studentRead = { auth: { roles: STUDENT, scope: 'registrations:read' as const } };

  r.get(
    '/api/exams/open',
    {
      config: studentRead,
      schema: {
        tags,
        summary: 'Published exams open for registration',
        response: responses({ 200: z.array(OpenExam) }),
      },
    },
    async (req) => opts.registrations.listOpen(actorOf(req)),
  );

  r.post(
    '/api/exams/:id/registrations',
    {
      config: student,
      schema: {
        tags,
        summary: 'Register for an exam (idempotent: 201 when new, 200 when already registered)',
        params: IdParams,
        response: responses({ 200: Registration, 201: Registration }),
      },
    },
    async (req, reply) => {
      const { registration, created } = await opts.registrations.register(
        actorOf(req),
        req.params.id,
      );
      return reply.status(created ? 201 : 200).send(registration);
    },
  );

  r.get(
    '/api/exams/:id/registrations',
    {
      config: { auth: { roles: STAFF, scope: 'registrations:read' as const } },
      schema: {
        tags,
        summary: 'An exam’s roster',
        params: IdParams,
        response: responses({ 200: z.array(RosterEntry) }),
      },
    },
    async (req) => opts.registrations.roster(actorOf(req), req.params.id),
  );

  r.get(
    '/api/me/registrations',
    {
      config: studentRead,
      schema: {
        tags,
        summary: 'Your registrations',
        response: responses({ 200: z.array(MyRegistration) }),
      },
    },
    async (req) => opts.registrations.listMine(actorOf(req)),
  );

  r.get(
    '/api/registrations/:id',
    {
      config: {
        auth: {
          roles: ['student', 'proctor', 'instructor', 'admin'],
          scope: 'registrations:read' as const,
        },
      },
      schema: {
        tags,
        summary: 'One registration',
        params: IdParams,
        response: responses({ 200: Registration }),
      },
    },
    async (req) => opts.registrations.get(actorOf(req), req.params.id),
  );

  r.post(
    '/api/registrations/:id/cancel',
    {
      config: student,
      schema: {
        tags,
        summary: 'Cancel your registration before the attempt starts (idempotent)',
        params: IdParams,
        response: responses({ 200: Registration }),
      },
    },
    async (req) => opts.registrations.cancel(actorOf(req), req.params.id),
  );

  r.put(
    '/api/registrations/:id/accommodations',
    {
      config: { auth: { roles: ['instructor', 'admin'], scope: 'exams:write' as const } },
      schema: {
        tags,
        summary:
          'Set a student’s accommodations: extra time (a running attempt’s deadline moves at once) and detector changes for this student only',
        params: IdParams,
        body: AccommodationsBody,
        response: responses({ 200: Registration }),
      },
    },
    async (req) => opts.accommodations.set(actorOf(req), req.params.id, req.body),
  );
}
