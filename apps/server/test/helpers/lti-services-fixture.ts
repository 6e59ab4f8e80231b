import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, expect } from 'vitest';
import type { ExamLti, LtiViolationGrade } from '@invigil/contracts';
import type { Config } from '../../src/config/config.js';
import { answers, examSessions, userIdentities } from '../../src/db/schema.js';
import { buildExam } from './factories.js';
import { HttpClient } from './http-client.js';
import { formOf, LtiBrowser } from './lti-browser.js';
import { startToolAndPlatform } from './lti-fixture.js';
import { LTI_ROLES, type EmulatorUser, type LtiPlatformEmulator } from './lti-platform.js';
import type { Engine, TestServer } from './test-server.js';

/** A signed-in user of the tool. */
export type Client = HttpClient & { userId: string; email: string };

/**
 * A tool whose LTI Advantage services (grades, rosters) are configured for tests, and a
 * platform that knows it. Grades are retried a few hundred milliseconds apart, three sends
 * before one shows as failed; the roster schedule stays out of the way unless `lti` says.
 */
export function startServicesPair(engine: Engine, lti: Partial<Config['ltiServices']> = {}) {
  return startToolAndPlatform(engine, {
    ltiServices: {
      gradeRetryBaseMs: 200,
      gradeMaxAttempts: 3,
      rosterSyncMs: 6 * 3_600_000,
      rosterCheckMs: 3_600_000,
      ...lti,
    },
  });
}

/** A learner at the platform, with a name and an e-mail made from `sub`. */
export const learner = (sub: string, extra: Partial<EmulatorUser> = {}): EmulatorUser => ({
  sub,
  name: `Learner ${sub}`,
  email: `${sub}@uni.example`,
  roles: [LTI_ROLES.learner],
  ...extra,
});

/** The tool and platform of an LTI Advantage test file, and what its tests ask of them. */
export interface LtiServicesServer {
  readonly server: TestServer;
  readonly lms: LtiPlatformEmulator;
  readonly publicUrl: string;
  readonly admin: Client;
  readonly instructor: Client;
  readonly proctor: Client;
  /** A published exam worth 10 points (4 + 6), staffed by the instructor and the proctor. */
  exam(violation?: LtiViolationGrade): Promise<{ examId: string; questionIds: string[] }>;
  /** A learner's launch from course `contextId` into the exam: signed in, registered. */
  launch(
    user: EmulatorUser,
    examId: string,
    contextId: string,
  ): Promise<{ student: HttpClient; sessionId: string }>;
  /**
   * The learner launches, starts and is stopped by the proctor; the first answer right (4 of
   * 10 points); then the verdict. Returns the attempt's session id.
   */
  attemptWithVerdict(
    user: EmulatorUser,
    examId: string,
    questionIds: string[],
    contextId: string,
    verdict: 'clean' | 'violation',
  ): Promise<string>;
  /** The exam's LTI links, roster syncs and grades, as `c` reads them. */
  ltiOf(c: HttpClient, examId: string): Promise<ExamLti>;
}

/**
 * Start, for one test file (closed after its tests), the services pair with the platform
 * registered, and an admin, an instructor and a proctor.
 */
export function useLtiServicesServer(engine: Engine): LtiServicesServer {
  let server: TestServer;
  let lms: LtiPlatformEmulator;
  let publicUrl: string;
  let admin: Client;
  let instructor: Client;
  let proctor: Client;
  let counter = 0;

  beforeAll(async () => {
    ({ server, lms, publicUrl } = await startServicesPair(engine));
    admin = await server.signedIn('admin');
    instructor = await server.signedIn('instructor', 'Ida Instructor');
    proctor = await server.signedIn('proctor', 'Pat Proctor');
    const created = await admin.post('/api/lti/platforms', lms.platformInput());
    expect(created.status, JSON.stringify(created.body)).toBe(201);
  });
  afterAll(async () => {
    await lms?.close();
    await server?.close();
  });

  async function exam(violation?: LtiViolationGrade) {
    const now = server.clock.now().getTime();
    counter += 1;
    const res = await admin.post(
      '/api/exams',
      buildExam(
        {
          title: `LMS exam ${counter}`,
          ...(violation && { policy: { ltiViolationGrade: violation } }),
        },
        now,
      ),
    );
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const examId = res.body.id as string;
    const qs = await admin.put(`/api/exams/${examId}/questions`, {
      questions: [
        {
          kind: 'single_choice',
          prompt: '2 + 2',
          options: ['3', '4'],
          correctOption: 1,
          points: 4,
        },
        { kind: 'true_false', prompt: 'The earth is flat', answer: false, points: 6 },
      ],
    });
    expect(qs.status, JSON.stringify(qs.body)).toBe(200);
    await admin.put(`/api/exams/${examId}/staff/${instructor.userId}`, { role: 'instructor' });
    await admin.put(`/api/exams/${examId}/staff/${proctor.userId}`, { role: 'proctor' });
    return { examId, questionIds: (qs.body as { id: string }[]).map((q) => q.id) };
  }

  async function launch(user: EmulatorUser, examId: string, contextId: string) {
    const browser = new LtiBrowser(publicUrl);
    const page = await browser.launch(
      lms.launchUrl({
        user,
        kind: 'resource',
        contextId,
        resourceLinkId: `link-${contextId}`,
        custom: { invigil_exam_id: examId },
      }),
      { 'sec-fetch-dest': 'iframe' },
    );
    expect(page.status, page.html).toBe(200);
    const handoff = await browser.post(formOf(page.html));
    expect(handoff.status, handoff.html).toBe(303);
    const student = new HttpClient(server.url);
    student.cookie = `invigil_session=${browser.session}`;
    student.csrfToken = (await student.get('/api/auth/me')).body.csrfToken;
    const db = server.instance.database.db;
    const [row] = await db
      .select({ sessionId: examSessions.id })
      .from(examSessions)
      .innerJoin(userIdentities, eq(userIdentities.userId, examSessions.studentId))
      .where(and(eq(examSessions.examId, examId), eq(userIdentities.subject, user.sub)));
    expect(row).toBeDefined();
    return { student, sessionId: row!.sessionId };
  }

  async function attemptWithVerdict(
    user: EmulatorUser,
    examId: string,
    questionIds: string[],
    contextId: string,
    verdict: 'clean' | 'violation',
  ) {
    const { student, sessionId } = await launch(user, examId, contextId);
    const path = `/api/sessions/${sessionId}`;
    const moved = await student.post(`${path}/transitions`, { to: 'checking_in' });
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    await server.instance.database.db.insert(answers).values([
      { sessionId, questionId: questionIds[0]!, value: { choice: 1 } },
      { sessionId, questionId: questionIds[1]!, value: { choice: 0 } },
    ]);
    const ended = await proctor.post(`${path}/transitions`, { to: 'terminated', reason: 'test' });
    expect(ended.status, JSON.stringify(ended.body)).toBe(200);
    const given = await proctor.post(`${path}/verdict`, {
      verdict,
      reason: verdict === 'clean' ? 'Nothing wrong' : 'A second person helped',
      ...(verdict === 'violation' && { overrideComment: 'Seen on the recording, not flagged' }),
    });
    expect(given.status, JSON.stringify(given.body)).toBe(200);
    return sessionId;
  }

  return {
    get server() {
      return server;
    },
    get lms() {
      return lms;
    },
    get publicUrl() {
      return publicUrl;
    },
    get admin() {
      return admin;
    },
    get instructor() {
      return instructor;
    },
    get proctor() {
      return proctor;
    },
    exam,
    launch,
    attemptWithVerdict,
    async ltiOf(c, examId) {
      const res = await c.get(`/api/exams/${examId}/lti`);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body as ExamLti;
    },
  };
}
