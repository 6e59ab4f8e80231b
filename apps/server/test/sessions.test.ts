import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../src/services/audit/audit.service.js';
import { completeCheckIn } from './helpers/check-in.js';
import { buildExam } from './helpers/factories.js';
import { engines, startTestServer, type TestServer } from './helpers/test-server.js';

describe.each(engines())('exam sessions and audit on %s', (engine) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(engine);
  });
  afterAll(async () => server?.close());

  async function setup(overrides = {}) {
    const admin = await server.signedIn('admin');
    const proctor = await server.signedIn('proctor');
    const exam = await admin.post('/api/exams', buildExam(overrides, server.clock.now().getTime()));
    await admin.put(`/api/exams/${exam.body.id}/staff/${proctor.userId}`, { role: 'proctor' });
    const student = await server.signedIn('student');
    const reg = await student.post(`/api/exams/${exam.body.id}/registrations`);
    return {
      admin,
      proctor,
      student,
      examId: exam.body.id as string,
      sessionId: reg.body.sessionId as string,
    };
  }

  it('walks the whole life of an attempt with the right actor at each step', async () => {
    const { proctor, student, sessionId } = await setup();
    const to = (c: typeof student, state: string) =>
      c.post(`/api/sessions/${sessionId}/transitions`, { to: state });

    expect((await to(student, 'checking_in')).body.state).toBe('checking_in');
    const withoutConsent = await to(student, 'in_progress');
    expect(withoutConsent.status).toBe(409);
    expect(withoutConsent.body.code).toBe('CONSENT_REQUIRED');
    expect((await student.post(`/api/sessions/${sessionId}/consent`)).status).toBe(200);
    // The check-in the server requires (identity photos, system check) comes first.
    expect((await to(student, 'in_progress')).body.code).toBe('CHECK_IN_INCOMPLETE');
    await completeCheckIn(student, sessionId);
    const started = await to(student, 'in_progress');
    expect(started.body.startedAt).not.toBeNull();
    expect((await to(proctor, 'paused')).body.state).toBe('paused');
    const studentResume = await to(student, 'in_progress');
    expect(studentResume.status).toBe(403);
    expect((await to(proctor, 'in_progress')).status).toBe(200);
    const submitted = await to(student, 'submitted');
    expect(submitted.body.endedAt).not.toBeNull();
    expect((await to(proctor, 'under_review')).status).toBe(200);
    // Only a verdict (with every flag decided) closes a review.
    const noVerdict = await to(proctor, 'reviewed');
    expect(noVerdict.status).toBe(403);
    expect(noVerdict.body.message).toMatch(/verdict/);

    const illegal = await to(proctor, 'in_progress');
    expect(illegal.status).toBe(409);
    expect(illegal.body.code).toBe('ILLEGAL_TRANSITION');
  });

  it('refuses to start outside the exam window and cancelling a started attempt', async () => {
    const now = server.clock.now().getTime();
    const future = await setup({
      opensAt: new Date(now + 86_400_000).toISOString(),
      closesAt: new Date(now + 2 * 86_400_000).toISOString(),
      registrationDeadline: new Date(now + 43_200_000).toISOString(),
    });
    const early = await future.student.post(`/api/sessions/${future.sessionId}/transitions`, {
      to: 'checking_in',
    });
    expect(early.status).toBe(409);
    expect(early.body.code).toBe('EXAM_NOT_OPEN');

    const open = await setup();
    await open.student.post(`/api/sessions/${open.sessionId}/transitions`, { to: 'checking_in' });
    const mine = await open.student.get('/api/me/registrations');
    const cancel = await open.student.post(`/api/registrations/${mine.body[0].id}/cancel`);
    expect(cancel.status).toBe(409);
    expect(cancel.body.code).toBe('REGISTRATION_NOT_CANCELLABLE');
  });

  it('keeps an intact hash-chained audit log that cannot be edited', async () => {
    await setup();
    const db = server.instance.database.db;
    expect(await verifyAuditChain(db)).toBeNull();
    const admin = await server.signedIn('admin');
    const audit = await admin.get('/api/audit?limit=50');
    const actions = audit.body.map((e: { action: string }) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining(['exam.create', 'exam.staff.assign', 'registration.create']),
    );
    await expect(db.execute(sql`update audit_log set action = 'x'`)).rejects.toThrow();
    await expect(db.execute(sql`delete from audit_log`)).rejects.toThrow();
    expect(await verifyAuditChain(db)).toBeNull();
  });
});
