import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import {
  ErrorBody,
  FlagReviewBody,
  IdParams,
  MyReview,
  ReviewQueueEntry,
  ReviewResponseBody,
  SessionReport,
  SessionReview,
  VerdictBody,
} from '@invigil/contracts';
import type { ReviewService } from '../../services/review/review.service.js';
import type { SessionReportService } from '../../services/review/session-report.js';
import { responses, zod } from '../responses.js';
import { SESSION_READ, STAFF, actorOf } from '../route-policy.js';

const tags = ['review'];

/** Reviewing sessions changes them: staff, tokens with sessions:write. */
const REVIEWER = { roles: STAFF, scope: 'sessions:write' } as const;
/** Reading the queue and reports: staff, tokens with sessions:read. */
const REVIEW_READ = { roles: STAFF, scope: 'sessions:read' } as const;

/**
 * The review after the exam: queue, flag decisions, verdict, the student's response, the
 * review read and the exportable report. Who may do what per exam is the service's call.
 */
export async function reviewRoutes(
  app: FastifyInstance,
  opts: { review: ReviewService; reports: SessionReportService },
) {
  const r = zod(app);

  r.get(
    '/api/exams/:id/review-queue',
    {
      config: { auth: REVIEW_READ },
      schema: {
        tags,
        summary: 'The exam’s finished sessions in review order',
        description:
          'Sessions whose student responded to a provisional verdict come first (oldest response ' +
          'first), then sessions without a verdict by risk, highest first, then the rest by risk.',
        params: IdParams,
        response: responses({ 200: z.array(ReviewQueueEntry) }),
      },
    },
    async (req) => opts.review.queue(actorOf(req), req.params.id),
  );

  r.post(
    '/api/flags/:id/review',
    {
      config: { auth: REVIEWER },
      schema: {
        tags,
        summary:
          'Confirm or dismiss a flag, or change its decision (dismissing needs a comment); audited',
        description:
          'Only while the session is submitted, terminated or under review (else 409 ' +
          'REVIEW_NOT_OPEN) — so also after the student’s response reopened the review, until ' +
          'the final verdict. The first decision moves a submitted or terminated session to ' +
          'under_review. A changed decision is audited as flag.review with from and to; the ' +
          'replaced one stays in the flag’s history (staff only). Answers with the session’s review.',
        params: IdParams,
        body: FlagReviewBody,
        response: responses({ 200: SessionReview }),
      },
    },
    async (req) => opts.review.decideFlag(actorOf(req), req.params.id, req.body),
  );

  r.post(
    '/api/sessions/:id/verdict',
    {
      config: { auth: REVIEWER },
      schema: {
        tags,
        summary: 'Give the verdict (409 FLAGS_UNDECIDED while any flag is open); audited',
        description:
          'Moves the session to reviewed. Given before the student responded it is provisional: ' +
          'the student may respond once within 14 days, which reopens the review; the verdict ' +
          'given after a response is final, and a provisional one becomes final when the ' +
          'window passes. A verdict that goes against the flag decisions — clean while a flag is ' +
          'confirmed, or violation while none is — needs overrideComment (else 409 ' +
          'VERDICT_NEEDS_REASON); the student reads it with the verdict.',
        params: IdParams,
        body: VerdictBody,
        response: responses({ 200: SessionReview }),
      },
    },
    async (req) => opts.review.verdict(actorOf(req), req.params.id, req.body),
  );

  r.post(
    '/api/sessions/:id/response',
    {
      config: { auth: { roles: ['student'], scope: null } },
      schema: {
        tags,
        summary: 'The student’s one written response to a provisional verdict; reopens the review',
        description:
          '409 RESPONSE_ALREADY_SENT on a second response, 409 RESPONSE_WINDOW_CLOSED once the ' +
          'verdict is final.',
        params: IdParams,
        body: ReviewResponseBody,
        response: responses({ 200: SessionReview }),
      },
    },
    async (req) => opts.review.respond(actorOf(req), req.params.id, req.body),
  );

  r.get(
    '/api/sessions/:id/review',
    {
      config: { auth: SESSION_READ },
      schema: {
        tags,
        summary: 'A session’s review: identity evidence, flags with decisions, verdict, response',
        description:
          'Staff of the exam see detector detail, reviewer names and notes (audited as a ' +
          'recording view). The student sees their own once a verdict exists (404 before), ' +
          'without notes, reviewer identities or detector detail.',
        params: IdParams,
        response: responses({ 200: SessionReview }),
      },
    },
    async (req) => opts.review.read(actorOf(req), req.params.id),
  );

  r.get(
    '/api/me/reviews',
    {
      config: { auth: { roles: ['student'], scope: 'sessions:read' } },
      schema: {
        tags,
        summary: 'The signed-in student’s sessions that have a verdict',
        response: responses({ 200: z.array(MyReview) }),
      },
    },
    async (req) => opts.review.mine(actorOf(req)),
  );

  r.get(
    '/api/sessions/:id/report',
    {
      config: { auth: REVIEW_READ },
      schema: {
        tags,
        summary: 'The session report as JSON (staff; audited)',
        params: IdParams,
        response: responses({ 200: SessionReport }),
      },
    },
    async (req) => opts.reports.json(actorOf(req), req.params.id),
  );

  r.get(
    '/api/sessions/:id/report.html',
    {
      config: { auth: REVIEW_READ },
      schema: {
        tags,
        summary: 'The session report as a print-friendly HTML page (staff; audited)',
        params: IdParams,
        response: {
          ...responses({}),
          200: {
            description: 'A self-contained HTML page',
            content: { 'text/html': { schema: z.string() } },
          },
          400: ErrorBody,
        },
      },
    },
    async (req, reply) => {
      const html = await opts.reports.html(actorOf(req), req.params.id);
      return reply
        .type('text/html; charset=utf-8')
        .header('cache-control', 'private, no-store')
        .send(html);
    },
  );
}
