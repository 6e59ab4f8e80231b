import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { users } from '../src/db/schema.js';
import { buildExam } from './helpers/factories.js';
import type { HttpClient } from './helpers/http-client.js';
import { requestEngines, startTestServer, type TestServer } from './helpers/test-server.js';

type Client = HttpClient & { userId: string; email: string };

/**
 * GET /api/exams/:id/staff/candidates: an exam's instructors (and admins) list the active
 * accounts they may assign, with no more about them than id, name and email, and can then
 * assign one; nobody else learns the list.
 */
describe.each(requestEngines())('staff candidates of an exam on %s', (engine) => {
  let server: TestServer;
  let admin: Client;
  let instructor: Client;
  let examId: string;
  const path = () => `/api/exams/${examId}/staff/candidates`;

  beforeAll(async () => {
    server = await startTestServer(engine);
    admin = await server.signedIn('admin');
    instructor = await server.signedIn('instructor', 'Iris Instructor');
    const now = server.clock.now().getTime();
    examId = (await instructor.post('/api/exams', buildExam({ title: 'Staffed' }, now))).body.id;
  });
  afterAll(async () => server?.close());

  it('gives the exam’s instructor the active proctors, by name, and lets them assign one', async () => {
    const zoe = await server.signedIn('proctor', 'Zoe Proctor');
    const adam = await server.signedIn('proctor', 'Adam Proctor');
    const gone = await server.signedIn('proctor', 'Disabled Proctor');
    expect((await admin.patch(`/api/users/${gone.userId}`, { disabled: true })).status).toBe(200);
    const waiting = await server.signedIn('proctor', 'Waiting Proctor');
    await server.instance.database.db
      .update(users)
      .set({ signupPending: 'approval' })
      .where(eq(users.id, waiting.userId));
    await server.signedIn('student', 'Sam Student');

    const res = await instructor.get(`${path()}?role=proctor`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const list = res.body as Record<string, unknown>[];
    expect(list.map((c) => c.id)).toEqual([adam.userId, zoe.userId]);
    expect(list[0]).toEqual({ id: adam.userId, name: 'Adam Proctor', email: adam.email });
    for (const c of list) expect(Object.keys(c).sort()).toEqual(['email', 'id', 'name']);

    const instructors = await instructor.get(`${path()}?role=instructor`);
    expect(instructors.body.map((c: { id: string }) => c.id)).toEqual([instructor.userId]);
    expect((await admin.get(`${path()}?role=proctor`)).body).toEqual(list);

    const put = await instructor.put(`/api/exams/${examId}/staff/${adam.userId}`, {
      role: 'proctor',
    });
    expect(put.status, JSON.stringify(put.body)).toBe(201);
    const staff = await instructor.get(`/api/exams/${examId}/staff`);
    expect(staff.body.map((s: { userId: string }) => s.userId)).toContain(adam.userId);
  });

  it('refuses an instructor of another exam, the exam’s proctors and students', async () => {
    const other = await server.signedIn('instructor', 'Other Instructor');
    expect((await other.get(`${path()}?role=proctor`)).body.code).toBe('NOT_FOUND');
    expect((await other.get(`${path()}?role=proctor`)).status).toBe(404);

    const proctor = await server.signedIn('proctor', 'Assigned Proctor');
    await admin.put(`/api/exams/${examId}/staff/${proctor.userId}`, { role: 'proctor' });
    const asProctor = await proctor.get(`${path()}?role=proctor`);
    expect([asProctor.status, asProctor.body.code]).toEqual([403, 'FORBIDDEN']);
    // Proctors never assign staff: refused by role, whether or not they see the exam.
    const stranger = await server.signedIn('proctor', 'Unassigned Proctor');
    expect((await stranger.get(`${path()}?role=proctor`)).status).toBe(403);

    const student = await server.signedIn('student');
    const asStudent = await student.get(`${path()}?role=proctor`);
    expect([asStudent.status, asStudent.body.code]).toEqual([403, 'FORBIDDEN']);
    expect((await server.anonymous().get(`${path()}?role=proctor`)).status).toBe(401);
    const unknown = await admin.get(
      `/api/exams/${crypto.randomUUID()}/staff/candidates?role=proctor`,
    );
    expect(unknown.status).toBe(404);
  });

  it('rejects a role that is not a staff role, or none, with 400 VALIDATION_FAILED', async () => {
    for (const q of ['?role=student', '?role=admin', '?role=', '']) {
      const res = await instructor.get(`${path()}${q}`);
      expect([q, res.status, res.body.code]).toEqual([q, 400, 'VALIDATION_FAILED']);
    }
  });
});
