import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { IceServersResponse, Id, IdParams, OpenRtcBody, RtcLink } from '@invigil/contracts';
import type { RtcConfig } from '../../config/config.js';
import type { Clock } from '../../ports/clock.port.js';
import type { RtcLinkService } from '../../services/live/rtc-links.service.js';
import { iceServersFor } from '../../services/live/turn-credentials.js';
import { responses, zod } from '../responses.js';
import { ANY_ROLE, actorOf } from '../route-policy.js';

const tags = ['rtc'];

/** WebRTC runs in browsers: these routes are for browser sessions, never API tokens. */
const BROWSER = { roles: ANY_ROLE, scope: null } as const;

/**
 * Live views and calls (WebRTC between a proctor's browser and a student's): ICE servers with
 * short-lived TURN credentials, opening, listing and ending links. Signalling itself goes
 * over the live WebSocket (GET /api/live).
 */
export async function rtcRoutes(
  app: FastifyInstance,
  opts: { clock: Clock; links: RtcLinkService; rtc: RtcConfig },
) {
  const r = zod(app);

  r.get(
    '/api/rtc/ice-servers',
    {
      config: { auth: BROWSER },
      schema: {
        tags,
        summary:
          'ICE servers for a live view or call of a session (its running student, its exam’s proctors and admins)',
        description:
          'STUN/TURN servers configured in ICE_SERVERS as they are, plus TURN_URLS with ' +
          'credentials valid until `expiresAt` (TURN REST scheme, coturn `use-auth-secret`: ' +
          'username `expiry:userId`, credential base64 HMAC-SHA1 of it), and ' +
          '`connectTimeoutSeconds` (RTC_CONNECT_TIMEOUT_SECONDS). An empty list means host ' +
          'candidates only (one LAN, or loopback). Only those who take part in links get ' +
          'TURN credentials: the session’s student while the attempt runs (else 409 ' +
          'SESSION_NOT_ACTIVE), the exam’s proctors and admins; instructors 403 ' +
          'RTC_NOT_ALLOWED; another session: 404.',
        querystring: z.strictObject({ sessionId: Id }),
        response: responses({ 200: IceServersResponse }),
      },
    },
    async (req) => {
      const actor = actorOf(req);
      await opts.links.mayUseIce(actor, req.query.sessionId);
      return iceServersFor(opts.rtc, actor.userId, opts.clock.now());
    },
  );

  r.post(
    '/api/sessions/:id/rtc',
    {
      config: { auth: BROWSER },
      schema: {
        tags,
        summary: 'Open a live view of the student, or call them (assigned proctors, admins)',
        description:
          'A view starts `connecting`, a call `ringing` (the student accepts it over the live ' +
          'socket). Sent live as `rtc.link`; the student sees it. The caller’s earlier view (or ' +
          'call) of the same session is ended first. 403 RTC_NOT_ALLOWED for students and ' +
          'instructors; 409 SESSION_NOT_ACTIVE outside in_progress/paused; 409 ' +
          'RTC_VIEWERS_FULL when RTC_MAX_VIEWERS other proctors have links open; 409 ' +
          'RTC_CALL_BUSY when another proctor is in a call with the student.',
        params: IdParams,
        body: OpenRtcBody,
        response: responses({ 201: RtcLink }),
      },
    },
    async (req, reply) =>
      reply.status(201).send(await opts.links.open(actorOf(req), req.params.id, req.body)),
  );

  r.get(
    '/api/sessions/:id/rtc',
    {
      config: { auth: BROWSER },
      schema: {
        tags,
        summary: 'The open live views and calls of a session (its student, its exam’s staff)',
        params: IdParams,
        response: responses({ 200: z.array(RtcLink) }),
      },
    },
    async (req) => opts.links.list(actorOf(req), req.params.id),
  );

  r.post(
    '/api/rtc/:id/end',
    {
      config: { auth: BROWSER },
      schema: {
        tags,
        summary: 'End a live view or call',
        description:
          'The proctor who opened it, or an admin (`hung_up`); the student only a call and only ' +
          'where the exam’s policy has studentMayDeclineCalls (`declined` while ringing, else ' +
          '`student_hung_up`); anyone else of the exam 403 RTC_NOT_ALLOWED, others 404. ' +
          'Already ended: 409 RTC_LINK_ENDED.',
        params: IdParams,
        // The web client sends `{}`; a POST without a body reaches validation as null.
        body: z.strictObject({}).nullish(),
        response: responses({ 200: RtcLink }),
      },
    },
    async (req) => opts.links.endByRequest(actorOf(req), req.params.id),
  );
}
