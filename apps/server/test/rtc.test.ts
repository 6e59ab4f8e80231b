import { createHmac } from 'node:crypto';
import { and, asc, eq, like } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  IceServersResponse,
  LiveExamSnapshot,
  type LiveMessage,
  type ProctoringPolicyInput,
  RtcLink,
} from '@invigil/contracts';
import { auditLog, rtcLinks } from '../src/db/schema.js';
import { ACCESS_REMOVED } from '../src/services/live/rtc-links.service.js';
import { inProgress } from './helpers/check-in.js';
import type { HttpClient } from './helpers/http-client.js';
import { connectLive, type LiveSocket } from './helpers/live-socket.js';
import { expectError } from './helpers/matrix-errors.js';
import { checkedIn } from './helpers/recording.js';
import { requestEngines, startTestServer, type TestServer } from './helpers/test-server.js';

type Client = HttpClient & { userId: string; email: string };

const TURN_SECRET = 'test-turn-secret-0123456789';
/** Long enough for a test's reconnect to re-claim a link on a busy machine. */
const OWNER_GRACE_MS = 2500;
const OFFER = { kind: 'offer', sdp: 'v=0 offer-sdp', tracks: { '0': 'webcam', '1': 'screen' } };
const ANSWER = { kind: 'answer', sdp: 'v=0 answer-sdp' };
const CANDIDATE = {
  kind: 'candidate',
  candidate: { candidate: 'candidate:1 1 udp 2122260223 192.0.2.1 54400 typ host', sdpMid: '0' },
};

const signalOf = (linkId: string, from: 'proctor' | 'student') => (m: LiveMessage) =>
  m.topic === 'rtc.signal' && m.data.linkId === linkId && m.data.from === from;
const errorOf = (code: string) => (m: LiveMessage) =>
  m.topic === 'rtc.error' && m.data.code === code;
const linkState = (linkId: string, state: string) => (m: LiveMessage) =>
  m.topic === 'rtc.link' && m.data.id === linkId && m.data.state === state;

describe.each(requestEngines())('live views and calls (WebRTC) on %s', (engine) => {
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

  async function connect(client: HttpClient, query: string): Promise<LiveSocket> {
    const socket = await connectLive(server.url, client, query);
    sockets.push(socket);
    await socket.untilReady();
    return socket;
  }

  /** A running attempt with its exam's admin, proctor, instructor and student, plus more proctors. */
  async function running(policy: ProctoringPolicyInput = {}, extraProctors = 0) {
    const f = await inProgress(server, policy);
    const proctors: Client[] = [f.proctor];
    for (let i = 0; i < extraProctors; i++) {
      const p = await server.signedIn('proctor', `Extra Proctor ${i + 1}`);
      await f.admin.put(`/api/exams/${f.examId}/staff/${p.userId}`, { role: 'proctor' });
      proctors.push(p);
    }
    return { ...f, proctors };
  }

  async function open(client: HttpClient, sessionId: string, body: object): Promise<RtcLink> {
    const res = await client.post(`/api/sessions/${sessionId}/rtc`, body);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return RtcLink.parse(res.body);
  }

  async function linkRow(id: string) {
    const [row] = await server.instance.database.db
      .select()
      .from(rtcLinks)
      .where(eq(rtcLinks.id, id));
    return row;
  }

  async function audits(action: string, entityId?: string) {
    return server.instance.database.db
      .select()
      .from(auditLog)
      .where(
        and(like(auditLog.action, action), ...(entityId ? [eq(auditLog.entityId, entityId)] : [])),
      )
      .orderBy(asc(auditLog.id));
  }

  it('hands out ICE servers with TURN credentials to the session’s student and staff only', async () => {
    const f = await running();
    const before = Math.floor(server.clock.now().getTime() / 1000);
    const res = await f.student.get(`/api/rtc/ice-servers?sessionId=${f.sessionId}`);
    const after = Math.floor(server.clock.now().getTime() / 1000);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const body = IceServersResponse.parse(res.body);
    expect(body.iceServers[0]).toEqual({ urls: 'stun:stun.example.org:3478' });
    const turn = body.iceServers[1];
    expect(turn?.urls).toEqual(['turn:turn.example.org:3478']);
    const [expiry, userId] = (turn?.username ?? '').split(':');
    expect(userId).toBe(f.student.userId);
    expect(Number(expiry)).toBeGreaterThanOrEqual(before + 600);
    expect(Number(expiry)).toBeLessThanOrEqual(after + 600);
    const expected = createHmac('sha1', TURN_SECRET)
      .update(turn?.username ?? '')
      .digest('base64');
    expect(turn?.credential).toBe(expected);
    expect(body.expiresAt).toBe(new Date(Number(expiry) * 1000).toISOString());
    // The server's connect timeout, so the browser gives up when the server does.
    expect(body.connectTimeoutSeconds).toBe(600);

    const staff = await f.proctor.get(`/api/rtc/ice-servers?sessionId=${f.sessionId}`);
    expect(staff.status).toBe(200);
    expect(IceServersResponse.parse(staff.body).iceServers[1]?.username).toMatch(
      new RegExp(`^\\d+:${f.proctor.userId}$`),
    );
    expect((await f.admin.get(`/api/rtc/ice-servers?sessionId=${f.sessionId}`)).status).toBe(200);
    // Instructors never open links: no TURN credentials for them.
    expectError(
      await f.instructor.get(`/api/rtc/ice-servers?sessionId=${f.sessionId}`),
      403,
      'RTC_NOT_ALLOWED',
    );
    const other = await running();
    expectError(await other.student.get(`/api/rtc/ice-servers?sessionId=${f.sessionId}`), 404);
    expectError(await other.proctor.get(`/api/rtc/ice-servers?sessionId=${f.sessionId}`), 404);
    // A student whose attempt is not running has no link to take part in.
    const waiting = await checkedIn(server);
    expectError(
      await waiting.student.get(`/api/rtc/ice-servers?sessionId=${waiting.sessionId}`),
      409,
      'SESSION_NOT_ACTIVE',
    );
    expectError(await server.anonymous().get(`/api/rtc/ice-servers?sessionId=${f.sessionId}`), 401);
    expectError(await f.student.get('/api/rtc/ice-servers'), 400, 'VALIDATION_FAILED');
  });

  it('lets only the exam’s proctors and admins open views and calls', async () => {
    const f = await running();
    const other = await running();
    const instructorOther = other.instructor;
    for (const kind of [{ kind: 'view' }, { kind: 'call', camera: true }]) {
      expectError(
        await f.student.post(`/api/sessions/${f.sessionId}/rtc`, kind),
        403,
        'RTC_NOT_ALLOWED',
      );
      expectError(
        await f.instructor.post(`/api/sessions/${f.sessionId}/rtc`, kind),
        403,
        'RTC_NOT_ALLOWED',
      );
      expectError(
        await other.proctor.post(`/api/sessions/${f.sessionId}/rtc`, kind),
        404,
        'NOT_FOUND',
      );
      expectError(
        await instructorOther.post(`/api/sessions/${f.sessionId}/rtc`, kind),
        403,
        'RTC_NOT_ALLOWED',
      );
      expectError(
        await other.student.post(`/api/sessions/${f.sessionId}/rtc`, kind),
        403,
        'RTC_NOT_ALLOWED',
      );
      const byProctor = await open(f.proctor, f.sessionId, kind);
      expect(byProctor.state).toBe(kind.kind === 'call' ? 'ringing' : 'connecting');
      expect(byProctor.proctor.id).toBe(f.proctor.userId);
      expect(byProctor.proctorCamera).toBe(kind.kind === 'call');
      const ended = await f.proctor.post(`/api/rtc/${byProctor.id}/end`, {});
      expect(ended.status, JSON.stringify(ended.body)).toBe(200);
      expect(RtcLink.parse(ended.body)).toMatchObject({ state: 'ended', endReason: 'hung_up' });
      const byAdmin = await open(f.admin, f.sessionId, kind);
      expect((await f.admin.post(`/api/rtc/${byAdmin.id}/end`)).status).toBe(200);
    }
    expectError(await f.proctor.post(`/api/sessions/${f.sessionId}/rtc`, { kind: 'film' }), 400);

    const notRunning = await checkedIn(server);
    expectError(
      await notRunning.proctor.post(`/api/sessions/${notRunning.sessionId}/rtc`, { kind: 'view' }),
      409,
      'SESSION_NOT_ACTIVE',
    );
    expect((await audits('rtc.view_started')).length).toBeGreaterThanOrEqual(2);
    expect((await audits('rtc.call_started')).length).toBeGreaterThanOrEqual(2);
  });

  it('limits viewers per session and calls to one at a time', async () => {
    const f = await running({}, 2);
    const [p1, p2, p3] = f.proctors as [Client, Client, Client];
    const v1 = await open(p1, f.sessionId, { kind: 'view' });
    const v2 = await open(p2, f.sessionId, { kind: 'view' });
    const full = await p3.post(`/api/sessions/${f.sessionId}/rtc`, { kind: 'view' });
    expectError(full, 409, 'RTC_VIEWERS_FULL');
    expect((full.body as { message: string }).message).toMatch(/2 proctors are already watching/);
    // A proctor already watching may open another link (a call), and a new view replaces theirs.
    const again = await open(p1, f.sessionId, { kind: 'view' });
    const list = await f.proctor.get(`/api/sessions/${f.sessionId}/rtc`);
    const ids = (list.body as RtcLink[]).map((l) => l.id);
    expect(ids).toContain(again.id);
    expect(ids).not.toContain(v1.id);
    const call = await open(p2, f.sessionId, { kind: 'call' });
    expectError(
      await p1.post(`/api/sessions/${f.sessionId}/rtc`, { kind: 'call' }),
      409,
      'RTC_CALL_BUSY',
    );
    // The student sees the open links ("a proctor is watching").
    const mine = await f.student.get(`/api/sessions/${f.sessionId}/rtc`);
    const expected = [again.id, v2.id, call.id].sort();
    expect((mine.body as RtcLink[]).map((l) => l.id).sort()).toEqual(expected);
    // The dashboard snapshot carries them too.
    const snap = LiveExamSnapshot.parse((await p1.get(`/api/exams/${f.examId}/live`)).body);
    expect(snap.rtcLinks.map((l) => l.id).sort()).toEqual(expected);
  });

  it('relays signals between the proctor and the student only, and tracks the state', async () => {
    const f = await running({}, 1);
    const [p1, p2] = f.proctors as [Client, Client];
    const proctorSocket = await connect(p1, `examId=${f.examId}`);
    const otherProctor = await connect(p2, `examId=${f.examId}`);
    const studentSocket = await connect(f.student, `sessionId=${f.sessionId}`);
    const link = await open(p1, f.sessionId, { kind: 'view' });
    await studentSocket.waitFor(linkState(link.id, 'connecting'));

    const started = Date.now();
    proctorSocket.send({ type: 'rtc.signal', linkId: link.id, signal: OFFER });
    proctorSocket.send({ type: 'rtc.signal', linkId: link.id, signal: CANDIDATE });
    const offer = await studentSocket.waitFor(signalOf(link.id, 'proctor'));
    console.log(`offer relayed in ${Date.now() - started} ms`);
    expect(offer.id).toBe(0);
    expect(offer.topic === 'rtc.signal' && offer.data.signal).toEqual(OFFER);
    await eventuallyCount(studentSocket, signalOf(link.id, 'proctor'), 2);
    const relayed = studentSocket.messages.filter(signalOf(link.id, 'proctor'));
    expect(relayed.map((m) => m.topic === 'rtc.signal' && m.data.signal.kind)).toEqual([
      'offer',
      'candidate',
    ]);

    studentSocket.send({ type: 'rtc.signal', linkId: link.id, signal: ANSWER });
    studentSocket.send({ type: 'rtc.signal', linkId: link.id, signal: CANDIDATE });
    const answer = await proctorSocket.waitFor(signalOf(link.id, 'student'));
    expect(answer.topic === 'rtc.signal' && answer.data.signal).toEqual(ANSWER);
    studentSocket.send({ type: 'rtc.state', linkId: link.id, state: 'live' });
    const live = await proctorSocket.waitFor(linkState(link.id, 'live'));
    expect(live.topic === 'rtc.link' && live.data.connectedAt).not.toBeNull();
    await studentSocket.waitFor(linkState(link.id, 'live'));

    // Nobody else hears the signalling: not the other proctor, not the senders themselves.
    expect(otherProctor.messages.some((m) => m.topic === 'rtc.signal')).toBe(false);
    expect(proctorSocket.messages.some(signalOf(link.id, 'proctor'))).toBe(false);
    expect(studentSocket.messages.some(signalOf(link.id, 'student'))).toBe(false);
    // The other proctor sees the link's life on the dashboard, though.
    await otherProctor.waitFor(linkState(link.id, 'live'));

    // A failure reported by a side ends the link with its reason.
    proctorSocket.send({
      type: 'rtc.state',
      linkId: link.id,
      state: 'failed',
      reason: 'ICE failed',
    });
    const failed = await studentSocket.waitFor(linkState(link.id, 'ended'));
    expect(failed.topic === 'rtc.link' && failed.data).toMatchObject({
      endReason: 'failed',
      detail: 'ICE failed',
    });
    const [ended] = await audits('rtc.ended', link.id);
    expect(ended?.data).toMatchObject({ reason: 'failed', kind: 'view' });
    expect(typeof (ended?.data as { durationSeconds: unknown }).durationSeconds).toBe('number');

    // The session's record keeps it: the review and the report (JSON and HTML).
    const review = await p1.get(`/api/sessions/${f.sessionId}/review`);
    expect(review.status, JSON.stringify(review.body)).toBe(200);
    expect((review.body as { rtcLinks: RtcLink[] }).rtcLinks).toEqual([
      expect.objectContaining({
        id: link.id,
        endReason: 'failed',
        proctor: expect.objectContaining({ id: p1.userId }),
      }),
    ]);
    const report = await p1.get(`/api/sessions/${f.sessionId}/report`);
    expect((report.body as { rtcLinks: RtcLink[] }).rtcLinks.map((l) => l.id)).toEqual([link.id]);
    const html = await p1.get(`/api/sessions/${f.sessionId}/report.html`);
    expect(String(html.body)).toMatch(/Live views and calls \(1\)[\s\S]*Connection failed/);
  });

  it('rings a call until the student accepts, and lets them decline only where the policy allows', async () => {
    const strict = await running();
    const proctorSocket = await connect(strict.proctor, `examId=${strict.examId}`);
    const studentSocket = await connect(strict.student, `sessionId=${strict.sessionId}`);
    const call = await open(strict.proctor, strict.sessionId, { kind: 'call', camera: false });
    await studentSocket.waitFor(linkState(call.id, 'ringing'));
    // An answer before accepting is refused; declining is not this exam's policy.
    studentSocket.send({ type: 'rtc.signal', linkId: call.id, signal: ANSWER });
    await studentSocket.waitFor(errorOf('RTC_NOT_ALLOWED'));
    studentSocket.send({ type: 'rtc.decline', linkId: call.id });
    await eventuallyCount(studentSocket, errorOf('RTC_NOT_ALLOWED'), 2);
    expectError(await strict.student.post(`/api/rtc/${call.id}/end`), 403, 'RTC_NOT_ALLOWED');
    studentSocket.send({ type: 'rtc.accept', linkId: call.id });
    await proctorSocket.waitFor(linkState(call.id, 'connecting'));

    const lenient = await running({ studentMayDeclineCalls: true });
    const lenientSocket = await connect(lenient.student, `sessionId=${lenient.sessionId}`);
    const c2 = await open(lenient.proctor, lenient.sessionId, { kind: 'call' });
    lenientSocket.send({ type: 'rtc.decline', linkId: c2.id });
    const declined = await lenientSocket.waitFor(linkState(c2.id, 'ended'));
    expect(declined.topic === 'rtc.link' && declined.data.endReason).toBe('declined');
    expectError(await lenient.proctor.post(`/api/rtc/${c2.id}/end`), 409, 'RTC_LINK_ENDED');
    const c3 = await open(lenient.proctor, lenient.sessionId, { kind: 'call' });
    const hungUp = await lenient.student.post(`/api/rtc/${c3.id}/end`);
    expect(hungUp.status, JSON.stringify(hungUp.body)).toBe(200);
    expect(RtcLink.parse(hungUp.body).endReason).toBe('declined');
    // A view is the proctor's to end, whatever the policy.
    const view = await open(lenient.proctor, lenient.sessionId, { kind: 'view' });
    expectError(await lenient.student.post(`/api/rtc/${view.id}/end`), 403, 'RTC_NOT_ALLOWED');
  });

  it('refuses messages a socket may not send, answers with rtc.error and keeps the socket open', async () => {
    const f = await running({}, 1);
    const other = await running();
    const [p1, p2] = f.proctors as [Client, Client];
    const studentSocket = await connect(f.student, `sessionId=${f.sessionId}`);
    const otherStudent = await connect(other.student, `sessionId=${other.sessionId}`);
    const p1a = await connect(p1, `examId=${f.examId}`);
    const p1b = await connect(p1, `examId=${f.examId}`);
    const p2Socket = await connect(p2, `examId=${f.examId}`);
    const view = await open(p1, f.sessionId, { kind: 'view' });
    p1a.send({ type: 'rtc.signal', linkId: view.id, signal: OFFER });
    await studentSocket.waitFor(signalOf(view.id, 'proctor'));

    // A student signalling another session's link: it does not exist for them.
    otherStudent.send({ type: 'rtc.signal', linkId: view.id, signal: ANSWER });
    const notFound = await otherStudent.waitFor(errorOf('NOT_FOUND'));
    expect(notFound.id).toBe(0);
    expect(notFound.topic === 'rtc.error' && notFound.data.linkId).toBe(view.id);
    // A student ending a view, or sending an offer.
    studentSocket.send({ type: 'rtc.end', linkId: view.id });
    await studentSocket.waitFor(errorOf('RTC_NOT_ALLOWED'));
    studentSocket.send({ type: 'rtc.signal', linkId: view.id, signal: OFFER });
    await eventuallyCount(studentSocket, errorOf('RTC_NOT_ALLOWED'), 2);
    // Another proctor, and another window of the owner.
    p2Socket.send({ type: 'rtc.signal', linkId: view.id, signal: OFFER });
    await p2Socket.waitFor(errorOf('RTC_NOT_ALLOWED'));
    p1b.send({ type: 'rtc.signal', linkId: view.id, signal: CANDIDATE });
    await p1b.waitFor(errorOf('RTC_NOT_ALLOWED'));
    // Malformed frames.
    p2Socket.send('not json');
    p2Socket.send({ type: 'rtc.bogus', linkId: view.id });
    p2Socket.send({ type: 'rtc.signal', linkId: 'not-an-id', signal: OFFER });
    p2Socket.send(Buffer.from([1, 2, 3]));
    p2Socket.send(
      JSON.stringify({
        type: 'rtc.signal',
        linkId: view.id,
        signal: { ...OFFER, sdp: 'x'.repeat(140_000) },
      }),
    );
    await eventuallyCount(p2Socket, errorOf('VALIDATION_FAILED'), 5);
    expect(p2Socket.isOpen()).toBe(true);
    // None of it reached the student.
    expect(studentSocket.messages.filter(signalOf(view.id, 'proctor'))).toHaveLength(1);
    // Refusals are audited, a few per socket and window at most.
    const refused = await audits('rtc.signal_refused');
    expect(refused.some((a) => a.actorId === other.student.userId)).toBe(true);
    expect(refused.filter((a) => a.actorId === p2.userId).length).toBeLessThanOrEqual(5);
    expect(refused.find((a) => a.actorId === p2.userId)?.data).toMatchObject({
      code: 'RTC_NOT_ALLOWED',
    });
    // The socket still works.
    p1a.send({ type: 'rtc.signal', linkId: view.id, signal: CANDIDATE });
    await eventuallyCount(studentSocket, signalOf(view.id, 'proctor'), 2);
  });

  it('ends a link when its proctor’s socket closes, and when the student leaves', async () => {
    const f = await running();
    const studentSocket = await connect(f.student, `sessionId=${f.sessionId}`);
    const proctorSocket = await connect(f.proctor, `examId=${f.examId}`);
    const view = await open(f.proctor, f.sessionId, { kind: 'view' });
    proctorSocket.send({ type: 'rtc.signal', linkId: view.id, signal: OFFER });
    await studentSocket.waitFor(signalOf(view.id, 'proctor'));
    const closedAt = Date.now();
    await proctorSocket.close();
    const ended = await studentSocket.waitFor(linkState(view.id, 'ended'));
    console.log(`student told of viewer_left ${Date.now() - closedAt} ms after the close`);
    expect(ended.topic === 'rtc.link' && ended.data.endReason).toBe('viewer_left');

    const watcher = await connect(f.proctor, `examId=${f.examId}`);
    const second = await open(f.proctor, f.sessionId, { kind: 'view' });
    await studentSocket.close();
    const left = await watcher.waitFor(linkState(second.id, 'ended'));
    expect(left.topic === 'rtc.link' && left.data.endReason).toBe('student_left');
  });

  it('ends the link when the proctor’s socket closes while its messages are still handled', async () => {
    const f = await running();
    const studentSocket = await connect(f.student, `sessionId=${f.sessionId}`);
    const proctorSocket = await connect(f.proctor, `examId=${f.examId}`);
    const view = await open(f.proctor, f.sessionId, { kind: 'view' });
    // A burst still queued at the close: none of it may claim the link for the dead socket
    // after its links were released (it would then never end viewer_left).
    proctorSocket.send({ type: 'rtc.signal', linkId: view.id, signal: OFFER });
    for (let i = 0; i < 30; i += 1) {
      proctorSocket.send({ type: 'rtc.signal', linkId: view.id, signal: CANDIDATE });
    }
    await proctorSocket.close();
    const ended = await studentSocket.waitFor(linkState(view.id, 'ended'));
    expect(ended.topic === 'rtc.link' && ended.data.endReason).toBe('viewer_left');
    expect((await linkRow(view.id))?.ownerSocket ?? null).toBeNull();
  });

  it('ends a ringing call when the proctor’s tab closes before the student answers', async () => {
    const f = await running();
    const studentSocket = await connect(f.student, `sessionId=${f.sessionId}`);
    const proctorSocket = await connect(f.proctor, `examId=${f.examId}`);
    const call = await open(f.proctor, f.sessionId, { kind: 'call' });
    await studentSocket.waitFor(linkState(call.id, 'ringing'));
    // What the proctor's page sends as soon as its socket is live: it claims the link.
    proctorSocket.send({ type: 'rtc.state', linkId: call.id, state: 'connecting' });
    await eventuallyOk(async () => {
      expect((await linkRow(call.id))?.ownerSocket).not.toBeNull();
    });
    expect(proctorSocket.messages.some((m) => m.topic === 'rtc.error')).toBe(false);
    const closedAt = Date.now();
    await proctorSocket.close();
    const ended = await studentSocket.waitFor(linkState(call.id, 'ended'));
    console.log(`ringing call ended ${Date.now() - closedAt} ms after the proctor's tab closed`);
    expect(ended.topic === 'rtc.link' && ended.data.endReason).toBe('viewer_left');
  });

  it('keeps a link through a brief drop of the proctor’s socket: the new socket re-claims it', async () => {
    const f = await running();
    const studentSocket = await connect(f.student, `sessionId=${f.sessionId}`);
    const first = await connect(f.proctor, `examId=${f.examId}`);
    const view = await open(f.proctor, f.sessionId, { kind: 'view' });
    first.send({ type: 'rtc.state', linkId: view.id, state: 'connecting' });
    first.send({ type: 'rtc.signal', linkId: view.id, signal: OFFER });
    await studentSocket.waitFor(signalOf(view.id, 'proctor'));
    await first.close();
    // The server released it (the old socket is gone); the reconnect claims it again.
    await eventuallyOk(async () => {
      expect((await linkRow(view.id))?.ownerSocket).toBeNull();
    });
    const second = await connect(f.proctor, `examId=${f.examId}`);
    second.send({ type: 'rtc.state', linkId: view.id, state: 'connecting' });
    second.send({ type: 'rtc.signal', linkId: view.id, signal: CANDIDATE });
    await eventuallyCount(studentSocket, signalOf(view.id, 'proctor'), 2);
    expect(second.messages.some((m) => m.topic === 'rtc.error')).toBe(false);
    // Past the grace the link is still open: it was re-claimed in time.
    await new Promise((resolve) => setTimeout(resolve, OWNER_GRACE_MS + 500));
    const listed = await f.proctor.get(`/api/sessions/${f.sessionId}/rtc`);
    expect((listed.body as RtcLink[]).map((l) => l.id)).toContain(view.id);
    expect(studentSocket.messages.some(linkState(view.id, 'ended'))).toBe(false);
    // Closing the tab for good still ends it.
    await second.close();
    const ended = await studentSocket.waitFor(linkState(view.id, 'ended'));
    expect(ended.topic === 'rtc.link' && ended.data.endReason).toBe('viewer_left');
  });

  it('lets a student report failed only for a call they may decline', async () => {
    const strict = await running();
    const studentSocket = await connect(strict.student, `sessionId=${strict.sessionId}`);
    const view = await open(strict.proctor, strict.sessionId, { kind: 'view' });
    studentSocket.send({ type: 'rtc.state', linkId: view.id, state: 'failed', reason: 'gone' });
    const refused = await studentSocket.waitFor(errorOf('RTC_NOT_ALLOWED'));
    expect(refused.topic === 'rtc.error' && refused.data.linkId).toBe(view.id);
    const stillOpen = await strict.proctor.get(`/api/sessions/${strict.sessionId}/rtc`);
    expect((stillOpen.body as RtcLink[]).map((l) => l.id)).toContain(view.id);
    await eventuallyOk(async () => {
      const refusals = await audits('rtc.signal_refused', view.id);
      expect(refusals.map((a) => a.data)).toContainEqual(
        expect.objectContaining({ code: 'RTC_NOT_ALLOWED', type: 'rtc.state' }),
      );
    });

    const lenient = await running({ studentMayDeclineCalls: true });
    const lenientSocket = await connect(lenient.student, `sessionId=${lenient.sessionId}`);
    const call = await open(lenient.proctor, lenient.sessionId, { kind: 'call' });
    lenientSocket.send({ type: 'rtc.accept', linkId: call.id });
    await lenientSocket.waitFor(linkState(call.id, 'connecting'));
    lenientSocket.send({ type: 'rtc.state', linkId: call.id, state: 'failed', reason: 'No audio' });
    const failed = await lenientSocket.waitFor(linkState(call.id, 'ended'));
    expect(failed.topic === 'rtc.link' && failed.data).toMatchObject({
      endReason: 'failed',
      detail: 'No audio',
    });
  });

  it('ends a proctor’s links when their access to the exam is removed', async () => {
    const f = await running({}, 1);
    const [, p2] = f.proctors as [Client, Client];
    const studentSocket = await connect(f.student, `sessionId=${f.sessionId}`);
    const p2Socket = await connect(p2, `examId=${f.examId}`);
    const view = await open(p2, f.sessionId, { kind: 'view' });
    const removed = await f.admin.delete(`/api/exams/${f.examId}/staff/${p2.userId}`);
    expect(removed.status, JSON.stringify(removed.body)).toBeLessThan(300);
    // Their next signal finds the access gone: refused, and the link ends with it.
    p2Socket.send({ type: 'rtc.signal', linkId: view.id, signal: OFFER });
    await p2Socket.waitFor(errorOf('NOT_FOUND'));
    const ended = await studentSocket.waitFor(linkState(view.id, 'ended'));
    expect(ended.topic === 'rtc.link' && ended.data).toMatchObject({
      endReason: 'hung_up',
      detail: ACCESS_REMOVED,
    });
    expect(studentSocket.messages.some(signalOf(view.id, 'proctor'))).toBe(false);
  });

  it('ends a link when the attempt stops running', async () => {
    const f = await running();
    const watcher = await connect(f.proctor, `examId=${f.examId}`);
    const view = await open(f.proctor, f.sessionId, { kind: 'view' });
    const res = await f.proctor.post(`/api/sessions/${f.sessionId}/interventions`, {
      kind: 'terminate',
      message: 'Test over',
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const ended = await watcher.waitFor(linkState(view.id, 'ended'));
    expect(ended.topic === 'rtc.link' && ended.data.endReason).toBe('session_ended');
  });
});

describe.each(requestEngines())('live link timeouts on %s', (engine) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(engine, {
      rtc: { iceServers: [], maxViewers: 2, connectTimeoutMs: 1000, ringTimeoutMs: 1500 },
    });
  });
  afterAll(async () => server?.close());

  it('ends views not connected and calls not answered in time', async () => {
    const f = await inProgress(server);
    const view = await f.proctor.post(`/api/sessions/${f.sessionId}/rtc`, { kind: 'view' });
    const call = await f.admin.post(`/api/sessions/${f.sessionId}/rtc`, { kind: 'call' });
    expect(view.status).toBe(201);
    expect(call.status).toBe(201);
    const started = Date.now();
    await eventuallyOk(async () => {
      const open = await f.proctor.get(`/api/sessions/${f.sessionId}/rtc`);
      expect(open.body).toEqual([]);
    });
    console.log(`both links timed out after ${Date.now() - started} ms`);
    const rows = await server.instance.database.db
      .select()
      .from(auditLog)
      .where(eq(auditLog.action, 'rtc.ended'));
    const reasons = rows.map((r) => r.data as { reason: string; detail?: string });
    expect(reasons).toHaveLength(2);
    expect(reasons.every((r) => r.reason === 'timeout')).toBe(true);
    expect(reasons.map((r) => r.detail).join(' ')).toMatch(/did not answer/);
  });
});

async function eventuallyCount(
  socket: LiveSocket,
  pred: (m: LiveMessage) => boolean,
  n: number,
): Promise<void> {
  await eventuallyOk(() => {
    expect(socket.messages.filter(pred).length).toBeGreaterThanOrEqual(n);
  });
}

async function eventuallyOk(check: () => unknown | Promise<unknown>): Promise<void> {
  const { eventually } = await import('./helpers/eventually.js');
  await eventually(check);
}
