import { and, asc, eq, like } from 'drizzle-orm';
import { afterAll, beforeAll, expect } from 'vitest';
import { type LiveMessage, type ProctoringPolicyInput, RtcLink } from '@invigil/contracts';
import { auditLog, rtcLinks } from '../../src/db/schema.js';
import { inProgress } from './check-in.js';
import { eventually } from './eventually.js';
import type { HttpClient } from './http-client.js';
import { connectLive, type LiveSocket } from './live-socket.js';
import { startTestServer, type Engine, type TestServer } from './test-server.js';

/** A signed-in user of a live view or call test. */
export type Client = HttpClient & { userId: string; email: string };

/** The TURN shared secret of the live-link servers, to check the credentials they hand out. */
export const TURN_SECRET = 'test-turn-secret-0123456789';
/** Long enough for a test's reconnect to re-claim a link on a busy machine. */
export const OWNER_GRACE_MS = 2500;

/** Signals as the browsers send them: the proctor's offer, the student's answer, a candidate. */
export const OFFER = {
  kind: 'offer',
  sdp: 'v=0 offer-sdp',
  tracks: { '0': 'webcam', '1': 'screen' },
};
export const ANSWER = { kind: 'answer', sdp: 'v=0 answer-sdp' };
export const CANDIDATE = {
  kind: 'candidate',
  candidate: { candidate: 'candidate:1 1 udp 2122260223 192.0.2.1 54400 typ host', sdpMid: '0' },
};

/** A signal of `linkId` relayed from `from`. */
export const signalOf = (linkId: string, from: 'proctor' | 'student') => (m: LiveMessage) =>
  m.topic === 'rtc.signal' && m.data.linkId === linkId && m.data.from === from;
/** A refused message, answered with `code`. */
export const errorOf = (code: string) => (m: LiveMessage) =>
  m.topic === 'rtc.error' && m.data.code === code;
/** A link's change to `state`. */
export const linkState = (linkId: string, state: string) => (m: LiveMessage) =>
  m.topic === 'rtc.link' && m.data.id === linkId && m.data.state === state;

/** Wait until `socket` has received at least `n` messages matching `pred`. */
export async function eventuallyCount(
  socket: LiveSocket,
  pred: (m: LiveMessage) => boolean,
  n: number,
): Promise<void> {
  await eventuallyOk(() => {
    expect(socket.messages.filter(pred).length).toBeGreaterThanOrEqual(n);
  });
}

/** Wait until `check` passes. */
export async function eventuallyOk(check: () => unknown): Promise<void> {
  await eventually(check);
}

/** A running attempt with its exam's admin, proctor, instructor and student, plus more proctors. */
export type RunningAttempt = Awaited<ReturnType<typeof inProgress>> & { proctors: Client[] };

/** The server of a live view and call test file, and what its tests ask of it. */
export interface RtcServer {
  readonly server: TestServer;
  /** A live socket of `client` (closed after the tests), once the server has said it is ready. */
  connect(client: HttpClient, query: string): Promise<LiveSocket>;
  /** A running attempt under `policy`, its exam with `extraProctors` more proctors. */
  running(policy?: ProctoringPolicyInput, extraProctors?: number): Promise<RunningAttempt>;
  /** A view or call opened by `client` on `sessionId` (201 expected). */
  open(client: HttpClient, sessionId: string, body: object): Promise<RtcLink>;
  /** The stored row of a link. */
  linkRow(id: string): Promise<typeof rtcLinks.$inferSelect | undefined>;
  /** The audit entries whose action is like `action` (on `entityId` when given), oldest first. */
  audits(action: string, entityId?: string): Promise<(typeof auditLog.$inferSelect)[]>;
}

/**
 * Start a server for one live view and call test file (before its tests; closed after them,
 * with every socket its tests opened): STUN and TURN configured, two viewers a session, timeouts
 * far beyond any test, short graces for a student or an owner who leaves.
 */
export function useRtcServer(engine: Engine): RtcServer {
  let server: TestServer;
  const sockets: LiveSocket[] = [];

  beforeAll(async () => {
    server = await startTestServer(engine, {
      rtc: {
        iceServers: [{ urls: 'stun:stun.example.org:3478' }],
        turn: { urls: ['turn:turn.example.org:3478'], secret: TURN_SECRET, ttlSeconds: 600 },
        maxViewers: 2,
        connectTimeoutMs: 600_000,
        ringTimeoutMs: 600_000,
        studentLeftGraceMs: 300,
        ownerLeftGraceMs: OWNER_GRACE_MS,
      },
    });
  });
  afterAll(async () => {
    for (const s of sockets) await s.close();
    await server?.close();
  });

  return {
    get server() {
      return server;
    },
    async connect(client, query) {
      const socket = await connectLive(server.url, client, query);
      sockets.push(socket);
      await socket.untilReady();
      return socket;
    },
    async running(policy = {}, extraProctors = 0) {
      const f = await inProgress(server, policy);
      const proctors: Client[] = [f.proctor];
      for (let i = 0; i < extraProctors; i++) {
        const p = await server.signedIn('proctor', `Extra Proctor ${i + 1}`);
        await f.admin.put(`/api/exams/${f.examId}/staff/${p.userId}`, { role: 'proctor' });
        proctors.push(p);
      }
      return { ...f, proctors };
    },
    async open(client, sessionId, body) {
      const res = await client.post(`/api/sessions/${sessionId}/rtc`, body);
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return RtcLink.parse(res.body);
    },
    async linkRow(id) {
      const [row] = await server.instance.database.db
        .select()
        .from(rtcLinks)
        .where(eq(rtcLinks.id, id));
      return row;
    },
    audits(action, entityId) {
      return server.instance.database.db
        .select()
        .from(auditLog)
        .where(
          and(
            like(auditLog.action, action),
            ...(entityId ? [eq(auditLog.entityId, entityId)] : []),
          ),
        )
        .orderBy(asc(auditLog.id));
    },
  };
}
