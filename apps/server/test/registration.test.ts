import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildExam } from './helpers/factories.js';
import { engines, startTestServer, type TestServer } from './helpers/test-server.js';

describe.each(engines())('registration API on %s', (engine) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(engine);
  });
  afterAll(async () => server?.close());

  async function publishedExam(overrides = {}) {
    const admin = await server.signedIn('admin');
    const res = await admin.post('/api/exams', buildExam(overrides, server.clock.now().getTime()));
    expect(res.status).toBe(201);
    return res.body as { id: string; capacity: number };
  }

  it('registers idempotently: 201, then 200 with the same registration', async () => {
    const exam = await publishedExam();
    const student = await server.signedIn('student');
    const first = await student.post(`/api/exams/${exam.id}/registrations`);
    expect(first.status).toBe(201);
    const second = await student.post(`/api/exams/${exam.id}/registrations`);
    expect(second.status).toBe(200);
    expect(second.body.id).toBe(first.body.id);
    const mine = await student.get('/api/me/registrations');
    expect(mine.body).toHaveLength(1);
    expect(mine.body[0].sessionState).toBe('registered');
  });

  it('lists open exams with the seat count and hides drafts', async () => {
    const open = await publishedExam({ title: 'Visible exam' });
    await publishedExam({ title: 'Hidden draft', status: 'draft' });
    const student = await server.signedIn('student');
    const res = await student.get('/api/exams/open');
    expect(res.status).toBe(200);
    const titles = res.body.map((e: { title: string }) => e.title);
    expect(titles).toContain('Visible exam');
    expect(titles).not.toContain('Hidden draft');
    expect(res.body.find((e: { id: string }) => e.id === open.id).full).toBe(false);
  });

  it('cancels, and re-registering reactivates the same row', async () => {
    const exam = await publishedExam();
    const student = await server.signedIn('student');
    const reg = await student.post(`/api/exams/${exam.id}/registrations`);
    const cancelled = await student.post(`/api/registrations/${reg.body.id}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
    const again = await student.post(`/api/registrations/${reg.body.id}/cancel`);
    expect(again.status).toBe(200);
    const back = await student.post(`/api/exams/${exam.id}/registrations`);
    expect(back.status).toBe(201);
    expect(back.body.id).toBe(reg.body.id);
    expect(back.body.status).toBe('active');
  });

  it('refuses after the deadline and when full', async () => {
    const now = server.clock.now().getTime();
    const late = await publishedExam({
      opensAt: new Date(now - 7_200_000).toISOString(),
      registrationDeadline: new Date(now - 60_000).toISOString(),
    });
    const student = await server.signedIn('student');
    const closed = await student.post(`/api/exams/${late.id}/registrations`);
    expect(closed.status).toBe(409);
    expect(closed.body.code).toBe('REGISTRATION_CLOSED');

    const tiny = await publishedExam({ capacity: 1 });
    expect((await student.post(`/api/exams/${tiny.id}/registrations`)).status).toBe(201);
    const other = await server.signedIn('student');
    const full = await other.post(`/api/exams/${tiny.id}/registrations`);
    expect(full.status).toBe(409);
    expect(full.body.code).toBe('EXAM_FULL');
  });

  it('never over-books under concurrent registrations', async () => {
    const capacity = 5;
    const exam = await publishedExam({ capacity });
    const students = await Promise.all(
      Array.from({ length: 20 }, () => server.signedIn('student')),
    );
    const results = await Promise.all(
      students.map((s) => s.post(`/api/exams/${exam.id}/registrations`)),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(capacity);
    expect(statuses.filter((s) => s === 409)).toHaveLength(20 - capacity);
    expect(results.filter((r) => r.status === 409).every((r) => r.body.code === 'EXAM_FULL')).toBe(
      true,
    );
    const admin = await server.signedIn('admin');
    const roster = await admin.get(`/api/exams/${exam.id}/registrations`);
    expect(roster.body.filter((r: { status: string }) => r.status === 'active')).toHaveLength(
      capacity,
    );
  });

  it('the same student retrying in parallel gets one registration', async () => {
    const exam = await publishedExam();
    const student = await server.signedIn('student');
    const results = await Promise.all(
      Array.from({ length: 6 }, () => student.post(`/api/exams/${exam.id}/registrations`)),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(results.filter((r) => r.status === 200)).toHaveLength(5);
    expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
  });
});
