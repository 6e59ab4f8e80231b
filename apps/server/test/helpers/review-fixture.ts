import { afterAll, beforeAll, expect } from 'vitest';
import { buildExam } from './factories.js';
import type { HttpClient, TestResponse } from './http-client.js';
import { eventually } from './eventually.js';
import { startTestServer, type Engine, type TestServer } from './test-server.js';

/** A signed-in user of the review tests. */
export type Client = HttpClient & { userId: string; email: string };

/** A student's attempt ended by the proctor, with its closed no_face flags in order. */
export interface FinishedAttempt {
  student: Client;
  sessionId: string;
  /** `/api/sessions/<sessionId>`. */
  path: string;
  flagIds: string[];
}

/** The exam a review test file reviews, its staff and server, and what its tests ask of them. */
export interface ReviewExam {
  readonly server: TestServer;
  readonly admin: Client;
  /** Pat Proctor, a proctor of the exam. */
  readonly proctor: Client;
  /** Ida Instructor, an instructor of the exam. */
  readonly instructor: Client;
  /** A proctor of another exam only. */
  readonly otherProctor: Client;
  /** The exam "Algebra <final>". */
  readonly examId: string;
  /**
   * A student's attempt, terminated by the proctor after `noFace` separate stretches without a
   * face (each a closed no_face flag).
   */
  finished(noFace: number, name?: string): Promise<FinishedAttempt>;
  /** The exam's review queue as `c` reads it (which must be allowed). */
  queueOf(c: HttpClient): Promise<any[]>;
  /** `c` decides a flag. */
  decide(c: HttpClient, flagId: string, decision: string, comment?: string): Promise<TestResponse>;
}

/**
 * Start a server for one review test file (before its tests; closed after them) with an admin,
 * the exam "Algebra <final>" with a proctor and an instructor, and another exam with its own
 * proctor.
 */
export function useReviewExam(engine: Engine): ReviewExam {
  let server: TestServer;
  let admin: Client;
  let proctor: Client;
  let instructor: Client;
  let otherProctor: Client;
  let examId: string;

  beforeAll(async () => {
    server = await startTestServer(engine);
    admin = await server.signedIn('admin');
    proctor = await server.signedIn('proctor', 'Pat Proctor');
    instructor = await server.signedIn('instructor', 'Ida Instructor');
    otherProctor = await server.signedIn('proctor', 'Other Proctor');
    const now = server.clock.now().getTime();
    examId = (await admin.post('/api/exams', buildExam({ title: 'Algebra <final>' }, now))).body.id;
    const otherExamId = (await admin.post('/api/exams', buildExam({ title: 'Other exam' }, now)))
      .body.id;
    await admin.put(`/api/exams/${examId}/staff/${proctor.userId}`, { role: 'proctor' });
    await admin.put(`/api/exams/${examId}/staff/${instructor.userId}`, { role: 'instructor' });
    await admin.put(`/api/exams/${otherExamId}/staff/${otherProctor.userId}`, { role: 'proctor' });
  });
  afterAll(async () => server?.close());

  async function finished(noFace: number, name?: string): Promise<FinishedAttempt> {
    const student = (await server.signedIn('student', name)) as Client;
    const reg = await student.post(`/api/exams/${examId}/registrations`);
    expect(reg.status, JSON.stringify(reg.body)).toBe(201);
    const sessionId = reg.body.sessionId as string;
    const path = `/api/sessions/${sessionId}`;
    expect((await student.post(`${path}/transitions`, { to: 'checking_in' })).status).toBe(200);
    // Recent enough to be trusted on arrival (events dated minutes back would only be evidence).
    const t0 = server.clock.now().getTime() - 100_000;
    const events = Array.from({ length: noFace }, (_, i) => [
      { at: t0 + i * 30_000, active: true },
      { at: t0 + i * 30_000 + 20_000, active: false },
    ])
      .flat()
      .map((e, seq) => ({
        seq,
        type: 'detect.state',
        at: e.at,
        data: { detector: 'no_face', active: e.active, confidence: 0.9, model: 'test-model' },
      }));
    if (events.length > 0) {
      const sent = await student.post(`${path}/events`, { events });
      expect(sent.status, JSON.stringify(sent.body)).toBe(200);
    }
    const ended = await proctor.post(`${path}/transitions`, { to: 'terminated', reason: 'test' });
    expect(ended.status, JSON.stringify(ended.body)).toBe(200);
    const flags = await eventually(async () => {
      const res = await proctor.get(`${path}/flags`);
      expect(res.body).toHaveLength(noFace);
      return res.body as { id: string; type: string }[];
    });
    return { student, sessionId, path, flagIds: flags.map((f) => f.id) };
  }

  return {
    get server() {
      return server;
    },
    get admin() {
      return admin;
    },
    get proctor() {
      return proctor;
    },
    get instructor() {
      return instructor;
    },
    get otherProctor() {
      return otherProctor;
    },
    get examId() {
      return examId;
    },
    finished,
    async queueOf(c) {
      const res = await c.get(`/api/exams/${examId}/review-queue`);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body as any[];
    },
    decide: (c, flagId, decision, comment) =>
      c.post(`/api/flags/${flagId}/review`, { decision, ...(comment && { comment }) }),
  };
}
