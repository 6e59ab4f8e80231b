import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RtcLink } from '@invigil/contracts';
import { auditLog } from '../src/db/schema.js';
import { ACCESS_REMOVED } from '../src/services/live/rtc-links.service.js';
import { inProgress } from './helpers/check-in.js';
import {
  CANDIDATE,
  errorOf,
  eventuallyCount,
  eventuallyOk,
  linkState,
  OFFER,
  OWNER_GRACE_MS,
  signalOf,
  useRtcServer,
  type Client,
} from './helpers/rtc-fixture.js';
import { requestEngines, startTestServer, type TestServer } from './helpers/test-server.js';

/**
 * How live views and calls end: when the proctor's socket closes (even mid-burst or while a
 * call rings) or the student leaves, not on a brief drop the proctor's new socket recovers
 * from, when the proctor loses access to the exam, when the attempt stops running, and when a
 * view is not connected or a call not answered in time.
 */
describe.each(requestEngines())('live views and calls (WebRTC) on %s', (engine) => {
  const rtc = useRtcServer(engine);
  const { connect, running, open, linkRow } = rtc;

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
      expect((await linkRow(call.id))?.ownerSocket).toEqual(expect.any(String));
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
