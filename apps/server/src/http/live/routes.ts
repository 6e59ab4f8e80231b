import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import {
  AlertState,
  AssignAlertBody,
  IdParams,
  LiveExamSnapshot,
  SessionNote,
  SessionNoteBody,
} from '@invigil/contracts';
import type { AlertService } from '../../services/live/alerts.service.js';
import type { LiveDashboardService } from '../../services/live/live-dashboard.service.js';
import type { NoteService } from '../../services/live/notes.service.js';
import { responses, zod } from '../responses.js';
import { SESSION_READ, STAFF, actorOf } from '../route-policy.js';

/** Staff actions on a session's live state (alerts, notes): tokens need sessions:write. */
const STAFF_WRITE = { auth: { roles: STAFF, scope: 'sessions:write' as const } };

/**
 * The live dashboard's REST side: the exam snapshot the grid starts from, alert handling
 * (acknowledge, assign to self, release) and proctor notes. Per-exam access is decided in
 * the services (unassigned staff get 404, like every exam read).
 */
export async function liveRoutes(
  app: FastifyInstance,
  opts: { dashboard: LiveDashboardService; alerts: AlertService; notes: NoteService },
) {
  const r = zod(app);

  r.get(
    '/api/exams/:id/live',
    {
      config: { auth: { roles: STAFF, scope: 'sessions:read' } },
      schema: {
        tags: ['live'],
        summary: 'Everything the live dashboard shows for an exam, with the live feed cursor',
        description:
          'Counts per session state; a tile per session checking in, in progress or paused ' +
          '(and those that ended in the last 30 minutes), riskiest first, with the latest ' +
          'webcam and screen snapshot (load it from GET /api/sessions/{id}/snapshots/{kind}/{seq}) ' +
          'and connection health; alerts not yet acknowledged and those of the last hour, ' +
          'newest first (at most 200). `cursor` is read before everything else: open ' +
          'GET /api/live?examId=…&since={cursor} to continue without missing a change.',
        params: IdParams,
        response: responses({ 200: LiveExamSnapshot }),
      },
    },
    async (req) => opts.dashboard.snapshot(actorOf(req), req.params.id),
  );

  r.post(
    '/api/flags/:id/acknowledge',
    {
      config: STAFF_WRITE,
      schema: {
        tags: ['live'],
        summary: 'Acknowledge an alert (idempotent; the first acknowledger is kept)',
        params: IdParams,
        response: responses({ 200: AlertState }),
      },
    },
    async (req) => opts.alerts.acknowledge(actorOf(req), req.params.id),
  );

  r.post(
    '/api/flags/:id/assign',
    {
      config: STAFF_WRITE,
      schema: {
        tags: ['live'],
        summary: 'Take an alert on yourself (409 ALERT_TAKEN if another proctor has it)',
        description:
          'Send `{ "takeOver": true }` to take it from the proctor who has it. Taking an alert ' +
          'on also acknowledges it if nobody had. Repeating it changes nothing.',
        params: IdParams,
        body: AssignAlertBody,
        response: responses({ 200: AlertState }),
      },
    },
    async (req) => opts.alerts.assign(actorOf(req), req.params.id, req.body?.takeOver ?? false),
  );

  r.delete(
    '/api/flags/:id/assign',
    {
      config: STAFF_WRITE,
      schema: {
        tags: ['live'],
        summary: 'Release an alert you handle (admins: anyone’s)',
        params: IdParams,
        response: responses({ 200: AlertState }),
      },
    },
    async (req) => opts.alerts.release(actorOf(req), req.params.id),
  );

  r.get(
    '/api/sessions/:id/notes',
    {
      // Students are let through to the service, which answers 404: notes are not theirs to see.
      config: { auth: SESSION_READ },
      schema: {
        tags: ['live'],
        summary: 'Proctor notes on a session, oldest first (the exam’s staff)',
        params: IdParams,
        response: responses({ 200: z.array(SessionNote) }),
      },
    },
    async (req) => opts.notes.list(actorOf(req), req.params.id),
  );

  r.post(
    '/api/sessions/:id/notes',
    {
      config: STAFF_WRITE,
      schema: {
        tags: ['live'],
        summary: 'Add a note to a session (audited; never shown to the student)',
        params: IdParams,
        body: SessionNoteBody,
        response: responses({ 201: SessionNote }),
      },
    },
    async (req, reply) =>
      reply.status(201).send(await opts.notes.add(actorOf(req), req.params.id, req.body.body)),
  );
}
