import { and, asc, eq, like } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Intervention, LiveMessage } from '@invigil/contracts';
import { auditLog, interventions, liveMessages } from '../src/db/schema.js';
import { verifyAuditChain } from '../src/services/audit/audit.service.js';
import { completeCheckIn } from './helpers/check-in.js';
import type { HttpClient } from './helpers/http-client.js';
import { expectError } from './helpers/matrix-errors.js';
import { webmBytes } from './helpers/media-bytes.js';
import { putSegment, recordingFixture } from './helpers/recording.js';
import { requestEngines, startTestServer, type TestServer } from './helpers/test-server.js';

const MINUTE = 60_000;

describe.each(requestEngines())('interventions on %s', (engine) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(engine);
  });
  afterAll(async () => server?.close());

  /** A session of an exam with an assigned proctor and instructor, started when asked. */
  async function fixture({ start = true } = {}) {
    const f = await recordingFixture(server);
    const path = `/api/sessions/${f.sessionId}`;
    if (start) {
      expect((await f.move(f.student, 'checking_in')).status).toBe(200);
      await completeCheckIn(f.student, f.sessionId);
      const res = await f.move(f.student, 'in_progress');
      expect(res.status, JSON.stringify(res.body)).toBe(200);
    }
    const send = (body: Record<string, unknown>, as: HttpClient = f.proctor) =>
      as.post(`${path}/interventions`, body);
    const session = async () => (await f.admin.get(path)).body;
    return { ...f, path, send, session };
  }

  const rowsOf = (sessionId: string) =>
    server.instance.database.db
      .select()
      .from(interventions)
      .where(eq(interventions.sessionId, sessionId))
      .orderBy(asc(interventions.createdAt));

  const auditOf = (examId: string) =>
    server.instance.database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.examId, examId), like(auditLog.action, 'intervention.%')))
      .orderBy(asc(auditLog.id));

  it('warns only a running or paused attempt', async () => {
    const f = await fixture({ start: false });
    expectError(
      await f.send({ kind: 'warning', message: 'Eyes on the screen' }),
      409,
      'SESSION_NOT_ACTIVE',
    );
    await f.move(f.student, 'checking_in');
    expectError(await f.send({ kind: 'warning', message: 'Not yet' }), 409, 'SESSION_NOT_ACTIVE');

    const g = await fixture();
    const warned = await g.send({ kind: 'warning', message: 'Eyes on the screen' });
    expect(warned.status, JSON.stringify(warned.body)).toBe(201);
    const body = warned.body as Intervention;
    expect(body).toMatchObject({
      sessionId: g.sessionId,
      examId: g.examId,
      kind: 'warning',
      message: 'Eyes on the screen',
      by: { id: g.proctor.userId },
      acknowledgedAt: null,
      completedAt: null,
    });
    expect((await g.send({ kind: 'pause' })).status).toBe(201);
    expect((await g.send({ kind: 'warning', message: 'While paused' })).status).toBe(201);
    expect((await g.send({ kind: 'resume' })).status).toBe(201);
    expect((await g.move(g.student, 'submitted')).status).toBe(200);
    expectError(await g.send({ kind: 'warning', message: 'Too late' }), 409, 'SESSION_NOT_ACTIVE');
  });

  it('pauses, resumes and terminates through the state machine; illegal moves write nothing', async () => {
    const f = await fixture();
    const pause = await f.send({ kind: 'pause', message: 'Please wait for the proctor' });
    expect(pause.status, JSON.stringify(pause.body)).toBe(201);
    expect((await f.session()).state).toBe('paused');
    expectError(await f.send({ kind: 'pause' }), 409, 'ILLEGAL_TRANSITION');
    expectError(await f.send({ kind: 'room_scan' }), 409, 'SESSION_NOT_ACTIVE');

    expect((await f.send({ kind: 'resume' })).status).toBe(201);
    expect((await f.session()).state).toBe('in_progress');
    expectError(await f.send({ kind: 'resume' }), 409, 'ILLEGAL_TRANSITION');

    const end = await f.send({ kind: 'terminate', message: 'Second person in the room' });
    expect(end.status).toBe(201);
    const ended = await f.session();
    expect(ended.state).toBe('terminated');
    expect(ended.endedAt).not.toBeNull();
    expectError(await f.send({ kind: 'terminate', message: 'Again' }), 409, 'ILLEGAL_TRANSITION');
    expectError(await f.send({ kind: 'resume' }), 409, 'ILLEGAL_TRANSITION');

    // Refused interventions left no row: both the state change and the row, or neither.
    const rows = await rowsOf(f.sessionId);
    expect(rows.map((r) => r.kind)).toEqual(['pause', 'resume', 'terminate']);
    expect(rows.map((r) => r.message)).toEqual([
      'Please wait for the proctor',
      null,
      'Second person in the room',
    ]);
  });

  it('resumes only a paused attempt (a checking-in one is the student’s to start)', async () => {
    const f = await fixture({ start: false });
    await f.move(f.student, 'checking_in');
    expectError(await f.send({ kind: 'resume' }), 409, 'ILLEGAL_TRANSITION');
    expectError(await f.send({ kind: 'pause' }), 409, 'ILLEGAL_TRANSITION');
    // Terminating a check-in is allowed by the state machine.
    expect((await f.send({ kind: 'terminate', message: 'Identity mismatch' })).status).toBe(201);
    expect((await f.session()).state).toBe('terminated');
  });

  it('stops the exam clock while paused: the deadline moves by the paused time', async () => {
    const f = await fixture();
    const before = Date.parse((await f.session()).deadlineAt);
    // The test clock runs with real time too: the pause lasts 7 minutes plus what the calls take.
    const wallStart = Date.now();
    expect((await f.send({ kind: 'pause' })).status).toBe(201);
    server.clock.advance(7 * MINUTE);
    const paused = await f.session();
    expect(paused.state).toBe('paused');
    expect(Date.parse(paused.deadlineAt)).toBe(before);
    const resumed = await f.send({ kind: 'resume' });
    expect(resumed.status).toBe(201);
    const after = await f.session();
    expect(after.state).toBe('in_progress');
    const moved = Date.parse(after.deadlineAt) - before;
    expect(moved).toBeGreaterThanOrEqual(7 * MINUTE);
    expect(moved).toBeLessThanOrEqual(7 * MINUTE + (Date.now() - wallStart));
  });

  it('lets only the exam’s assigned proctors (and admins) intervene', async () => {
    const f = await fixture();
    const other = await server.signedIn('proctor');
    const otherStudent = await server.signedIn('student');
    const warning = { kind: 'warning', message: 'Who may send this?' };
    // Other proctors do not learn the session exists, like every session route.
    expectError(await f.send(warning, other), 404, 'NOT_FOUND');
    expectError(await f.send(warning, f.instructor), 403, 'FORBIDDEN');
    expectError(await f.send(warning, f.student), 403, 'FORBIDDEN');
    expectError(await f.send(warning, otherStudent), 403, 'FORBIDDEN');
    expectError(
      await f.proctor.post(`/api/sessions/${crypto.randomUUID()}/interventions`, warning),
      404,
      'NOT_FOUND',
    );
    expect(await rowsOf(f.sessionId)).toEqual([]);

    expect((await f.send(warning)).status).toBe(201);
    // The list: the exam's staff and the session's own student; nobody else.
    for (const reader of [f.proctor, f.instructor, f.admin, f.student]) {
      const list = await reader.get(`${f.path}/interventions`);
      expect(list.status).toBe(200);
      expect(list.body).toHaveLength(1);
    }
    expectError(await other.get(`${f.path}/interventions`), 404, 'NOT_FOUND');
    expectError(await otherStudent.get(`${f.path}/interventions`), 404, 'NOT_FOUND');
  });

  it('lists oldest first and audits each intervention with its transition', async () => {
    const f = await fixture();
    await f.send({ kind: 'warning', message: 'First' });
    await f.send({ kind: 'pause', message: 'Second' });
    await f.send({ kind: 'resume' });
    await f.send({ kind: 'room_scan', message: 'Show your desk' });
    await f.send({ kind: 'terminate', message: 'Last' });
    const list = await f.student.get(`${f.path}/interventions`);
    expect(list.body.map((i: Intervention) => i.kind)).toEqual([
      'warning',
      'pause',
      'resume',
      'room_scan',
      'terminate',
    ]);
    const audit = await auditOf(f.examId);
    expect(audit.map((a) => a.action)).toEqual([
      'intervention.warning',
      'intervention.pause',
      'intervention.resume',
      'intervention.room_scan',
      'intervention.terminate',
    ]);
    for (const [i, a] of audit.entries()) {
      expect(a.actorId).toBe(f.proctor.userId);
      expect(a.entityId).toBe(list.body[i].id);
      expect(a.data).toMatchObject({ sessionId: f.sessionId });
    }
    expect(audit[4]?.data).toMatchObject({ message: 'Last' });
    // The state changes are audited by the state machine, in the same transactions.
    const transitions = await server.instance.database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.entityId, f.sessionId), eq(auditLog.action, 'session.transition')));
    expect(transitions.map((t) => (t.data as { to: string }).to)).toEqual(
      expect.arrayContaining(['paused', 'in_progress', 'terminated']),
    );
    expect(await verifyAuditChain(server.instance.database.db)).toBeNull();
  });

  it('lets the student acknowledge warnings and room scan requests, once', async () => {
    const f = await fixture();
    const warning = (await f.send({ kind: 'warning', message: 'Phone away' })).body as Intervention;
    const pause = (await f.send({ kind: 'pause' })).body as Intervention;
    const ack = (id: string, as: HttpClient = f.student) =>
      as.post(`${f.path}/interventions/${id}/acknowledge`);

    const first = await ack(warning.id);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body.acknowledgedAt).not.toBeNull();
    server.clock.advance(5000);
    const again = await ack(warning.id);
    expect(again.status).toBe(200);
    expect(again.body.acknowledgedAt).toBe(first.body.acknowledgedAt);

    expectError(await ack(pause.id), 409, 'INTERVENTION_NOT_APPLICABLE');
    expectError(await ack(crypto.randomUUID()), 404, 'NOT_FOUND');
    expectError(await ack(warning.id, await server.signedIn('student')), 404, 'NOT_FOUND');
    expectError(await ack(warning.id, f.proctor), 403, 'FORBIDDEN');
    // An intervention of another session is not found through this one.
    const g = await fixture();
    const elsewhere = (await g.send({ kind: 'warning', message: 'Other' })).body as Intervention;
    expectError(await ack(elsewhere.id), 404, 'NOT_FOUND');

    const audit = await auditOf(f.examId);
    expect(audit.filter((a) => a.action === 'intervention.acknowledge')).toHaveLength(1);
    expect(audit.find((a) => a.action === 'intervention.acknowledge')?.actorId).toBe(
      f.student.userId,
    );
  });

  it('completes a room scan only after a room_scan segment arrived after the request', async () => {
    const f = await fixture();
    // A scan recorded before the request (at check-in) does not answer it.
    const early = await putSegment(f.student, f.sessionId, 'room_scan', 0, webmBytes('before'));
    expect(early.status, JSON.stringify(early.body)).toBe(201);
    server.clock.advance(1000);
    const request = await f.send({ kind: 'room_scan', message: 'Show the desk' });
    expect(request.status).toBe(201);
    const id = (request.body as Intervention).id;
    const complete = () => f.student.post(`${f.path}/interventions/${id}/complete`);

    expectError(await complete(), 409, 'ROOM_SCAN_MISSING');
    const warning = (await f.send({ kind: 'warning', message: 'x' })).body as Intervention;
    expectError(
      await f.student.post(`${f.path}/interventions/${warning.id}/complete`),
      409,
      'INTERVENTION_NOT_APPLICABLE',
    );

    server.clock.advance(1000);
    const scan = await putSegment(f.student, f.sessionId, 'room_scan', 1, webmBytes('after'));
    expect(scan.status).toBe(201);
    const done = await complete();
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect(done.body.completedAt).not.toBeNull();
    // Completing implies the request was seen.
    expect(done.body.acknowledgedAt).not.toBeNull();
    const again = await complete();
    expect(again.body.completedAt).toBe(done.body.completedAt);
    expect((await auditOf(f.examId)).map((a) => a.action)).toContain('intervention.complete');
  });

  it('puts each intervention and each answer on the live feed for the student', async () => {
    const f = await fixture();
    const published: LiveMessage[] = [];
    const off = await server.instance.bus.subscribe('live.message', (m) => {
      if (m.sessionId === f.sessionId && m.topic === 'intervention') published.push(m);
    });
    try {
      const warning = (await f.send({ kind: 'warning', message: 'Live' })).body as Intervention;
      await f.student.post(`${f.path}/interventions/${warning.id}/acknowledge`);
      await f.send({ kind: 'pause', message: 'Hold on' });

      const stored = await server.instance.database.db
        .select()
        .from(liveMessages)
        .where(and(eq(liveMessages.sessionId, f.sessionId), eq(liveMessages.topic, 'intervention')))
        .orderBy(asc(liveMessages.id));
      expect(stored.map((m) => m.audience)).toEqual(['student', 'student', 'student']);
      const data = stored.map((m) => m.data as Intervention);
      expect(data.map((d) => [d.kind, d.acknowledgedAt !== null])).toEqual([
        ['warning', false],
        ['warning', true],
        ['pause', false],
      ]);
      expect(data[2]).toMatchObject({ message: 'Hold on', by: { id: f.proctor.userId } });
      // Bus delivery is asynchronous: wait for it rather than for a fixed time.
      await expect.poll(() => published.length).toBe(3);
      expect(published.map((m) => m.id)).toEqual(stored.map((m) => m.id));
    } finally {
      await off();
    }
  });
});
