import type { FastifyInstance } from 'fastify';
import {
  ErasureBody,
  ErasureReceipt,
  IdParams,
  LegalHold,
  Ok,
  PlaceLegalHoldBody,
  RetentionRules,
  RetentionRunReport,
  SessionLegalHolds,
} from '@invigil/contracts';
import type { LegalHoldService } from '../../services/retention/legal-hold.service.js';
import type { RetentionService } from '../../services/retention/retention.service.js';
import { actorOf, STAFF } from '../route-policy.js';
import { responses, zod } from '../responses.js';

const ADMIN = ['admin'] as const;

/**
 * Data retention: the institution's defaults, running the sweep now, legal holds on sessions
 * and exams, and erasure of a student's data on request. Changes are admins' only (instructors
 * read the defaults); they are for browser sessions (no API token scope reaches them).
 */
export async function retentionRoutes(
  app: FastifyInstance,
  opts: { retention: RetentionService; holds: LegalHoldService },
) {
  const r = zod(app);
  const tags = ['retention'];
  // Instructors see the defaults too: the exam form shows what an exam without its own gets.
  const defaultsRead = {
    auth: { roles: ['instructor', 'admin'] as const, scope: 'exams:read' as const },
  };
  const adminOnly = { auth: { roles: ADMIN, scope: null } };
  // Changing how long data lives, or erasing it, asks a second factor's recent proof.
  const sensitive = { auth: { roles: ADMIN, scope: null, stepUp: true as const } };

  r.get(
    '/api/settings/retention',
    {
      config: defaultsRead,
      schema: {
        tags,
        summary: 'The institution’s retention defaults (exams without their own use these)',
        response: responses({ 200: RetentionRules }),
      },
    },
    async (req) => opts.retention.defaults(actorOf(req)),
  );

  r.put(
    '/api/settings/retention',
    {
      config: sensitive,
      schema: {
        tags,
        summary: 'Change the institution’s retention defaults (days, or null to keep)',
        body: RetentionRules,
        response: responses({ 200: RetentionRules }),
      },
    },
    async (req) => opts.retention.setDefaults(actorOf(req), req.body),
  );

  r.post(
    '/api/retention/run',
    {
      config: adminOnly,
      schema: {
        tags,
        summary: 'Run the retention sweep now and report what it deleted',
        response: responses({ 200: RetentionRunReport }),
      },
    },
    async (req) => opts.retention.sweep(actorOf(req)),
  );

  r.get(
    '/api/sessions/:id/hold',
    {
      config: { auth: { roles: STAFF, scope: 'sessions:read' as const } },
      schema: {
        tags,
        summary: 'The legal holds that keep a session: its own and its exam’s',
        params: IdParams,
        response: responses({ 200: SessionLegalHolds }),
      },
    },
    async (req) => opts.holds.forSession(actorOf(req), req.params.id),
  );

  for (const target of ['session', 'exam'] as const) {
    const path = target === 'session' ? '/api/sessions/:id/hold' : '/api/exams/:id/hold';
    r.put(
      path,
      {
        config: adminOnly,
        schema: {
          tags,
          summary: `Place a legal hold on the ${target} (nothing of it is deleted while it lasts)`,
          params: IdParams,
          body: PlaceLegalHoldBody,
          response: responses({ 200: LegalHold }),
        },
      },
      async (req) => opts.holds.place(actorOf(req), target, req.params.id, req.body.reason),
    );
    r.delete(
      path,
      {
        config: adminOnly,
        schema: {
          tags,
          summary: `Lift the ${target}’s legal hold (409 LEGAL_HOLD_NOT_PLACED when there is none)`,
          params: IdParams,
          response: responses({ 200: Ok }),
        },
      },
      async (req) => opts.holds.lift(actorOf(req), target, req.params.id),
    );
  }

  r.post(
    '/api/users/:id/erasure',
    {
      config: sensitive,
      schema: {
        tags,
        summary:
          'Erase a student’s personal data and evidence, except what a legal hold or an undecided review keeps; returns the receipt',
        params: IdParams,
        body: ErasureBody,
        response: responses({ 200: ErasureReceipt }),
      },
    },
    async (req) => opts.retention.erase(actorOf(req), req.params.id, req.body.confirmEmail),
  );
}
