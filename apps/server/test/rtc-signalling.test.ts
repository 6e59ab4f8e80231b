import { describe, expect, it } from 'vitest';
import { RtcLink } from '@invigil/contracts';
import { expectError } from './helpers/matrix-errors.js';
import {
  ANSWER,
  CANDIDATE,
  errorOf,
  eventuallyCount,
  eventuallyOk,
  linkState,
  OFFER,
  signalOf,
  useRtcServer,
  type Client,
} from './helpers/rtc-fixture.js';
import { requestEngines } from './helpers/test-server.js';

/**
 * Signalling of live views and calls over the live socket: signals relayed between the link's
 * proctor and student only, its state tracked and kept in the session's record, calls rung and
 * accepted or declined as the policy allows, and every message a socket may not send refused
 * with rtc.error, audited, the socket left open.
 */
describe.each(requestEngines())('live views and calls (WebRTC) on %s', (engine) => {
  const rtc = useRtcServer(engine);
  const { connect, running, open, audits } = rtc;

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
});
