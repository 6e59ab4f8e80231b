import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import {
  AssignStaffBody,
  CreateExamBody,
  Exam,
  ExamStaffParams,
  IdParams,
  ListExamsQuery,
  Ok,
  StaffAssignment,
  StaffCandidate,
  StaffCandidatesQuery,
} from '@invigil/contracts';
import type { ExamService } from '../../services/exams/exams.service.js';
import { STAFF, actorOf } from '../route-policy.js';
import { responses, zod } from '../responses.js';
import { UpdateExamBody } from '@invigil/contracts';

const MANAGERS = ['instructor', 'admin'] as const;

/** Exams and their staff, for staff. Per-exam access is checked in the service. */
export async function examRoutes(app: FastifyInstance, opts: { exams: ExamService }) {
  const r = zod(app);
  const tags = ['exams'];
  const read = { auth: { roles: STAFF, scope: 'exams:read' as const } };
  const write = { auth: { roles: MANAGERS, scope: 'exams:write' as const } };

  r.get(
    '/api/exams',
    {
      config: read,
      schema: {
        tags,
        summary: 'Exams you may see (admins: all; other staff: assigned)',
        querystring: ListExamsQuery,
        response: responses({ 200: z.array(Exam) }),
      },
    },
    async (req) => opts.exams.list(actorOf(req), req.query),
  );

  r.post(
    '/api/exams',
    {
      config: write,
      schema: {
        tags,
        summary: 'Create an exam',
        description:
          'A new exam has no questions yet, so it can be created as published only with an ' +
          'external exam page (externalUrl); otherwise 409 EXAM_EMPTY. Create it as a draft, ' +
          'add questions, then publish.',
        body: CreateExamBody,
        response: responses({ 201: Exam }),
      },
    },
    async (req, reply) => reply.status(201).send(await opts.exams.create(actorOf(req), req.body)),
  );

  r.get(
    '/api/exams/:id',
    {
      config: read,
      schema: { tags, summary: 'One exam', params: IdParams, response: responses({ 200: Exam }) },
    },
    async (req) => opts.exams.get(actorOf(req), req.params.id),
  );

  r.patch(
    '/api/exams/:id',
    {
      config: write,
      schema: {
        tags,
        summary: 'Update an exam',
        description:
          'Publishing, or removing the external exam page of a published exam, is refused with ' +
          '409 EXAM_EMPTY while the exam has no questions and no external exam page.',
        params: IdParams,
        body: UpdateExamBody,
        response: responses({ 200: Exam }),
      },
    },
    async (req) => opts.exams.update(actorOf(req), req.params.id, req.body),
  );

  r.post(
    '/api/exams/:id/archive',
    {
      config: write,
      schema: {
        tags,
        summary: 'Archive an exam',
        params: IdParams,
        response: responses({ 200: Exam }),
      },
    },
    async (req) => opts.exams.archive(actorOf(req), req.params.id),
  );

  r.get(
    '/api/exams/:id/staff',
    {
      config: read,
      schema: {
        tags,
        summary: 'Staff assigned to an exam',
        params: IdParams,
        response: responses({ 200: z.array(StaffAssignment) }),
      },
    },
    async (req) => opts.exams.listStaff(actorOf(req), req.params.id),
  );

  r.get(
    '/api/exams/:id/staff/candidates',
    {
      // Only for assigning: the institution's staff list is no business of a read-only token.
      config: write,
      schema: {
        tags,
        summary: 'Accounts that may be assigned to an exam in a staff role',
        description:
          'For those who may manage the exam (its instructors, admins): the active accounts ' +
          'whose account role is `role`, sorted by name, with only their id, name and email.',
        params: IdParams,
        querystring: StaffCandidatesQuery,
        response: responses({ 200: z.array(StaffCandidate) }),
      },
    },
    async (req) => opts.exams.staffCandidates(actorOf(req), req.params.id, req.query.role),
  );

  r.put(
    '/api/exams/:id/staff/:userId',
    {
      config: write,
      schema: {
        tags,
        summary: 'Assign a proctor or instructor to an exam',
        params: ExamStaffParams,
        body: AssignStaffBody,
        response: responses({ 200: StaffAssignment, 201: StaffAssignment }),
      },
    },
    async (req, reply) => {
      const { assignment, created } = await opts.exams.assignStaff(
        actorOf(req),
        req.params.id,
        req.params.userId,
        req.body.role,
      );
      return reply.status(created ? 201 : 200).send(assignment);
    },
  );

  r.delete(
    '/api/exams/:id/staff/:userId',
    {
      config: write,
      schema: {
        tags,
        summary: 'Remove a staff member from an exam',
        params: ExamStaffParams,
        response: responses({ 200: Ok }),
      },
    },
    async (req) => {
      await opts.exams.removeStaff(actorOf(req), req.params.id, req.params.userId);
      return { ok: true as const };
    },
  );
}
