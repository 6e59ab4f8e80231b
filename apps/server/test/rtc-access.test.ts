import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { IceServersResponse, LiveExamSnapshot, RtcLink } from '@invigil/contracts';
import { checkedIn } from './helpers/recording.js';
import { expectError } from './helpers/matrix-errors.js';
import { TURN_SECRET, useRtcServer, type Client } from './helpers/rtc-fixture.js';
import { requestEngines } from './helpers/test-server.js';

/**
 * Who takes part in live views and calls (WebRTC): TURN credentials only for the session's
 * student and staff, links opened only by the exam's proctors and admins, and the limits of
 * viewers per session and of one call at a time.
 */
describe.each(requestEngines())('live views and calls (WebRTC) on %s', (engine) => {
  const rtc = useRtcServer(engine);
  const { running, open, audits } = rtc;

  it('hands out ICE servers with TURN credentials to the session’s student and staff only', async () => {
    const f = await running();
    const before = Math.floor(rtc.server.clock.now().getTime() / 1000);
    const res = await f.student.get(`/api/rtc/ice-servers?sessionId=${f.sessionId}`);
    const after = Math.floor(rtc.server.clock.now().getTime() / 1000);
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
    const waiting = await checkedIn(rtc.server);
    expectError(
      await waiting.student.get(`/api/rtc/ice-servers?sessionId=${waiting.sessionId}`),
      409,
      'SESSION_NOT_ACTIVE',
    );
    expectError(
      await rtc.server.anonymous().get(`/api/rtc/ice-servers?sessionId=${f.sessionId}`),
      401,
    );
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

    const notRunning = await checkedIn(rtc.server);
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
});
