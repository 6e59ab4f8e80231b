import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import { z } from 'zod';
import { ErrorBody, Id, type LiveMessage } from '@invigil/contracts';
import { AppError, errors } from '../../errors.js';
import type { Clock } from '../../ports/clock.port.js';
import type { Actor } from '../../services/accounts/actor.js';
import type { AuthService } from '../../services/accounts/auth.service.js';
import {
  positionIn,
  viewFor,
  type AddressedLiveMessage,
  type LiveFeed,
  type LiveScope,
} from '../../services/live/live-feed.service.js';
import type { LiveAccess } from '../../services/live/live-access.js';
import type { RtcLinkService } from '../../services/live/rtc-links.service.js';
import type { RtcPeer, RtcSignalling } from '../../services/live/rtc-signalling.js';
import type { SessionHealthTracker } from '../../services/sessions/session-health.js';
import { iso } from '../../services/sessions/time.js';
import { SESSION_COOKIE } from '../auth-hook.js';
import { responses, zod } from '../responses.js';
import { ANY_ROLE, actorOf } from '../route-policy.js';
import type { HubScope, HubSubscriber, LiveHub } from './live-hub.js';
import { INBOUND_DEFAULTS, type InboundOptions, inboundHandler } from './live-inbound.js';
import { RtcPresence } from './rtc-presence.js';

/** Tunables of the gateway; tests shorten the timers. */
export interface GatewayOptions extends InboundOptions {
  /** After a student's last socket closed, their live links end unless they return within this. */
  studentLeftGraceMs: number;
  /**
   * After a proctor's socket that owned links closed, they end `viewer_left` unless a new
   * socket of the same proctor re-claims them within this (a brief network drop).
   */
  ownerLeftGraceMs: number;
  /** A heartbeat message and a ws ping this often; a socket that missed a pong is dropped. */
  heartbeatMs: number;
  /** Re-check the caller's sign-in and exam access every this many heartbeats. */
  recheckEveryBeats: number;
  /** A socket with more unsent bytes than this is too slow: it is closed and will resume. */
  maxBufferedBytes: number;
}

/** Defaults: heartbeat every 15 s, access re-checked every minute, 4 MiB of backlog. */
export const GATEWAY_DEFAULTS: GatewayOptions = {
  ...INBOUND_DEFAULTS,
  studentLeftGraceMs: 10_000,
  ownerLeftGraceMs: 3_000,
  heartbeatMs: 15_000,
  recheckEveryBeats: 4,
  maxBufferedBytes: 4 * 1024 * 1024,
};

/** Close codes the web client understands: do not reconnect for these. */
export const CLOSE_SIGNED_OUT = 4401;
export const CLOSE_ACCESS_REVOKED = 4403;

/**
 * The query of GET /api/live: exactly one of examId (staff) or sessionId (its student), and
 * `since`, the last message id seen (a student's ids count their own messages only). Flat rather than the contract's union so the OpenAPI
 * document can list it as query parameters; the refinement enforces "exactly one".
 */
const LiveQueryParams = z
  .strictObject({
    examId: Id.optional(),
    sessionId: Id.optional(),
    since: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  })
  .refine((q) => (q.examId === undefined) !== (q.sessionId === undefined), {
    message: 'Give exactly one of examId (staff) or sessionId (the session’s student)',
    path: ['examId'],
  });

/** What a subscription was granted: the scope and the exam it belongs to. */
interface Access {
  actor: Actor;
  scope: LiveScope;
  examId: string;
  sessionId: string | null;
  since: number | undefined;
}

/** Everything the gateway needs from the rest of the server. */
export interface GatewayDeps {
  /** Who may subscribe to what. */
  access: LiveAccess;
  clock: Clock;
  auth: AuthService;
  feed: LiveFeed;
  hub: LiveHub;
  health: SessionHealthTracker;
  /** WebRTC links: what browsers send up the socket acts on them. */
  links: RtcLinkService;
  signalling: RtcSignalling;
  publicUrl: string;
  options?: Partial<GatewayOptions>;
}

/** Refuse a cross-site upgrade: browsers send cookies on cross-site WebSockets. */
function checkOrigin(req: FastifyRequest, publicUrl: string): void {
  const origin = req.headers.origin;
  // Non-browser clients send no Origin; they cannot be tricked into using someone's cookie.
  if (origin === undefined) return;
  const allowed = new Set([new URL(publicUrl).origin, `${req.protocol}://${req.host}`]);
  if (!allowed.has(origin)) {
    throw errors.forbidden(`Live connections from ${origin} are refused (cross-site)`);
  }
}

/** One open socket: buffers bus messages while the replay is sent, then forwards live. */
class LiveConnection implements HubSubscriber {
  readonly scope: HubScope;
  readonly socketId = randomUUID();
  readonly peer: RtcPeer;
  /** A message of this socket was accepted (it may own WebRTC links). */
  signalled = false;
  private replaying = true;
  private buffer: AddressedLiveMessage[] = [];
  /** Answered the last ping. */
  alive = true;
  beats = 0;

  constructor(
    readonly socket: WebSocket,
    readonly access: Access,
    readonly cookie: string | undefined,
    private readonly maxBufferedBytes: number,
  ) {
    this.scope =
      'examId' in access.scope
        ? { kind: 'exam', examId: access.scope.examId }
        : { kind: 'session', sessionId: access.scope.sessionId };
    this.peer = {
      socketId: this.socketId,
      actor: access.actor,
      examId: access.examId,
      sessionId: access.sessionId,
    };
  }

  get userId(): string {
    return this.access.actor.userId;
  }

  get sessionId(): string | null {
    return this.access.sessionId;
  }

  /** Transient messages (signalling) skip the replay buffer: they are not positions in a feed. */
  direct(message: LiveMessage): void {
    this.send(message);
  }

  deliver(message: AddressedLiveMessage): void {
    if (this.replaying) this.buffer.push(message);
    else this.send(this.view(message));
  }

  /** A message's id on this socket: the staff feed's id, or the student feed's number. */
  position(message: AddressedLiveMessage): number {
    return positionIn(this.access.scope, message);
  }

  /** The wire form for this socket: who may see it stays on the server. */
  view(message: AddressedLiveMessage): LiveMessage {
    return viewFor(this.access.scope, message);
  }

  /** Send now; a socket that cannot keep up is closed (its client resumes with `since`). */
  send(message: LiveMessage): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    if (this.socket.bufferedAmount > this.maxBufferedBytes) {
      this.socket.close(1013, 'Too slow; reconnect and resume');
      return;
    }
    this.socket.send(JSON.stringify(message));
  }

  /** An unstored message (ready, resync, heartbeat) addressed like this socket's messages. */
  control<T extends 'ready' | 'resync' | 'heartbeat'>(
    topic: T,
    data: Extract<LiveMessage, { topic: T }>['data'],
    at: Date,
  ): void {
    this.send({
      id: 0,
      examId: this.access.examId,
      sessionId: this.access.sessionId,
      at: iso(at),
      topic,
      data,
    } as LiveMessage);
  }

  /**
   * End the replay: send what arrived on the bus meanwhile, oldest first, except what the
   * replay already carried or the client had (positions up to `since`), then forward live.
   */
  goLive(replayed: ReadonlySet<number>, since: number): void {
    const pending = this.buffer.sort((a, b) => this.position(a) - this.position(b));
    this.buffer = [];
    this.replaying = false;
    const sent = new Set<number>();
    for (const m of pending) {
      const at = this.position(m);
      if (at <= since || replayed.has(at) || sent.has(at)) continue;
      sent.add(at);
      this.send(this.view(m));
    }
  }
}

/**
 * GET /api/live: the real-time gateway. Everything is checked before the upgrade, as plain
 * HTTP errors in our JSON shape: sign-in (401), Origin (403), query (400), access (403/404).
 * After the upgrade: the stored messages after `since` (or `resync` when they cannot all be
 * replayed), then `ready`, then every new message the socket may see, with a heartbeat
 * message and a ws ping every `heartbeatMs`. Sign-in and access are re-checked periodically;
 * a socket that lost them is closed with 4401 / 4403.
 */
export async function liveGateway(app: FastifyInstance, deps: GatewayDeps): Promise<void> {
  const opts = { ...GATEWAY_DEFAULTS, ...deps.options };
  const granted = new WeakMap<FastifyRequest, Access>();
  const connections = new Set<LiveConnection>();
  await deps.hub.start();
  const reportRtc = (err: unknown) => app.log.error({ err }, 'live link handling failed');
  const presence = new RtcPresence(
    deps.links,
    deps.hub,
    deps.clock,
    { studentMs: opts.studentLeftGraceMs, ownerMs: opts.ownerLeftGraceMs },
    reportRtc,
  );

  const beat = setInterval(() => void heartbeat(), opts.heartbeatMs);
  beat.unref();
  app.addHook('onClose', async () => {
    clearInterval(beat);
    presence.stop();
    await deps.hub.stop();
  });

  async function heartbeat(): Promise<void> {
    const now = deps.clock.now();
    presence.heartbeat(connections).catch(reportRtc);
    for (const c of connections) {
      if (!c.alive) {
        c.socket.terminate();
        continue;
      }
      c.alive = false;
      c.socket.ping();
      c.control('heartbeat', { serverTime: iso(now) }, now);
      c.beats += 1;
      if (c.beats % opts.recheckEveryBeats === 0) await recheck(c);
    }
  }

  /** Close a socket whose user signed out, was disabled, or lost the exam assignment. */
  async function recheck(c: LiveConnection): Promise<void> {
    try {
      const resolved = c.cookie ? await deps.auth.resolveSession(c.cookie) : undefined;
      if (!resolved) {
        c.socket.close(CLOSE_SIGNED_OUT, 'Signed out');
        return;
      }
      // A second factor now owed (one added elsewhere, or required by an admin) ends the socket.
      if (resolved.secondFactor) throw errors.secondFactorRequired();
      await deps.access.authorize(resolved.actor, c.access.scope);
    } catch (err) {
      if (err instanceof AppError) {
        // Media must stop with the access, not a grace period later.
        if (c.peer.sessionId === null) {
          await deps.links.accessRemoved(c.userId, c.access.examId).catch(reportRtc);
        }
        c.socket.close(CLOSE_ACCESS_REVOKED, 'Access revoked');
      } else app.log.warn({ err }, 'live access re-check failed; kept the socket');
    }
  }

  async function open(socket: WebSocket, req: FastifyRequest): Promise<void> {
    const access = granted.get(req);
    if (!access) {
      socket.close(1011, 'Not authorised');
      return;
    }
    const conn = new LiveConnection(
      socket,
      access,
      req.cookies[SESSION_COOKIE],
      opts.maxBufferedBytes,
    );
    // Subscribe before reading the replay, so nothing falls between the two.
    const remove = deps.hub.add(conn);
    connections.add(conn);
    const student =
      access.sessionId !== null ? { id: access.sessionId, examId: access.examId } : null;
    socket.on('pong', () => {
      conn.alive = true;
      if (student) deps.health.seen(student.id);
    });
    const inbound = inboundHandler(conn, {
      signalling: deps.signalling,
      clock: deps.clock,
      options: opts,
      onError: reportRtc,
    });
    socket.on('message', inbound.receive);
    socket.on('close', () => {
      remove();
      connections.delete(conn);
      deps.signalling.forget(conn.socketId);
      // Only once the message in flight is done: it may still claim a link for this socket.
      void inbound.closed().then(() => presence.closed(conn));
      if (student) void deps.health.disconnected(student);
    });
    presence.opened(conn);
    if (student) await deps.health.connected(student);

    const replayed = new Set<number>();
    let cursor = access.since ?? 0;
    if (access.since === undefined) {
      cursor = await deps.feed.cursor(access.scope);
    } else {
      const resumed = await deps.feed.resume(access.scope, access.since);
      if ('resync' in resumed) {
        conn.control('resync', { reason: resumed.resync }, deps.clock.now());
        cursor = await deps.feed.cursor(access.scope);
      } else {
        for (const m of resumed.messages) {
          conn.send(conn.view(m));
          replayed.add(conn.position(m));
          cursor = Math.max(cursor, conn.position(m));
        }
      }
    }
    conn.control('ready', { cursor }, deps.clock.now());
    conn.goLive(replayed, access.since ?? 0);
  }

  zod(app).route({
    method: 'GET',
    url: '/api/live',
    config: { auth: { roles: ANY_ROLE, scope: null } },
    schema: {
      tags: ['live'],
      summary: 'Real-time messages of an exam (its staff) or a session (its student): WebSocket',
      description:
        'Upgrades to a WebSocket (send `Connection: Upgrade`, `Upgrade: websocket`; browser ' +
        'sessions only, same origin). Query: `examId` (the exam’s staff, admins) or `sessionId` ' +
        '(that session’s student), and `since`, the last message id seen. Every refusal comes ' +
        'before the upgrade, as JSON: 401 not signed in, 403 cross-site Origin or wrong role, ' +
        '404 exam or session not yours, 400 bad query; a plain GET that does not upgrade is ' +
        '426 UPGRADE_REQUIRED. Messages (JSON text frames, `LiveMessage` in the contracts): ' +
        'first the stored messages after `since`, oldest first, or `resync` if they cannot all ' +
        'be replayed (fetch GET /api/exams/{id}/live again and continue from its cursor); then ' +
        '`ready` with the cursor; then live `session.state`, `session.risk`, `session.health`, ' +
        '`flag.created`, `flag.updated`, `alert.updated`, `intervention`, and a ' +
        '`heartbeat` every 15 s (plus ws pings). Students receive only their session’s ' +
        'student-audience messages (`session.state`, `intervention`, `rtc.link`, …), with ids ' +
        '(and `ready` cursors) that count those messages only: 1, 2, 3 … per session. ' +
        'Browsers may send `LiveClientMessage` JSON text frames (WebRTC signalling: ' +
        '`rtc.signal`, `rtc.state`, `rtc.accept`, `rtc.decline`, `rtc.end`; at most 128 KiB ' +
        'each, 200 per 10 s), checked against the socket’s user and scope; signals reach the ' +
        'other side of the link only (`rtc.signal`, id 0), a refusal comes back to the sending ' +
        'socket as `rtc.error` (id 0) and the socket stays open. Close codes: 4401 signed out, ' +
        '4403 access revoked, 1013 too slow (reconnect with `since`).',
      querystring: LiveQueryParams,
      response: { ...responses({}), 101: z.null().describe('Switching Protocols'), 426: ErrorBody },
    },
    preHandler: async (req) => {
      checkOrigin(req, deps.publicUrl);
      const actor = actorOf(req);
      const granted_ = await deps.access.authorize(actor, req.query);
      granted.set(req, { actor, since: req.query.since, ...granted_ });
    },
    handler: async () => {
      throw new AppError(
        426,
        'UPGRADE_REQUIRED',
        'GET /api/live is a WebSocket: connect with Upgrade: websocket',
      );
    },
    wsHandler: (socket, req) => {
      open(socket, req).catch((err: unknown) => {
        req.log.error({ err }, 'live connection failed');
        socket.close(1011, 'Server error');
      });
    },
  });
}
