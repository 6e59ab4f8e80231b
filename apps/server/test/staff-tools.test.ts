import { and, asc, eq, like, or } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExamSession, Intervention } from '@invigil/contracts';
import { auditLog, exams, registrations } from '../src/db/schema.js';
import { completeCheckIn } from './helpers/check-in.js';
import type { HttpClient } from './helpers/http-client.js';
import { expectError } from './helpers/matrix-errors.js';
import { webmBytes } from './helpers/media-bytes.js';
import { putSegment, recordingFixture } from './helpers/recording.js';
import { requestEngines, startTestServer, type TestServer } from './helpers/test-server.js';

const MINUTE = 60_000;

describe.each(requestEngines())('staff tools for a stuck attempt on %s', (engine) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(engine);
  });
  afterAll(async () => server?.close());

  /** A running attempt (90 minutes) with an assigned proctor. */
  async function running() {
    const f = await recordingFixture(server);
    const path = `/api/sessions/${f.sessionId}`;
    expect((await f.move(f.student, 'checking_in')).status).toBe(200);
    await completeCheckIn(f.student, f.sessionId);
    expect((await f.move(f.student, 'in_progress')).status).toBe(200);
    const send = (body: Record<string, unknown>, as: HttpClient = f.proctor) =>
      as.post(`${path}/interventions`, body);
    const session = async (id = f.sessionId) =>
      (await f.admin.get(`/api/sessions/${id}`)).body as ExamSession;
    const list = async () => (await f.student.get(`${path}/interventions`)).body as Intervention[];
    return { ...f, path, send, session, list };
  }

  const auditOf = (examId: string) =>
    server.instance.database.db
      .select()
      .from(auditLog)
      .where(
        and(
          eq(auditLog.examId, examId),
          or(like(auditLog.action, 'intervention.%'), like(auditLog.action, 'session.%')),
        ),
      )
      .orderBy(asc(auditLog.id));

  it('withdraws a pending room scan request: it stops being asked, and is audited', async () => {
    const f = await running();
    const scan = (await f.send({ kind: 'room_scan', message: 'Show the desk' }))
      .body as Intervention;
    const cancel = (
      id: string,
      as: HttpClient = f.proctor,
      body: unknown = { reason: 'Asked by mistake' },
    ) => as.post(`${f.path}/interventions/${id}/cancel`, body);

    const res = await cancel(scan.id);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({
      id: scan.id,
      cancelledBy: { id: f.proctor.userId },
      completedAt: null,
    });
    expect(typeof (res.body as Intervention).cancelledAt).toBe('string');
    // The student's page reads it withdrawn; answering it changes nothing.
    const [seen] = await f.list();
    expect(seen?.cancelledAt).toBe((res.body as Intervention).cancelledAt);
    const done = await f.student.post(`${f.path}/interventions/${scan.id}/complete`);
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ completedAt: null, acknowledgedAt: null });

    expectError(await cancel(scan.id), 409, 'REQUEST_NOT_PENDING');
    const warning = (await f.send({ kind: 'warning', message: 'Eyes up' })).body as Intervention;
    expectError(await cancel(warning.id), 409, 'INTERVENTION_NOT_APPLICABLE');

    // A completed request cannot be withdrawn any more.
    const again = (await f.send({ kind: 'room_scan' })).body as Intervention;
    server.clock.advance(1000);
    const segment = await putSegment(f.student, f.sessionId, 'room_scan', 5, webmBytes('scan'));
    expect(segment.status, JSON.stringify(segment.body)).toBe(201);
    const completed = await f.student.post(`${f.path}/interventions/${again.id}/complete`);
    expect(completed.status, JSON.stringify(completed.body)).toBe(200);
    expectError(await cancel(again.id), 409, 'REQUEST_NOT_PENDING');
    // No body at all is fine too (the reason is optional).
    const third = (await f.send({ kind: 're_enrol' })).body as Intervention;
    expect((await cancel(third.id, f.proctor, undefined)).status).toBe(200);

    const audit = (await auditOf(f.examId)).filter((a) => a.action === 'intervention.cancel');
    expect(audit.map((a) => [a.entityId, a.actorId])).toEqual([
      [scan.id, f.proctor.userId],
      [third.id, f.proctor.userId],
    ]);
    expect(audit[0]?.data).toMatchObject({ kind: 'room_scan', reason: 'Asked by mistake' });
  });

  it('extends one attempt’s time; an accommodation change later keeps the extension', async () => {
    const f = await running();
    const before = Date.parse((await f.session()).deadlineAt!);
    const res = await f.proctor.post(`${f.path}/extend-time`, {
      minutes: 15,
      reason: 'Lost time to a stuck dialog',
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(Date.parse((res.body as ExamSession).deadlineAt!)).toBe(before + 15 * MINUTE);

    // The registration's extra time is recomputed on top of the extension, not over it.
    const reg = (await f.admin.get(`/api/exams/${f.examId}/registrations`)).body as {
      id: string;
    }[];
    const put = await f.instructor.put(`/api/registrations/${reg[0]!.id}/accommodations`, {
      extraTimeMinutes: 10,
    });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    expect(Date.parse((await f.session()).deadlineAt!)).toBe(before + 25 * MINUTE);

    const [record] = (await f.list()).filter((i) => i.kind === 'extend_time');
    expect(record).toMatchObject({ minutes: 15, message: 'Lost time to a stuck dialog' });
    const audit = (await auditOf(f.examId)).find((a) => a.action === 'intervention.extend_time');
    expect(audit?.data).toMatchObject({
      minutes: 15,
      deadlineAt: new Date(before + 15 * MINUTE).toISOString(),
    });

    expect((await f.move(f.student, 'submitted')).status).toBe(200);
    expectError(
      await f.proctor.post(`${f.path}/extend-time`, { minutes: 5, reason: 'Too late' }),
      409,
      'SESSION_NOT_ACTIVE',
    );
  });

  it('reopens a terminated attempt paused, with the time it had left at the termination', async () => {
    const f = await running();
    const started = await f.session();
    server.clock.advance(20 * MINUTE);
    expect((await f.send({ kind: 'terminate', message: 'Camera off for too long' })).status).toBe(
      201,
    );
    const terminated = await f.session();
    const left = Date.parse(started.deadlineAt!) - Date.parse(terminated.endedAt!);
    expect(left).toBeGreaterThan(60 * MINUTE);
    server.clock.advance(45 * MINUTE);

    expectError(await f.proctor.post(`${f.path}/reopen`, {}), 400, 'VALIDATION_FAILED');
    const res = await f.proctor.post(`${f.path}/reopen`, { reason: 'The camera was our fault' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const reopened = res.body as ExamSession;
    expect(reopened).toMatchObject({ state: 'paused', endedAt: null });
    // What the student's paused countdown shows: deadline − the time of the change.
    expect(Date.parse(reopened.deadlineAt!) - Date.parse(reopened.updatedAt)).toBe(left);
    expectError(
      await f.proctor.post(`${f.path}/reopen`, { reason: 'Again' }),
      409,
      'ILLEGAL_TRANSITION',
    );
    // Resuming later still gives the same time back.
    server.clock.advance(5 * MINUTE);
    expect((await f.send({ kind: 'resume' })).status).toBe(201);
    const resumed = await f.session();
    expect(resumed.state).toBe('in_progress');
    const now = server.clock.now().getTime();
    expect(Date.parse(resumed.deadlineAt!) - now).toBeLessThanOrEqual(left);
    expect(Date.parse(resumed.deadlineAt!) - now).toBeGreaterThan(left - MINUTE);

    const kinds = (await f.list()).map((i) => i.kind);
    expect(kinds).toEqual(['terminate', 'reopen', 'resume']);
    const audit = await auditOf(f.examId);
    const transition = audit.find(
      (a) => a.action === 'session.transition' && (a.data as { via?: string }).via === 'reopen',
    );
    expect(transition?.data).toMatchObject({
      from: 'terminated',
      to: 'paused',
      reason: 'The camera was our fault',
      remainingMs: left,
    });
  });

  it('refuses to reopen an attempt that had no time left, or one never started', async () => {
    const f = await recordingFixture(server);
    await f.move(f.student, 'checking_in');
    const path = `/api/sessions/${f.sessionId}`;
    expect(
      (await f.proctor.post(`${path}/interventions`, { kind: 'terminate', message: 'No ID' }))
        .status,
    ).toBe(201);
    expectError(await f.proctor.post(`${path}/reopen`, { reason: 'Try' }), 409, 'NO_TIME_LEFT');
  });

  it('reopens only on an active registration of an open exam, like a new attempt', async () => {
    const terminated = async () => {
      const f = await running();
      expect((await f.send({ kind: 'terminate', message: 'Wrongly' })).status).toBe(201);
      return f;
    };
    const reopen = (f: Awaited<ReturnType<typeof running>>) =>
      f.proctor.post(`${f.path}/reopen`, { reason: 'Our mistake' });

    // The registration was cancelled meanwhile (staff-side, straight in the database).
    const cancelled = await terminated();
    await server.instance.database.db
      .update(registrations)
      .set({ status: 'cancelled' })
      .where(eq(registrations.id, (await cancelled.session()).registrationId));
    expectError(await reopen(cancelled), 409, 'CONFLICT');
    expectError(
      await cancelled.proctor.post(`${cancelled.path}/new-attempt`, { reason: 'Same rule' }),
      409,
      'CONFLICT',
    );
    expect((await cancelled.session()).state).toBe('terminated');

    // The exam is no longer published.
    const archived = await terminated();
    expect((await archived.admin.post(`/api/exams/${archived.examId}/archive`)).status).toBe(200);
    expectError(await reopen(archived), 409, 'EXAM_NOT_OPEN');
    expect((await archived.session()).state).toBe('terminated');

    // The exam's window has closed.
    const closed = await terminated();
    // Closed now (straight in the database: moving the clock would also expire the sign-ins).
    const now = server.clock.now();
    await server.instance.database.db
      .update(exams)
      .set({ opensAt: new Date(now.getTime() - 24 * 60 * MINUTE), closesAt: now })
      .where(eq(exams.id, closed.examId));
    const late = await reopen(closed);
    expectError(late, 409, 'EXAM_NOT_OPEN');
    expect(late.body.details).toEqual({ closesAt: now.toISOString() });
    expect((await closed.session()).state).toBe('terminated');
  });

  it('grants a new attempt on the same registration; the old one stays for the record', async () => {
    const f = await running();
    expectError(
      await f.proctor.post(`${f.path}/new-attempt`, { reason: 'Too early' }),
      409,
      'ATTEMPT_NOT_FINISHED',
    );
    expect((await f.send({ kind: 'terminate', message: 'Network died' })).status).toBe(201);
    const res = await f.proctor.post(`${f.path}/new-attempt`, { reason: 'Network failure' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const fresh = res.body as ExamSession;
    expect(fresh).toMatchObject({
      state: 'registered',
      attempt: 2,
      supersededAt: null,
      consentedAt: null,
      registrationId: (await f.session()).registrationId,
    });
    expect(fresh.id).not.toBe(f.sessionId);
    const old = await f.session();
    expect(old).toMatchObject({ state: 'terminated', attempt: 1 });
    expect(typeof old.supersededAt).toBe('string');

    // The student's registration points at the new attempt, which checks in from the start.
    const mine = (await f.student.get('/api/me/registrations')).body as { sessionId: string }[];
    expect(mine.map((r) => r.sessionId)).toEqual([fresh.id]);
    expect(
      (await f.student.post(`/api/sessions/${fresh.id}/transitions`, { to: 'checking_in' })).status,
    ).toBe(200);
    // Both attempts are listed, for staff and the student; the old one is still reviewable.
    for (const who of [f.proctor, f.student]) {
      const attempts = await who.get(`/api/sessions/${fresh.id}/attempts`);
      expect((attempts.body as ExamSession[]).map((s) => [s.id, s.attempt])).toEqual([
        [f.sessionId, 1],
        [fresh.id, 2],
      ]);
    }
    // The live grid shows the student once, as the new attempt (the old one just ended,
    // which alone would keep it on the grid for a while).
    const live = await f.proctor.get(`/api/exams/${f.examId}/live`);
    expect(live.status, JSON.stringify(live.body)).toBe(200);
    const tiles = (live.body as { sessions: { session: ExamSession }[] }).sessions;
    expect(tiles.map((t) => t.session.id)).toEqual([fresh.id]);
    const queue = (await f.proctor.get(`/api/exams/${f.examId}/review-queue`)).body as {
      sessionId?: string;
      session?: { id: string };
    }[];
    expect(JSON.stringify(queue)).toContain(f.sessionId);

    expectError(
      await f.proctor.post(`${f.path}/new-attempt`, { reason: 'Twice' }),
      409,
      'ATTEMPT_SUPERSEDED',
    );
    expectError(
      await f.proctor.post(`${f.path}/reopen`, { reason: 'Old one' }),
      409,
      'ATTEMPT_SUPERSEDED',
    );
    const audit = (await auditOf(f.examId)).find((a) => a.action === 'session.new_attempt');
    expect(audit).toMatchObject({ entityId: fresh.id, actorId: f.proctor.userId });
    expect(audit?.data).toMatchObject({
      previousSessionId: f.sessionId,
      attempt: 2,
      reason: 'Network failure',
    });
    const [record] = (await f.list()).filter((i) => i.kind === 'new_attempt');
    expect(record).toMatchObject({ message: 'Network failure', by: { id: f.proctor.userId } });
  });

  it('lets an admin act without being assigned (audited as admin); other staff get 404/403', async () => {
    const f = await running();
    const admin = await server.signedIn('admin');
    const stranger = await server.signedIn('proctor');
    const scan = await f.send({ kind: 'room_scan' }, admin);
    expect(scan.status, JSON.stringify(scan.body)).toBe(201);
    expectError(await f.send({ kind: 'warning', message: 'Hi' }, stranger), 404, 'NOT_FOUND');
    expectError(await f.send({ kind: 'warning', message: 'Hi' }, f.instructor), 403, 'FORBIDDEN');
    const id = (scan.body as Intervention).id;
    expectError(await stranger.post(`${f.path}/interventions/${id}/cancel`, {}), 404, 'NOT_FOUND');
    expect((await admin.post(`${f.path}/interventions/${id}/cancel`, {})).status).toBe(200);
    expect(
      (await admin.post(`${f.path}/extend-time`, { minutes: 5, reason: 'Admin gives time' }))
        .status,
    ).toBe(200);
    expectError(
      await stranger.post(`${f.path}/extend-time`, { minutes: 5, reason: 'x' }),
      404,
      'NOT_FOUND',
    );
    expect((await f.send({ kind: 'terminate', message: 'Stop' }, admin)).status).toBe(201);
    expect((await admin.post(`${f.path}/reopen`, { reason: 'Admin reopens' })).status).toBe(200);

    const audit = (await auditOf(f.examId)).filter((a) => a.actorId === admin.userId);
    expect(audit.map((a) => a.action)).toEqual([
      'intervention.room_scan',
      'intervention.cancel',
      'intervention.extend_time',
      'session.transition',
      'intervention.terminate',
      'session.transition',
      'intervention.reopen',
    ]);
    for (const entry of audit.filter(
      (a) => a.action !== 'session.transition' || (a.data as { via?: string }).via,
    )) {
      expect(entry.data, entry.action).toMatchObject({ actingAs: 'admin' });
    }
  });
});
