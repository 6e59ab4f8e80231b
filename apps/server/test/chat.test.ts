import { and, asc, eq, like } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CHAT_MAX_LENGTH,
  type ChatMessage,
  type ChatThread,
  type LiveExamSnapshot,
  type LiveMessage,
} from '@invigil/contracts';
import { auditLog } from '../src/db/schema.js';
import { inProgress } from './helpers/check-in.js';
import type { HttpClient, TestResponse } from './helpers/http-client.js';
import { connectLive } from './helpers/live-socket.js';
import { expectError } from './helpers/matrix-errors.js';
import { recordingFixture } from './helpers/recording.js';
import { buildExam } from './helpers/factories.js';
import { registerAndCheckIn } from './helpers/sessions.js';
import { requestEngines, startTestServer, type TestServer } from './helpers/test-server.js';

/** Messages per user per window in these tests (the default is 10 per 30 s). */
const LIMIT = 5;

describe.each(requestEngines())('chat and announcements on %s', (engine) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(engine, { chatRateLimit: { max: LIMIT, windowMs: 30_000 } });
  });
  afterAll(async () => server?.close());

  const chat = (c: HttpClient, sessionId: string, body: unknown) =>
    c.post(`/api/sessions/${sessionId}/chat`, body);
  const announce = (c: HttpClient, examId: string, body: unknown) =>
    c.post(`/api/exams/${examId}/announcements`, body);
  const thread = async (c: HttpClient, sessionId: string): Promise<ChatThread> => {
    const res = await c.get(`/api/sessions/${sessionId}/chat`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body as ChatThread;
  };
  const created = (res: TestResponse): ChatMessage => {
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body as ChatMessage;
  };

  it('lets each role read and write only what it may, on its own exam and another', async () => {
    const f = await inProgress(server);
    const otherStudent = await server.signedIn('student');
    expect((await otherStudent.post(`/api/exams/${f.examId}/registrations`)).status).toBe(201);
    const other = await recordingFixture(server, buildExam({}, server.clock.now().getTime()));
    const callers: [string, HttpClient][] = [
      ['student (own session)', f.student],
      ['student (other session)', otherStudent],
      ['assigned proctor', f.proctor],
      ['proctor of another exam', other.proctor],
      ['assigned instructor', f.instructor],
      ['instructor of another exam', other.instructor],
      ['admin', f.admin],
    ];
    const s = `/api/sessions/${f.sessionId}`;
    const e = `/api/exams/${f.examId}`;
    // Expected status per caller, in the order above.
    const cases: [string, (c: HttpClient) => Promise<TestResponse>, number[]][] = [
      ['GET chat', (c) => c.get(`${s}/chat`), [200, 404, 200, 404, 200, 404, 200]],
      [
        'POST chat',
        (c) => chat(c, f.sessionId, { body: 'Hi' }),
        [201, 404, 201, 404, 403, 403, 201],
      ],
      [
        'POST read',
        (c) => c.post(`${s}/chat/read`, { seq: 0 }),
        [200, 404, 200, 404, 403, 403, 200],
      ],
      [
        'GET announcements',
        (c) => c.get(`${e}/announcements`),
        [403, 403, 200, 404, 200, 404, 200],
      ],
      [
        'POST announcement',
        (c) => announce(c, f.examId, { body: 'Note' }),
        [403, 403, 201, 404, 403, 403, 201],
      ],
    ];
    const seen: string[] = [];
    const wanted: string[] = [];
    for (const [what, call, statuses] of cases) {
      for (const [i, [who, client]] of callers.entries()) {
        const res = await call(client);
        seen.push(`${what} as ${who}: ${res.status} ${res.status >= 400 ? res.body.code : ''}`);
        const status = statuses[i] ?? 0;
        const code = status === 403 ? 'FORBIDDEN' : status === 404 ? 'NOT_FOUND' : '';
        wanted.push(`${what} as ${who}: ${status} ${code}`);
      }
    }
    expect(seen).toEqual(wanted);
  });

  it('validates bodies through the contract (400 with a code, nothing stored)', async () => {
    const f = await inProgress(server);
    const bad: unknown[] = [
      {},
      { body: '' },
      { body: '   \n ' },
      { body: 'x'.repeat(CHAT_MAX_LENGTH + 1) },
      { body: 'ok', extra: true },
      { body: 5 },
      { body: null },
      ['not', 'an', 'object'],
    ];
    for (const body of bad) {
      expectError(await chat(f.student, f.sessionId, body), 400, 'VALIDATION_FAILED');
      expectError(await announce(f.proctor, f.examId, body), 400, 'VALIDATION_FAILED');
    }
    for (const seq of [-1, 1.5, 'x', null]) {
      expectError(
        await f.student.post(`/api/sessions/${f.sessionId}/chat/read`, { seq }),
        400,
        'VALIDATION_FAILED',
      );
    }
    expect((await thread(f.admin, f.sessionId)).messages).toEqual([]);
    // The longest allowed message is kept whole; surrounding spaces are trimmed.
    const longest = created(
      await chat(f.student, f.sessionId, { body: 'y'.repeat(CHAT_MAX_LENGTH) }),
    );
    expect(longest.body).toHaveLength(CHAT_MAX_LENGTH);
    const trimmed = created(
      await chat(f.student, f.sessionId, { body: '  <b>plain</b> & text \n' }),
    );
    expect(trimmed.body).toBe('<b>plain</b> & text');
  });

  it('orders a thread by seq: messages of the session and the exam’s announcements', async () => {
    const f = await inProgress(server);
    const neighbour = await server.signedIn('student');
    const reg = await neighbour.post(`/api/exams/${f.examId}/registrations`);
    const neighbourSession = reg.body.sessionId as string;

    const first = created(await chat(f.student, f.sessionId, { body: 'Is question 3 right?' }));
    const reply = created(await chat(f.proctor, f.sessionId, { body: 'Checking' }));
    const note = created(await announce(f.proctor, f.examId, { body: 'Q3: read 4 for 3' }));
    const thanks = created(await chat(f.student, f.sessionId, { body: 'Thanks' }));
    expect(first).toMatchObject({
      sessionId: f.sessionId,
      examId: f.examId,
      kind: 'message',
      from: 'student',
      author: { id: f.student.userId },
    });
    expect(reply).toMatchObject({ from: 'staff', author: { id: f.proctor.userId } });
    expect(note).toMatchObject({ sessionId: null, kind: 'announcement', from: 'staff' });
    const seqs = [first, reply, note, thanks].map((m) => m.seq);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);

    for (const reader of [f.student, f.proctor, f.instructor, f.admin]) {
      const t = await thread(reader, f.sessionId);
      expect(t.messages.map((m) => m.id)).toEqual([first.id, reply.id, note.id, thanks.id]);
    }
    // Another student of the exam sees the announcement, none of this session's messages.
    expect((await thread(neighbour, neighbourSession)).messages.map((m) => m.id)).toEqual([
      note.id,
    ]);
    const listed = await f.instructor.get(`/api/exams/${f.examId}/announcements`);
    expect(listed.body.map((m: ChatMessage) => m.id)).toEqual([note.id]);

    // Read marks: staff have two student messages waiting; the student a reply and a note.
    expect(await thread(f.proctor, f.sessionId)).toMatchObject({ readUpTo: 0, unread: 2 });
    expect(await thread(f.student, f.sessionId)).toMatchObject({ readUpTo: 0, unread: 2 });
    const read = await f.proctor.post(`/api/sessions/${f.sessionId}/chat/read`, {
      seq: first.seq,
    });
    expect(read.body).toEqual({ sessionId: f.sessionId, readUpTo: first.seq, unread: 1 });
    // The staff mark is shared: the admin sees what the proctor read.
    expect(await thread(f.admin, f.sessionId)).toMatchObject({ readUpTo: first.seq, unread: 1 });
    // Never backwards, never beyond the newest message.
    const back = await f.admin.post(`/api/sessions/${f.sessionId}/chat/read`, { seq: 0 });
    expect(back.body.readUpTo).toBe(first.seq);
    const beyond = await f.student.post(`/api/sessions/${f.sessionId}/chat/read`, {
      seq: thanks.seq + 1000,
    });
    expect(beyond.body).toEqual({ sessionId: f.sessionId, readUpTo: thanks.seq, unread: 0 });
  });

  it('lets the student write only while the attempt runs and chat is allowed; staff until it ends', async () => {
    const f = await recordingFixture(server, buildExam({}, server.clock.now().getTime()));
    expectError(await chat(f.student, f.sessionId, { body: 'Early' }), 409, 'SESSION_NOT_ACTIVE');
    created(await chat(f.proctor, f.sessionId, { body: 'Welcome, start when ready' }));
    expect((await f.move(f.student, 'checking_in')).status).toBe(200);
    expectError(
      await chat(f.student, f.sessionId, { body: 'Check-in' }),
      409,
      'SESSION_NOT_ACTIVE',
    );

    const g = await inProgress(server);
    created(await chat(g.student, g.sessionId, { body: 'Running' }));
    expect(
      (await g.proctor.post(`/api/sessions/${g.sessionId}/interventions`, { kind: 'pause' }))
        .status,
    ).toBe(201);
    created(await chat(g.student, g.sessionId, { body: 'Paused, why?' }));
    created(await chat(g.proctor, g.sessionId, { body: 'Checking your camera' }));
    expect(
      (await g.proctor.post(`/api/sessions/${g.sessionId}/interventions`, { kind: 'resume' }))
        .status,
    ).toBe(201);
    expect((await g.move(g.student, 'submitted')).status).toBe(200);
    expectError(await chat(g.student, g.sessionId, { body: 'After' }), 409, 'SESSION_NOT_ACTIVE');
    expectError(await chat(g.proctor, g.sessionId, { body: 'After' }), 409, 'SESSION_NOT_ACTIVE');
    // The record stays readable.
    expect((await thread(g.student, g.sessionId)).messages).toHaveLength(3);

    const h = await inProgress(server, { chat: false });
    const refused = await chat(h.student, h.sessionId, { body: 'Hello?' });
    expectError(refused, 409, 'CHAT_DISABLED');
    // Staff may still write, and announcements still reach the student.
    created(await chat(h.proctor, h.sessionId, { body: 'Chat is off; raise your hand' }));
    created(await announce(h.proctor, h.examId, { body: 'Ten minutes left' }));
    expect((await thread(h.student, h.sessionId)).messages).toHaveLength(2);
  });

  it('audits staff messages and announcements, not the student’s', async () => {
    const f = await inProgress(server);
    const mine = created(await chat(f.student, f.sessionId, { body: 'Hello' }));
    const reply = created(await chat(f.proctor, f.sessionId, { body: 'Hello back' }));
    const note = created(await announce(f.admin, f.examId, { body: 'Room 2 is quiet now' }));
    const rows = await server.instance.database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.examId, f.examId), like(auditLog.action, 'chat.%')))
      .orderBy(asc(auditLog.id));
    expect(rows.map((r) => [r.action, r.actorId])).toEqual([
      ['chat.message', f.proctor.userId],
      ['chat.announcement', f.admin.userId],
    ]);
    expect(rows[0]?.data).toMatchObject({ messageId: reply.id, actingAs: 'proctor' });
    expect(rows[1]?.data).toMatchObject({
      messageId: note.id,
      body: 'Room 2 is quiet now',
      sessions: 1,
      actingAs: 'admin',
    });
    expect(JSON.stringify(rows)).not.toContain(mine.id);
  });

  it('limits how fast one user sends: 429 CHAT_RATE_LIMITED with retry-after', async () => {
    const f = await inProgress(server);
    for (let i = 0; i < LIMIT - 1; i++)
      created(await chat(f.proctor, f.sessionId, { body: `#${i}` }));
    created(await announce(f.proctor, f.examId, { body: 'Counted too' }));
    const refused = await chat(f.proctor, f.sessionId, { body: 'One too many' });
    expectError(refused, 429, 'CHAT_RATE_LIMITED');
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(refused.body.details).toMatchObject({ limit: LIMIT, windowSeconds: 30 });
    expectError(
      await announce(f.proctor, f.examId, { body: 'Also refused' }),
      429,
      'CHAT_RATE_LIMITED',
    );
    // Others are not affected, and the window passes.
    created(await chat(f.student, f.sessionId, { body: 'Mine still goes' }));
    server.clock.advance(31_000);
    created(await chat(f.proctor, f.sessionId, { body: 'Later' }));
    expect((await thread(f.admin, f.sessionId)).messages).toHaveLength(LIMIT + 2);
  });

  it('replays missed messages to the student’s socket after a reconnect; staff hear unread counts', async () => {
    const f = await inProgress(server);
    const path = `sessionId=${f.sessionId}`;
    const first = await connectLive(server.url, f.student, path);
    const { cursor } = await first.untilReady();
    await first.close();

    // While the student is away: a reply and an announcement.
    const reply = created(await chat(f.proctor, f.sessionId, { body: 'Are you there?' }));
    const note = created(await announce(f.proctor, f.examId, { body: 'Fifteen minutes left' }));

    const again = await connectLive(server.url, f.student, `${path}&since=${cursor}`);
    const { before } = await again.untilReady();
    const replayed = before.filter(
      (m): m is Extract<LiveMessage, { topic: 'chat.message' }> => m.topic === 'chat.message',
    );
    expect(replayed.map((m) => m.data.id)).toEqual([reply.id, note.id]);
    expect(replayed.map((m) => m.data.kind)).toEqual(['message', 'announcement']);
    expect(replayed[1]?.data).toEqual(note);
    // Student positions follow on from the cursor without holes.
    expect(replayed.map((m) => m.id)).toEqual([cursor + 1, cursor + 2]);

    const staff = await connectLive(server.url, f.proctor, `examId=${f.examId}`);
    await staff.untilReady();
    const mine = created(await chat(f.student, f.sessionId, { body: 'Yes, sorry' }));
    await again.waitFor((m) => m.topic === 'chat.message' && m.data.id === mine.id);
    const unread = await staff.waitFor(
      (m) => m.topic === 'chat.unread' && m.data.sessionId === f.sessionId && m.data.unread === 1,
    );
    expect(unread.id).toBe(0); // transient: the snapshot carries it anyway
    await f.proctor.post(`/api/sessions/${f.sessionId}/chat/read`, { seq: mine.seq });
    await staff.waitFor(
      (m) => m.topic === 'chat.unread' && m.data.sessionId === f.sessionId && m.data.unread === 0,
    );
    // Students never hear staff-only unread counts.
    expect(again.messages.some((m) => m.topic === 'chat.unread')).toBe(false);
    await Promise.all([again.close(), staff.close()]);
  });

  it('sends an announcement once to staff sockets and once to each running student, replay too', async () => {
    const f = await inProgress(server);
    const other = await server.signedIn('student');
    const { sessionId: otherSession } = await registerAndCheckIn(other, f.examId);
    const staff = await connectLive(server.url, f.proctor, `examId=${f.examId}`);
    const { cursor: staffCursor } = await staff.untilReady();
    const students = await Promise.all([
      connectLive(server.url, f.student, `sessionId=${f.sessionId}`),
      connectLive(server.url, other, `sessionId=${otherSession}`),
    ]);
    await Promise.all(students.map((s) => s.untilReady()));

    const note = created(await announce(f.admin, f.examId, { body: 'Ten minutes left' }));
    const isNote = (m: LiveMessage) => m.topic === 'chat.message' && m.data.id === note.id;
    for (const s of students) await s.waitFor(isNote);
    await staff.waitFor(isNote);
    // A marker sent after it: once the staff socket has it, every copy would have arrived.
    const marker = created(await chat(f.proctor, f.sessionId, { body: 'After the note' }));
    await staff.waitFor((m) => m.topic === 'chat.message' && m.data.id === marker.id);
    const staffCopies = staff.messages.filter(isNote);
    expect(staffCopies).toHaveLength(1);
    expect(staffCopies[0]?.sessionId).toBeNull();
    await students[0]?.waitFor((m) => m.topic === 'chat.message' && m.data.id === marker.id);
    for (const s of students) expect(s.messages.filter(isNote)).toHaveLength(1);

    // A staff socket resuming from before the announcement gets one copy too.
    const resumed = await connectLive(
      server.url,
      f.admin,
      `examId=${f.examId}&since=${staffCursor}`,
    );
    const { before } = await resumed.untilReady();
    expect(before.filter(isNote)).toHaveLength(1);
    await Promise.all([staff.close(), resumed.close(), ...students.map((s) => s.close())]);
  });

  it('reaches the exam’s dashboards even when no attempt is running', async () => {
    const f = await recordingFixture(server, buildExam({}, server.clock.now().getTime()));
    const staff = await connectLive(server.url, f.proctor, `examId=${f.examId}`);
    await staff.untilReady();
    const note = created(await announce(f.admin, f.examId, { body: 'Starts at nine' }));
    await staff.waitFor((m) => m.topic === 'chat.message' && m.data.id === note.id);
    await staff.close();
  });

  it('shows unread student messages on the dashboard tile', async () => {
    const f = await inProgress(server);
    const tile = async () => {
      const res = await f.proctor.get(`/api/exams/${f.examId}/live`);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      const snapshot = res.body as LiveExamSnapshot;
      return snapshot.sessions.find((s) => s.session.id === f.sessionId)?.unreadChat;
    };
    expect(await tile()).toBe(0);
    created(await chat(f.student, f.sessionId, { body: 'One' }));
    const two = created(await chat(f.student, f.sessionId, { body: 'Two' }));
    created(await chat(f.proctor, f.sessionId, { body: 'Staff messages do not count' }));
    expect(await tile()).toBe(2);
    await f.proctor.post(`/api/sessions/${f.sessionId}/chat/read`, { seq: two.seq });
    expect(await tile()).toBe(0);
    created(await chat(f.student, f.sessionId, { body: 'Three' }));
    expect(await tile()).toBe(1);
  });
});
