import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Question, QuestionInput, QuestionKind } from '@invigil/contracts';
import { type DemoCredential, seedDemoIfEmpty } from '../src/seed/demo.js';
import { buildExam } from './helpers/factories.js';
import { HttpClient } from './helpers/http-client.js';
import { expectError } from './helpers/matrix-errors.js';
import { requestEngines, startTestServer, type TestServer } from './helpers/test-server.js';

const MC = { kind: 'multiple_choice', prompt: 'Pick', options: ['a', 'b'], correctOption: 0 };
const PAGE = 'https://quiz.example/midterm';

/** A published exam always has something to answer: questions or an external exam page. */
describe.each(requestEngines())('publishing an exam on %s', (engine) => {
  let server: TestServer;
  let dataDir: string;
  let demo: DemoCredential[];
  let admin: HttpClient & { userId: string };
  let instructor: HttpClient & { userId: string };

  beforeAll(async () => {
    server = await startTestServer(engine);
    // The demo is seeded only into an empty database: before anyone else signs up.
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'invigil-demo-'));
    const seeded = await seedDemoIfEmpty(server.instance.database.db, dataDir);
    if (!seeded) throw new Error('the demo was not seeded');
    demo = seeded;
    admin = await server.signedIn('admin');
    instructor = await server.signedIn('instructor');
  });
  afterAll(async () => {
    await server?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  /** An exam body without an external exam page (buildExam names one). */
  const empty = (overrides = {}) =>
    buildExam({ externalUrl: null, ...overrides }, server.clock.now().getTime());

  const auditOf = async (examId: string) =>
    ((await admin.get(`/api/audit?examId=${examId}&limit=100`)).body as { action: string }[]).map(
      (e) => e.action,
    );

  it('refuses to publish an exam without questions or an external exam page', async () => {
    // Created published: it cannot have questions yet, and nothing is created.
    const created = await admin.post('/api/exams', empty({ title: 'Empty at once' }));
    expectError(created, 409, 'EXAM_EMPTY');
    expect(created.body.message).toMatch(/questions or an external exam page/);
    expect(created.body.details).toEqual([{ path: 'status', message: created.body.message }]);
    const titles = ((await admin.get('/api/exams')).body as { title: string }[]).map(
      (e) => e.title,
    );
    expect(titles).not.toContain('Empty at once');

    // A draft can be empty; publishing it is refused, and it stays a draft.
    const draft = await admin.post('/api/exams', empty({ status: 'draft' }));
    expect(draft.status, JSON.stringify(draft.body)).toBe(201);
    const id = draft.body.id as string;
    const publish = await admin.patch(`/api/exams/${id}`, { status: 'published' });
    expectError(publish, 409, 'EXAM_EMPTY');
    expect(publish.body.details).toEqual([expect.objectContaining({ path: 'status' })]);
    expect((await admin.get(`/api/exams/${id}`)).body.status).toBe('draft');
    expect(await auditOf(id)).not.toContain('exam.update');
    // Other changes to the draft are fine.
    expect((await admin.patch(`/api/exams/${id}`, { description: 'Soon' })).status).toBe(200);

    // With questions it can be published; emptying it again is refused.
    expect((await admin.put(`/api/exams/${id}/questions`, { questions: [MC] })).status).toBe(200);
    const published = await admin.patch(`/api/exams/${id}`, { status: 'published' });
    expect(published.status, JSON.stringify(published.body)).toBe(200);
    expect(published.body.status).toBe('published');
    const emptied = await admin.put(`/api/exams/${id}/questions`, { questions: [] });
    expectError(emptied, 409, 'EXAM_EMPTY');
    expect(emptied.body.details).toEqual([expect.objectContaining({ path: 'questions' })]);
    expect((await admin.get(`/api/exams/${id}/questions`)).body).toHaveLength(1);
  });

  it('allows publishing with an external exam page, which then cannot be removed alone', async () => {
    const created = await admin.post('/api/exams', empty({ externalUrl: PAGE }));
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({ status: 'published', externalUrl: PAGE });
    const id = created.body.id as string;
    // Its questions may be emptied: the external page is the exam.
    expect((await admin.put(`/api/exams/${id}/questions`, { questions: [] })).status).toBe(200);
    const dropped = await admin.patch(`/api/exams/${id}`, { externalUrl: null });
    expectError(dropped, 409, 'EXAM_EMPTY');
    expect(dropped.body.details).toEqual([expect.objectContaining({ path: 'externalUrl' })]);
    expect((await admin.get(`/api/exams/${id}`)).body.externalUrl).toBe(PAGE);
    // Back to draft and without the page in one change: allowed.
    const unpublished = await admin.patch(`/api/exams/${id}`, {
      status: 'draft',
      externalUrl: null,
    });
    expect(unpublished.status, JSON.stringify(unpublished.body)).toBe(200);

    // A draft given its external page in the same change as publishing.
    const draft = await instructor.post('/api/exams', empty({ status: 'draft' }));
    expect(draft.status, JSON.stringify(draft.body)).toBe(201);
    const both = await instructor.patch(`/api/exams/${draft.body.id}`, {
      status: 'published',
      externalUrl: PAGE,
    });
    expect(both.status, JSON.stringify(both.body)).toBe(200);
    // With questions the page can go.
    await instructor.put(`/api/exams/${draft.body.id}/questions`, { questions: [MC] });
    expect(
      (await instructor.patch(`/api/exams/${draft.body.id}`, { externalUrl: null })).status,
    ).toBe(200);
  });

  it('seeds a demo exam with questions of each kind that stays publishable', async () => {
    const adminCreds = demo.find((c) => c.role === 'admin');
    if (!adminCreds) throw new Error('no demo admin');
    const demoAdmin = new HttpClient(server.url);
    await demoAdmin.login(adminCreds.email, adminCreds.password);
    const exams = (await demoAdmin.get('/api/exams')).body as { id: string; title: string }[];
    const exam = exams.find((e) => e.title.startsWith('Introduction to Statistics'));
    if (!exam) throw new Error('demo exam missing');
    const full = (await demoAdmin.get(`/api/exams/${exam.id}`)).body;
    expect(full).toMatchObject({ status: 'published', externalUrl: null });

    const questions = (await demoAdmin.get(`/api/exams/${exam.id}/questions`)).body as Question[];
    const kinds = new Set(questions.map((q) => q.kind));
    expect([...kinds].sort()).toEqual([...QuestionKind.options].sort());
    // Each is a question staff could have authored through the API.
    for (const q of questions) {
      expect(QuestionInput.safeParse(asInput(q)).success, JSON.stringify(q)).toBe(true);
    }
    // Publishing it again is accepted: it has content.
    const republished = await demoAdmin.patch(`/api/exams/${exam.id}`, { status: 'published' });
    expect(republished.status, JSON.stringify(republished.body)).toBe(200);

    // Students find it in the catalogue.
    const studentCreds = demo.find((c) => c.role === 'student');
    if (!studentCreds) throw new Error('no demo student');
    const student = new HttpClient(server.url);
    await student.login(studentCreds.email, studentCreds.password);
    const open = (await student.get('/api/exams/open')).body as { id: string }[];
    expect(open.map((e) => e.id)).toContain(exam.id);
  });
});

/** The authoring body that would create this question as staff see it. */
function asInput(q: Question): unknown {
  const base = { kind: q.kind, prompt: q.prompt, points: q.points };
  switch (q.kind) {
    case 'single_choice':
      return { ...base, options: q.options, correctOption: q.correctOption };
    case 'multiple_choice':
      return { ...base, options: q.options, correctOptions: q.correctOptions };
    case 'true_false':
      return { ...base, answer: q.correctOption === 0 };
    case 'numeric':
      return { ...base, answer: q.numericAnswer, tolerance: q.tolerance };
    default:
      return base;
  }
}
