import { and, asc, eq, like } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  ChatMessage,
  HelpRequest,
  LiveExamSnapshot,
  SessionReport,
  SessionReview,
} from '@invigil/contracts';
import { auditLog, examSessions } from '../src/db/schema.js';
import { completeCheckIn, inProgress } from './helpers/check-in.js';
import { eventually } from './helpers/eventually.js';
import { buildExam } from './helpers/factories.js';
import type { TestResponse } from './helpers/http-client.js';
import { connectLive } from './helpers/live-socket.js';
import { expectError } from './helpers/matrix-errors.js';
import { recordingFixture } from './helpers/recording.js';
import { requestEngines, startTestServer, type TestServer } from './helpers/test-server.js';

const MINUTE = 60_000;

describe.each(requestEngines())('raised hands and the session record on %s', (engine) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(engine);
  });
  afterAll(async () => server?.close());

  const ok = (res: TestResponse, status = 200): HelpRequest => {
    expect(res.status, JSON.stringify(res.body)).toBe(status);
    return res.body as HelpRequest;
  };
  const auditOf = (examId: string) =>
    server.instance.database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.examId, examId), like(auditLog.action, 'hand.%')))
      .orderBy(asc(auditLog.id));

  it('raises, takes, takes over, resolves and lowers a hand, each step live and audited', async () => {
    const f = await inProgress(server);
    const socket = await connectLive(server.url, f.student, `sessionId=${f.sessionId}`);
    await socket.untilReady();
    const raise = (body?: unknown) => f.student.post(`/api/sessions/${f.sessionId}/hand`, body);

    const hand = ok(await raise({ message: '  My webcam froze  ' }), 201);
    expect(hand).toMatchObject({
      sessionId: f.sessionId,
      examId: f.examId,
      student: { id: f.student.userId },
      message: 'My webcam froze',
      takenBy: null,
      closedAt: null,
      closeReason: null,
    });
    const again = await raise();
    expectError(again, 409, 'HAND_ALREADY_RAISED');
    expect(again.body.details).toEqual({ handId: hand.id });

    const took = ok(await f.proctor.post(`/api/hands/${hand.id}/take`));
    expect(took).toMatchObject({ takenBy: { id: f.proctor.userId }, closedAt: null });
    // Taking it again changes nothing; another proctor is told who has it.
    expect(ok(await f.proctor.post(`/api/hands/${hand.id}/take`, {})).takenAt).toBe(took.takenAt);
    const taken = await f.admin.post(`/api/hands/${hand.id}/take`, {});
    expectError(taken, 409, 'HAND_TAKEN');
    expect(taken.body.details.takenBy).toEqual({ id: f.proctor.userId, name: expect.any(String) });
    expect(taken.body.message).toContain(taken.body.details.takenBy.name);
    const over = ok(await f.admin.post(`/api/hands/${hand.id}/take`, { takeOver: true }));
    expect(over.takenBy?.id).toBe(f.admin.userId);

    const resolved = ok(await f.admin.post(`/api/hands/${hand.id}/resolve`, {}));
    expect(resolved).toMatchObject({ closeReason: 'resolved', closedBy: { id: f.admin.userId } });
    expectError(await f.proctor.post(`/api/hands/${hand.id}/resolve`), 409, 'HAND_CLOSED');
    expectError(await f.proctor.post(`/api/hands/${hand.id}/take`), 409, 'HAND_CLOSED');
    expectError(await f.student.post(`/api/hands/${hand.id}/lower`), 409, 'HAND_CLOSED');

    // A new hand, lowered by the student; nobody else may lower it.
    const second = ok(await raise(), 201);
    expect(second.message).toBeNull();
    const stranger = await server.signedIn('student');
    expectError(await stranger.post(`/api/hands/${second.id}/lower`), 404, 'NOT_FOUND');
    const lowered = ok(await f.student.post(`/api/hands/${second.id}/lower`, {}));
    expect(lowered).toMatchObject({ closeReason: 'lowered', closedBy: { id: f.student.userId } });
    expectError(await f.proctor.post(`/api/hands/${second.id}/take`), 409, 'HAND_CLOSED');

    // The student's page heard every step of both hands, in order.
    const steps = (id: string) =>
      socket.messages.flatMap((m) =>
        m.topic === 'hand' && m.data.id === id
          ? [`${m.data.takenBy?.id ?? '-'} ${m.data.closeReason ?? 'open'}`]
          : [],
      );
    await socket.waitFor((m) => m.topic === 'hand' && m.data.closeReason === 'lowered');
    expect(steps(hand.id)).toEqual([
      '- open',
      `${f.proctor.userId} open`,
      `${f.admin.userId} open`,
      `${f.admin.userId} resolved`,
    ]);
    expect(steps(second.id)).toEqual(['- open', '- lowered']);
    await socket.close();

    const audit = await auditOf(f.examId);
    expect(audit.map((a) => [a.action, a.actorId])).toEqual([
      ['hand.raise', f.student.userId],
      ['hand.take', f.proctor.userId],
      ['hand.take', f.admin.userId],
      ['hand.resolve', f.admin.userId],
      ['hand.raise', f.student.userId],
      ['hand.lower', f.student.userId],
    ]);
    expect(audit[2]?.data).toMatchObject({ takeOver: true, previous: f.proctor.userId });

    const listed = await f.instructor.get(`/api/sessions/${f.sessionId}/hands`);
    expect(listed.body.map((h: HelpRequest) => h.id)).toEqual([hand.id, second.id]);
  });

  it('is for the student’s own running attempt, when the policy allows it', async () => {
    const f = await recordingFixture(server, buildExam({}, server.clock.now().getTime()));
    const raise = () => f.student.post(`/api/sessions/${f.sessionId}/hand`, {});
    expectError(await raise(), 409, 'SESSION_NOT_ACTIVE');
    expect((await f.move(f.student, 'checking_in')).status).toBe(200);
    // Stuck at check-in is a good reason to ask for help.
    const hand = ok(await raise(), 201);
    expectError(await f.proctor.post(`/api/sessions/${f.sessionId}/hand`, {}), 403, 'FORBIDDEN');
    const other = await server.signedIn('proctor');
    expectError(await other.post(`/api/hands/${hand.id}/take`), 404, 'NOT_FOUND');
    expectError(await f.instructor.post(`/api/hands/${hand.id}/take`), 403, 'FORBIDDEN');
    expectError(
      await f.student.post(`/api/sessions/${f.sessionId}/hand`, { message: 'x'.repeat(281) }),
      400,
      'VALIDATION_FAILED',
    );
    expectError(
      await f.proctor.post(`/api/hands/${hand.id}/take`, { takeOver: 'yes' }),
      400,
      'VALIDATION_FAILED',
    );
    expectError(
      await f.proctor.post(`/api/hands/${hand.id}/resolve`, { note: 'x' }),
      400,
      'VALIDATION_FAILED',
    );

    const g = await inProgress(server, { raiseHand: false });
    expectError(await g.student.post(`/api/sessions/${g.sessionId}/hand`), 409, 'HAND_DISABLED');
  });

  it('shows open and recently closed hands on the dashboard', async () => {
    const f = await inProgress(server);
    const g = await inProgress(server);
    const live = async () =>
      (await f.proctor.get(`/api/exams/${f.examId}/live`)).body as LiveExamSnapshot;
    expect((await live()).helpRequests).toEqual([]);
    const hand = ok(await f.student.post(`/api/sessions/${f.sessionId}/hand`, {}), 201);
    ok(await g.student.post(`/api/sessions/${g.sessionId}/hand`, {}), 201); // another exam
    ok(await f.proctor.post(`/api/hands/${hand.id}/take`));
    const open = (await live()).helpRequests;
    expect(open).toHaveLength(1);
    expect(open[0]).toMatchObject({ id: hand.id, takenBy: { id: f.proctor.userId } });
    ok(await f.proctor.post(`/api/hands/${hand.id}/resolve`));
    expect((await live()).helpRequests.map((h) => h.closeReason)).toEqual(['resolved']);
    server.clock.advance(61 * MINUTE);
    expect((await live()).helpRequests).toEqual([]);
  });

  it('closes an open hand when the attempt ends, however it ends', async () => {
    // Submitted by the student.
    const f = await inProgress(server);
    const hand = ok(await f.student.post(`/api/sessions/${f.sessionId}/hand`, {}), 201);
    expect((await f.move(f.student, 'submitted')).status).toBe(200);
    const [closed] = (await f.admin.get(`/api/sessions/${f.sessionId}/hands`)).body;
    expect(closed).toMatchObject({ id: hand.id, closeReason: 'session_ended', closedBy: null });
    const audit = await auditOf(f.examId);
    expect(audit.map((a) => [a.action, a.actorId])).toEqual([
      ['hand.raise', f.student.userId],
      ['hand.close', null],
    ]);

    // Terminated by a proctor.
    const g = await inProgress(server);
    ok(await g.student.post(`/api/sessions/${g.sessionId}/hand`, {}), 201);
    const ended = await g.proctor.post(`/api/sessions/${g.sessionId}/interventions`, {
      kind: 'terminate',
      message: 'Second person in the room',
    });
    expect(ended.status).toBe(201);
    expect((await g.admin.get(`/api/sessions/${g.sessionId}/hands`)).body[0].closeReason).toBe(
      'session_ended',
    );

    // Out of time: the first request after the deadline submits the attempt.
    const h = await inProgress(server);
    const socket = await connectLive(server.url, h.proctor, `examId=${h.examId}`);
    await socket.untilReady();
    const late = ok(await h.student.post(`/api/sessions/${h.sessionId}/hand`, {}), 201);
    server.clock.advance(91 * MINUTE);
    expect((await h.student.get(`/api/sessions/${h.sessionId}`)).body.state).toBe('submitted');
    const heard = await socket.waitFor(
      (m) => m.topic === 'hand' && m.data.id === late.id && m.data.closedAt !== null,
    );
    expect(heard.topic === 'hand' && heard.data.closeReason).toBe('session_ended');
    await socket.close();
  });

  it('limits how fast a student raises and lowers: 429 HAND_RATE_LIMITED with retry-after', async () => {
    const f = await inProgress(server);
    // The default allows ten per 30 s: five raise + lower pairs use it up.
    for (let i = 0; i < 5; i++) {
      const hand = ok(await f.student.post(`/api/sessions/${f.sessionId}/hand`, {}), 201);
      ok(await f.student.post(`/api/hands/${hand.id}/lower`, {}));
    }
    const refused = await f.student.post(`/api/sessions/${f.sessionId}/hand`, {});
    expectError(refused, 429, 'HAND_RATE_LIMITED');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(refused.body.message).toContain('hand');
    // Chat has its own allowance; the window passes.
    expect((await f.student.post(`/api/sessions/${f.sessionId}/chat`, { body: 'Hi' })).status).toBe(
      201,
    );
    server.clock.advance(31_000);
    ok(await f.student.post(`/api/sessions/${f.sessionId}/hand`, {}), 201);
  });

  it('keeps chat, announcements and hands in the review and the report, escaped in HTML', async () => {
    const f = await recordingFixture(server, buildExam({}, server.clock.now().getTime()));
    const before = await f.proctor.post(`/api/exams/${f.examId}/announcements`, {
      body: 'Doors open at nine',
    });
    expect(before.status).toBe(201);
    expect((await f.move(f.student, 'checking_in')).status).toBe(200);
    await completeCheckIn(f.student, f.sessionId, { takenMs: server.clock.now().getTime() });
    expect((await f.move(f.student, 'in_progress')).status).toBe(200);
    server.clock.advance(1000);

    const post = (c: typeof f.student, body: string) =>
      c.post(`/api/sessions/${f.sessionId}/chat`, { body });
    const tricky = '<script>alert("x")</script> & <b>bold</b>';
    const mine = (await post(f.student, tricky)).body as ChatMessage;
    const reply = (await post(f.proctor, 'Please keep to plain text')).body as ChatMessage;
    const during = (
      await f.admin.post(`/api/exams/${f.examId}/announcements`, { body: 'Half time' })
    ).body as ChatMessage;
    const hand = ok(
      await f.student.post(`/api/sessions/${f.sessionId}/hand`, { message: '<i>help</i>' }),
      201,
    );
    ok(await f.proctor.post(`/api/hands/${hand.id}/take`));
    ok(await f.proctor.post(`/api/hands/${hand.id}/resolve`));
    expect((await f.move(f.student, 'submitted')).status).toBe(200);

    // The student's thread has every announcement; the record only those during the attempt.
    const threadIds = (await f.student.get(`/api/sessions/${f.sessionId}/chat`)).body.messages.map(
      (m: ChatMessage) => m.id,
    );
    expect(threadIds).toEqual([before.body.id, mine.id, reply.id, during.id]);

    const review = (await f.instructor.get(`/api/sessions/${f.sessionId}/review`))
      .body as SessionReview;
    expect(review.chat?.map((m) => m.id)).toEqual([mine.id, reply.id, during.id]);
    expect(review.chat?.[0]?.body).toBe(tricky);
    expect(review.helpRequests).toEqual([
      expect.objectContaining({ id: hand.id, closeReason: 'resolved', message: '<i>help</i>' }),
    ]);

    const report = (await f.admin.get(`/api/sessions/${f.sessionId}/report`)).body as SessionReport;
    expect(report.chat?.map((m) => m.id)).toEqual([mine.id, reply.id, during.id]);
    expect(report.helpRequests?.map((h) => h.id)).toEqual([hand.id]);

    const html = await f.admin.get(`/api/sessions/${f.sessionId}/report.html`);
    expect(html.status).toBe(200);
    const text = html.body as string;
    expect(text).toContain(
      '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;',
    );
    expect(text).toContain('&lt;i&gt;help&lt;/i&gt;');
    expect(text).not.toContain('<script>');
    expect(text).not.toContain('<i>help');
    expect(text).toContain('Half time');
    expect(text).toContain('Resolved by');
    expect(text).not.toContain('Doors open at nine');
  });
});

describe.each(requestEngines())('the raised-hand sweep on %s', (engine) => {
  let server: TestServer;
  beforeAll(async () => {
    // The sweep runs at the deadline sweeper's interval.
    server = await startTestServer(engine, { deadlineSweepMs: 200 });
  });
  afterAll(async () => server?.close());

  it('closes a hand left open by an end whose process stopped before closing it', async () => {
    const f = await inProgress(server);
    const raised = await f.student.post(`/api/sessions/${f.sessionId}/hand`, {});
    expect(raised.status).toBe(201);
    // The end commits but nothing after it runs (as if the process died there).
    await server.instance.database.db
      .update(examSessions)
      .set({ state: 'terminated', endedAt: server.clock.now() })
      .where(eq(examSessions.id, f.sessionId));
    const started = Date.now();
    const closed = await eventually(async () => {
      const [hand] = (await f.admin.get(`/api/sessions/${f.sessionId}/hands`))
        .body as HelpRequest[];
      expect(hand?.closeReason).toBe('session_ended');
      return hand;
    });
    console.log(`hand sweep closed the hand after ${Date.now() - started} ms`);
    expect(closed).toMatchObject({ id: raised.body.id, closedBy: null });
    const audit = await server.instance.database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.examId, f.examId), like(auditLog.action, 'hand.%')))
      .orderBy(asc(auditLog.id));
    expect(audit.map((a) => [a.action, a.actorId])).toEqual([
      ['hand.raise', f.student.userId],
      ['hand.close', null],
    ]);
  });
});
