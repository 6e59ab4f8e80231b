import { lt } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LiveExamSnapshot, type LiveMessage } from '@invigil/contracts';
import { liveMessages } from '../src/db/schema.js';
import { buildExam } from './helpers/factories.js';
import type { HttpClient } from './helpers/http-client.js';
import { expectError } from './helpers/matrix-errors.js';
import { engines, startTestServer, type TestServer } from './helpers/test-server.js';
import { connectLive, type LiveRefusal, type LiveSocket } from './helpers/live-socket.js';
import { registerAndCheckIn } from './helpers/sessions.js';
import { completeCheckIn } from './helpers/check-in.js';
import { jpegBytes } from './helpers/media-bytes.js';
import { putSnapshot } from './helpers/recording.js';

type Client = HttpClient & { userId: string; email: string };

describe.each(engines())('live gateway on %s', (engine) => {
  let server: TestServer;
  let admin: Client;
  let proctorA: Client;
  let proctorA2: Client;
  let proctorB: Client;
  let instructorA: Client;
  let examA: string;
  let examB: string;

  beforeAll(async () => {
    server = await startTestServer(engine);
    admin = await server.signedIn('admin', 'Ada Admin');
    proctorA = await server.signedIn('proctor', 'Pat Proctor');
    proctorA2 = await server.signedIn('proctor', 'Quinn Proctor');
    proctorB = await server.signedIn('proctor', 'Bo Proctor');
    instructorA = await server.signedIn('instructor', 'Ines Instructor');
    examA = await newExam('Exam A', [proctorA, proctorA2], instructorA);
    examB = await newExam('Exam B', [proctorB]);
  });
  afterAll(async () => server?.close());

  async function newExam(title: string, proctors: Client[], instructor?: Client) {
    const res = await admin.post('/api/exams', buildExam({ title }, server.clock.now().getTime()));
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    for (const p of proctors) {
      await admin.put(`/api/exams/${res.body.id}/staff/${p.userId}`, { role: 'proctor' });
    }
    if (instructor) {
      await admin.put(`/api/exams/${res.body.id}/staff/${instructor.userId}`, {
        role: 'instructor',
      });
    }
    return res.body.id as string;
  }

  /** A new student registered on `examId`, checking in, able to send detector events. */
  async function studentOn(examId: string, name?: string) {
    const student = await server.signedIn('student', name);
    const { sessionId } = await registerAndCheckIn(student, examId);
    let seq = 0;
    /** No face for 8 s already: the batch itself raises a no_face flag. */
    const noFace = async () => {
      const res = await student.post(`/api/sessions/${sessionId}/events`, {
        events: [
          {
            seq: seq++,
            type: 'detect.state',
            at: Date.now() - 8000,
            data: { detector: 'no_face', active: true, confidence: 0.9, model: 'test-model' },
          },
        ],
      });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
    };
    return { student, sessionId, noFace };
  }

  /** Open a socket as `client` (its cookie), or learn how the upgrade was refused. */
  const connect = (client: HttpClient | null, query: string, origin?: string) =>
    connectLive(server.url, client, query, origin ? { origin } : {});

  /** The refusal of an upgrade that must fail. */
  async function refused(promise: Promise<LiveSocket>): Promise<LiveRefusal> {
    try {
      const socket = await promise;
      await socket.close();
    } catch (error) {
      return error as LiveRefusal;
    }
    throw new Error('the upgrade was accepted');
  }

  const ready = (m: LiveMessage) => m.topic === 'ready';

  describe('before the upgrade', () => {
    it('refuses anonymous callers with 401 JSON', async () => {
      const r = await refused(connect(null, `examId=${examA}`));
      expect(r).toMatchObject({ status: 401, body: { code: 'UNAUTHENTICATED' } });
    });

    it('refuses a cross-site Origin with 403 and accepts our own', async () => {
      const r = await refused(connect(proctorA, `examId=${examA}`, 'https://evil.example'));
      expect(r).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });
      const same = await connect(proctorA, `examId=${examA}`, server.url);
      await same.waitFor(ready);
      await same.close();
    });

    it('refuses the wrong scope: another exam (404), a student on an exam (403), a bad query (400)', async () => {
      const other = await refused(connect(proctorA, `examId=${examB}`));
      // Like every exam read: an unassigned exam is indistinguishable from a missing one.
      expect(other).toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } });
      const { student, sessionId } = await studentOn(examA);
      expect(await refused(connect(student, `examId=${examA}`))).toMatchObject({ status: 403 });
      expect(await refused(connect(proctorA, `sessionId=${sessionId}`))).toMatchObject({
        status: 403,
      });
      const stranger = await server.signedIn('student');
      expect(await refused(connect(stranger, `sessionId=${sessionId}`))).toMatchObject({
        status: 404,
      });
      for (const q of ['', `examId=${examA}&sessionId=${sessionId}`, `examId=${examA}&since=-1`]) {
        expect(await refused(connect(proctorA, q)), q).toMatchObject({
          status: 400,
          body: { code: 'VALIDATION_FAILED' },
        });
      }
    });

    it('answers a plain GET that does not upgrade with 426', async () => {
      expectError(await proctorA.get(`/api/live?examId=${examA}`), 426, 'UPGRADE_REQUIRED');
    });
  });

  it('a proctor of exam A receives A’s flags as alerts and nothing of exam B', async () => {
    const socket = await connect(proctorA, `examId=${examA}`);
    await socket.waitFor(ready);
    const onB = await studentOn(examB);
    await onB.noFace();
    const onA = await studentOn(examA, 'Alex Student');
    await onA.noFace();
    const created = await socket.waitFor(
      (m) => m.topic === 'flag.created' && m.sessionId === onA.sessionId,
    );
    if (created.topic !== 'flag.created') throw new Error('narrowing');
    expect(created.data.flag).toMatchObject({ type: 'no_face', sessionId: onA.sessionId });
    expect(created.data.student).toEqual({ id: onA.student.userId, name: 'Alex Student' });
    expect(created.data.handling).toMatchObject({ acknowledgedBy: null, assignedTo: null });
    await socket.waitFor((m) => m.topic === 'session.risk' && m.sessionId === onA.sessionId);
    // B's flag was raised first: had it leaked, it would have arrived before A's.
    expect(socket.messages.filter((m) => m.examId === examB)).toEqual([]);
    expect(socket.messages.every((m) => m.examId === examA)).toBe(true);
    await socket.close();
  });

  it('a student hears their own session’s state changes, never flags, risk or health', async () => {
    const { student, sessionId, noFace } = await studentOn(examA);
    const staff = await connect(proctorA, `examId=${examA}`);
    await staff.waitFor(ready);
    const own = await connect(student, `sessionId=${sessionId}`);
    await own.waitFor(ready);
    // Staff see the page connect.
    const health = await staff.waitFor(
      (m) => m.topic === 'session.health' && m.sessionId === sessionId,
    );
    expect(health.data).toMatchObject({ sessionId, connected: true });
    // A new webcam snapshot is named at once, so the dashboard's thumbnail follows.
    const snap = await putSnapshot(student, sessionId, 'webcam', 3, jpegBytes('live thumbnail'));
    expect(snap.status, JSON.stringify(snap.body)).toBe(201);
    const thumb = await staff.waitFor(
      (m) =>
        m.topic === 'session.health' && m.sessionId === sessionId && m.data.latest !== undefined,
    );
    expect(thumb).toMatchObject({ id: 0, data: { latest: { webcam: { seq: 3 } } } });

    await noFace();
    await staff.waitFor((m) => m.topic === 'flag.created' && m.sessionId === sessionId);
    expect((await student.post(`/api/sessions/${sessionId}/consent`)).status).toBe(200);
    await completeCheckIn(student, sessionId, { eventSeq: 100 });
    expect(
      (await student.post(`/api/sessions/${sessionId}/transitions`, { to: 'in_progress' })).status,
    ).toBe(200);
    const paused = await proctorA.post(`/api/sessions/${sessionId}/transitions`, { to: 'paused' });
    expect(paused.status, JSON.stringify(paused.body)).toBe(200);
    const state = await own.waitFor(
      (m) => m.topic === 'session.state' && m.data.state === 'paused',
    );
    expect(state).toMatchObject({ sessionId, examId: examA });
    await staff.waitFor((m) => m.topic === 'session.state' && m.data.state === 'paused');
    // Heartbeats (every 15 s) may fall in a slow run; anything else would be a leak.
    expect(
      own.messages.map((m) => m.topic).filter((t) => t !== 'session.state' && t !== 'heartbeat'),
    ).toEqual(['ready']);

    await own.close();
    const gone = await staff.waitFor(
      (m) => m.topic === 'session.health' && m.sessionId === sessionId && !m.data.connected,
    );
    expect(gone.data).toMatchObject({ connected: false, lastSeenAt: expect.any(String) });
    await staff.close();
  });

  it('replays exactly what was missed after a reconnect, then ready', async () => {
    const examC = await newExam('Exam C', [proctorA]);
    const first = await connect(proctorA, `examId=${examC}`);
    const hello = await first.waitFor(ready);
    if (hello.topic !== 'ready') throw new Error('narrowing');
    await first.close();

    // Three state changes while away (no uploads, so no health messages).
    const student = await server.signedIn('student');
    const reg = await student.post(`/api/exams/${examC}/registrations`);
    const sessionId = reg.body.sessionId as string;
    const path = `/api/sessions/${sessionId}`;
    expect((await student.post(`${path}/transitions`, { to: 'checking_in' })).status).toBe(200);
    expect((await student.post(`${path}/consent`)).status).toBe(200);
    await completeCheckIn(student, sessionId);
    expect((await student.post(`${path}/transitions`, { to: 'in_progress' })).status).toBe(200);
    expect((await proctorA.post(`${path}/transitions`, { to: 'paused' })).status).toBe(200);

    const again = await connect(proctorA, `examId=${examC}&since=${hello.data.cursor}`);
    const done = await again.waitFor(ready);
    const before = again.messages.slice(0, again.messages.indexOf(done));
    expect(before.map((m) => (m.topic === 'session.state' ? m.data.state : m.topic))).toEqual([
      'checking_in',
      'in_progress',
      'paused',
    ]);
    const ids = before.map((m) => m.id);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    expect(ids[0]).toBeGreaterThan(hello.data.cursor);
    if (done.topic !== 'ready') throw new Error('narrowing');
    expect(done.data.cursor).toBe(ids[2]);

    // The student's own feed replays the same three (they are addressed to the student too).
    const own = await connect(student, `sessionId=${sessionId}&since=0`);
    await own.waitFor(ready);
    expect(own.messages.filter((m) => m.topic === 'session.state')).toHaveLength(3);
    await own.close();
    await again.close();
  });

  it('asks for a resync when `since` predates the pruned messages', async () => {
    const { noFace } = await studentOn(examA);
    await noFace();
    const db = server.instance.database.db;
    // Drop everything but the newest message: ids 1.. are gone.
    const all = await db.select({ id: liveMessages.id }).from(liveMessages);
    const newest = Math.max(...all.map((r) => r.id));
    await db.delete(liveMessages).where(lt(liveMessages.id, newest));
    const socket = await connect(proctorA, `examId=${examA}&since=1`);
    const done = await socket.waitFor(ready);
    const before = socket.messages.slice(0, socket.messages.indexOf(done));
    expect(before.map((m) => m.topic)).toEqual(['resync']);
    await socket.close();
  });

  describe('alerts', () => {
    async function flagOnA() {
      const s = await studentOn(examA, 'Flagged Student');
      await s.noFace();
      const flags = await proctorA.get(`/api/sessions/${s.sessionId}/flags`);
      expect(flags.body).toHaveLength(1);
      return { ...s, flagId: flags.body[0].id as string };
    }
    const auditOf = async (flagId: string) =>
      ((await admin.get(`/api/audit?examId=${examA}&limit=1000`)).body as any[])
        .filter((e) => e.entityType === 'flag' && e.entityId === flagId)
        // The log lists newest first; oldest first reads like the story.
        .sort((a, b) => a.id - b.id);

    it('acknowledge is idempotent and keeps the first acknowledger; goes out live', async () => {
      const { flagId, sessionId } = await flagOnA();
      const socket = await connect(proctorA2, `examId=${examA}`);
      await socket.waitFor(ready);
      const first = await proctorA.post(`/api/flags/${flagId}/acknowledge`);
      expect(first.status, JSON.stringify(first.body)).toBe(200);
      expect(first.body).toMatchObject({
        flagId,
        sessionId,
        acknowledgedBy: { id: proctorA.userId, name: 'Pat Proctor' },
      });
      const second = await instructorA.post(`/api/flags/${flagId}/acknowledge`);
      expect(second.body.acknowledgedBy.id).toBe(proctorA.userId);
      expect(second.body.acknowledgedAt).toBe(first.body.acknowledgedAt);
      const live = await socket.waitFor((m) => m.topic === 'alert.updated');
      expect(live.data).toEqual(first.body);
      expect((await auditOf(flagId)).map((e) => [e.action, e.actorId])).toEqual([
        ['alert.acknowledge', proctorA.userId],
      ]);
      expectError(await proctorB.post(`/api/flags/${flagId}/acknowledge`), 404, 'NOT_FOUND');
      await socket.close();
    });

    it('assign: one holder at a time, take-over on request, release by the holder or an admin', async () => {
      const { flagId } = await flagOnA();
      const mine = await proctorA.post(`/api/flags/${flagId}/assign`);
      expect(mine.status, JSON.stringify(mine.body)).toBe(200);
      expect(mine.body.assignedTo).toEqual({ id: proctorA.userId, name: 'Pat Proctor' });
      // Taking it on acknowledges it too.
      expect(mine.body.acknowledgedBy?.id).toBe(proctorA.userId);
      expect((await proctorA.post(`/api/flags/${flagId}/assign`)).status).toBe(200);

      const taken = await proctorA2.post(`/api/flags/${flagId}/assign`, {});
      expectError(taken, 409, 'ALERT_TAKEN');
      expect(taken.body.details.assignedTo).toEqual({ id: proctorA.userId, name: 'Pat Proctor' });
      expect(taken.body.message).toContain('Pat Proctor');

      const over = await proctorA2.post(`/api/flags/${flagId}/assign`, { takeOver: true });
      expect(over.status).toBe(200);
      expect(over.body.assignedTo.id).toBe(proctorA2.userId);

      expectError(await proctorA.delete(`/api/flags/${flagId}/assign`), 403, 'FORBIDDEN');
      const released = await proctorA2.delete(`/api/flags/${flagId}/assign`);
      expect(released.status).toBe(200);
      expect(released.body.assignedTo).toBeNull();
      expect((await proctorA2.delete(`/api/flags/${flagId}/assign`)).status).toBe(200);
      expect((await proctorA.post(`/api/flags/${flagId}/assign`)).status).toBe(200);
      const byAdmin = await admin.delete(`/api/flags/${flagId}/assign`);
      expect(byAdmin.body.assignedTo).toBeNull();

      expect((await auditOf(flagId)).map((e) => [e.action, e.actorId])).toEqual([
        ['alert.assign', proctorA.userId],
        ['alert.assign', proctorA2.userId],
        ['alert.release', proctorA2.userId],
        ['alert.assign', proctorA.userId],
        ['alert.release', admin.userId],
      ]);
      const takeOver = (await auditOf(flagId))[1];
      expect(takeOver.data).toMatchObject({ previous: proctorA.userId, takeOver: true });
    });

    it('the exam snapshot lists tiles, counts and alerts, with a cursor the socket resumes from', async () => {
      const { flagId, sessionId } = await flagOnA();
      const res = await proctorA.get(`/api/exams/${examA}/live`);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      const snap = LiveExamSnapshot.parse(res.body);
      expect(snap.exam.id).toBe(examA);
      expect(snap.counts.checking_in).toBeGreaterThan(0);
      const tile = snap.sessions.find((t) => t.session.id === sessionId);
      expect(tile).toMatchObject({
        openFlags: 1,
        student: { name: 'Flagged Student' },
        latest: { webcam: null, screen: null },
      });
      expect(tile?.risk).toBeGreaterThan(0);
      expect(tile?.health.lastUploadAt).not.toBeNull();
      expect(snap.alerts.map((a) => a.flag.id)).toContain(flagId);
      const times = snap.alerts.map((a) => a.flag.createdAt);
      expect([...times].sort().reverse()).toEqual(times);
      // Nothing new since the snapshot: resuming from its cursor replays nothing.
      const socket = await connect(proctorA, `examId=${examA}&since=${snap.cursor}`);
      const done = await socket.waitFor(ready);
      expect(socket.messages.filter((m) => m.id > 0 && m.id <= snap.cursor)).toEqual([]);
      expect(done.data).toMatchObject({ cursor: expect.any(Number) });
      await socket.close();
      expectError(await proctorB.get(`/api/exams/${examA}/live`), 404, 'NOT_FOUND');
    });
  });

  // Last: they move the server clock past an attempt's deadline.
  it.each([
    ['reading the session', (id: string) => `/api/sessions/${id}`],
    ['opening the exam page', (id: string) => `/api/sessions/${id}/exam`],
  ])(
    'an auto-submit at the deadline, found by %s, reaches the student and the staff',
    async (_how, path) => {
      const { student, sessionId } = await studentOn(examA);
      expect((await student.post(`/api/sessions/${sessionId}/consent`)).status).toBe(200);
      await completeCheckIn(student, sessionId);
      const started = await student.post(`/api/sessions/${sessionId}/transitions`, {
        to: 'in_progress',
      });
      expect(started.status).toBe(200);
      const staff = await connect(proctorA, `examId=${examA}`);
      const own = await connect(student, `sessionId=${sessionId}`);
      await staff.waitFor(ready);
      await own.waitFor(ready);
      server.clock.advance(91 * 60_000);
      // The first request to touch the attempt submits it (the sweeper would, a little later).
      await student.get(path(sessionId));
      expect((await proctorA.get(`/api/sessions/${sessionId}`)).body.state).toBe('submitted');
      const submitted = (m: LiveMessage) =>
        m.topic === 'session.state' && m.sessionId === sessionId && m.data.state === 'submitted';
      await own.waitFor(submitted);
      await staff.waitFor(submitted);
      await own.close();
      await staff.close();
    },
  );

  describe('notes', () => {
    it('staff of the exam add and read notes (audited); students and other staff cannot', async () => {
      const { student, sessionId } = await studentOn(examA);
      const added = await proctorA.post(`/api/sessions/${sessionId}/notes`, {
        body: '  Looked at a phone; warned.  ',
      });
      expect(added.status, JSON.stringify(added.body)).toBe(201);
      expect(added.body).toMatchObject({
        sessionId,
        body: 'Looked at a phone; warned.',
        author: { id: proctorA.userId, name: 'Pat Proctor' },
      });
      await instructorA.post(`/api/sessions/${sessionId}/notes`, { body: 'Second note' });
      const list = await admin.get(`/api/sessions/${sessionId}/notes`);
      expect(list.body.map((n: { body: string }) => n.body)).toEqual([
        'Looked at a phone; warned.',
        'Second note',
      ]);
      expectError(await student.get(`/api/sessions/${sessionId}/notes`), 404, 'NOT_FOUND');
      expectError(
        await student.post(`/api/sessions/${sessionId}/notes`, { body: 'mine' }),
        403,
        'FORBIDDEN',
      );
      expectError(await proctorB.get(`/api/sessions/${sessionId}/notes`), 404, 'NOT_FOUND');
      expectError(
        await proctorB.post(`/api/sessions/${sessionId}/notes`, { body: 'x' }),
        404,
        'NOT_FOUND',
      );
      const audit = (await admin.get(`/api/audit?examId=${examA}&limit=1000`)).body as any[];
      const notes = audit.filter((e) => e.action === 'session.note' && e.entityId === sessionId);
      expect(notes.map((e) => e.actorId).sort()).toEqual(
        [proctorA.userId, instructorA.userId].sort(),
      );
      expect(JSON.stringify(notes)).not.toContain('phone');
    });
  });
});
