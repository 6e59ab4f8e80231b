import net, { type AddressInfo } from 'node:net';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExamLti, LtiViolationGrade } from '@invigil/contracts';
import { answers, examSessions, ltiResourceLinks, userIdentities } from '../src/db/schema.js';
import { VIOLATION_COMMENT } from '../src/services/lti/grade-plan.js';
import { eventually } from './helpers/eventually.js';
import { buildExam } from './helpers/factories.js';
import { HttpClient } from './helpers/http-client.js';
import { formOf, LtiBrowser } from './helpers/lti-browser.js';
import {
  LTI_ROLES,
  LTI_SCOPES,
  startLtiPlatform,
  type EmulatorUser,
  type LtiPlatformEmulator,
} from './helpers/lti-platform.js';
import { expectError } from './helpers/matrix-errors.js';
import type { Config } from '../src/config/config.js';
import { engines, startTestServer, type Engine, type TestServer } from './helpers/test-server.js';

type Client = HttpClient & { userId: string; email: string };

/** A free loopback port: the tool's PUBLIC_URL must name its port before it starts. */
async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** A server whose tool URLs name its own port, and a platform that knows it. */
async function startPair(engine: Engine, lti: Partial<Config['ltiServices']>) {
  const port = await freePort();
  const publicUrl = `http://localhost:${port}`;
  const server = await startTestServer(engine, {
    port,
    publicUrl,
    ltiServices: {
      gradeRetryBaseMs: 200,
      gradeMaxAttempts: 3,
      rosterSyncMs: 6 * 3_600_000,
      rosterCheckMs: 3_600_000,
      ...lti,
    },
  });
  const lms = await startLtiPlatform();
  lms.setTool(publicUrl);
  return { server, lms, publicUrl };
}

const learner = (sub: string, extra: Partial<EmulatorUser> = {}): EmulatorUser => ({
  sub,
  name: `Learner ${sub}`,
  email: `${sub}@uni.example`,
  roles: [LTI_ROLES.learner],
  ...extra,
});

describe.each(engines())('LTI Advantage services on %s', (engine) => {
  let server: TestServer;
  let publicUrl: string;
  let lms: LtiPlatformEmulator;
  let admin: Client;
  let instructor: Client;
  let proctor: Client;
  let counter = 0;

  beforeAll(async () => {
    // Grades are retried a few hundred milliseconds apart, three sends before one shows as
    // failed; the roster schedule stays out of the way (see its own test below).
    ({ server, lms, publicUrl } = await startPair(engine, {}));
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

  /** A published exam worth 10 points (4 + 6), staffed by the instructor and the proctor. */
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

  /** A learner's launch from course `contextId` into the exam: signed in, registered. */
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

  /**
   * The learner launches, starts and is stopped by the proctor; the first answer right (4 of
   * 10 points); then the verdict.
   */
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

  const ltiOf = async (c: HttpClient, examId: string) => {
    const res = await c.get(`/api/exams/${examId}/lti`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body as ExamLti;
  };

  it('a verdict sends the score to the link’s gradebook column', async () => {
    const { examId, questionIds } = await exam();
    const user = learner('grade-1');
    const sessionId = await attemptWithVerdict(user, examId, questionIds, 'c-grade', 'clean');
    const course = lms.course('c-grade');
    await eventually(() => expect(course.scores).toHaveLength(1));
    expect(course.scores[0]).toMatchObject({
      lineItemId: course.resourceLinks[0]!.lineItemId,
      userId: 'grade-1',
      scoreGiven: 4,
      scoreMaximum: 10,
      activityProgress: 'Completed',
      gradingProgress: 'FullyGraded',
    });
    expect(course.scores[0]!.comment).toBeUndefined();
    const seen = await eventually(async () => {
      const lti = await ltiOf(instructor, examId);
      expect(lti.grades[0]?.status).toBe('sent');
      return lti;
    });
    expect(seen.links).toEqual([
      expect.objectContaining({ agsAvailable: true, nrpsAvailable: true, contextId: 'c-grade' }),
    ]);
    expect(seen.grades[0]).toMatchObject({
      sessionId,
      studentName: 'Learner grade-1',
      scoreGiven: 4,
      scoreMaximum: 10,
      attempts: 1,
      lastError: null,
    });
    // Proctors see where grades stand, never the scores.
    const forProctor = await ltiOf(proctor, examId);
    expect(forProctor.grades[0]).toMatchObject({ status: 'sent', scoreGiven: null });
    // The platform granted a token for the score scope only when asked for it.
    expect(lms.tokenRequests.some((t) => t.scopes.includes(LTI_SCOPES.score))).toBe(true);
  });

  it('a violation verdict withholds, sends zero, or sends the score with a comment', async () => {
    const outcomes: Record<LtiViolationGrade, unknown> = {
      withhold: undefined,
      zero: { scoreGiven: 0, scoreMaximum: 10, comment: VIOLATION_COMMENT },
      score_with_comment: { scoreGiven: 4, scoreMaximum: 10, comment: VIOLATION_COMMENT },
    };
    for (const [policy, expected] of Object.entries(outcomes) as [LtiViolationGrade, unknown][]) {
      const { examId, questionIds } = await exam(policy);
      const contextId = `c-${policy}`;
      await attemptWithVerdict(learner(`v-${policy}`), examId, questionIds, contextId, 'violation');
      const status = policy === 'withhold' ? 'withheld' : 'sent';
      const lti = await eventually(async () => {
        const seen = await ltiOf(instructor, examId);
        expect(seen.grades[0]?.status, policy).toBe(status);
        return seen;
      });
      const scores = lms.course(contextId).scores;
      if (expected === undefined) {
        expect(scores).toEqual([]);
        expect(lti.grades[0]).toMatchObject({ scoreGiven: null, comment: null });
      } else {
        expect(scores).toHaveLength(1);
        expect(scores[0]).toMatchObject(expected as object);
      }
    }
  });

  it('a score waiting for hand grading goes again, with its number, once graded', async () => {
    const { examId } = await exam();
    // The second question becomes an essay: the attempt's score then waits for a grade.
    const qs = await admin.put(`/api/exams/${examId}/questions`, {
      questions: [
        {
          kind: 'single_choice',
          prompt: '2 + 2',
          options: ['3', '4'],
          correctOption: 1,
          points: 4,
        },
        { kind: 'essay', prompt: 'Why?', points: 6 },
      ],
    });
    expect(qs.status, JSON.stringify(qs.body)).toBe(200);
    const [choice, essay] = (qs.body as { id: string }[]).map((q) => q.id) as [string, string];
    const user = learner('manual-1');
    const { student, sessionId } = await launch(user, examId, 'c-manual');
    const path = `/api/sessions/${sessionId}`;
    expect((await student.post(`${path}/transitions`, { to: 'checking_in' })).status).toBe(200);
    await server.instance.database.db.insert(answers).values([
      { sessionId, questionId: choice, value: { choice: 1 } },
      { sessionId, questionId: essay, value: { text: 'Because.' } },
    ]);
    expect(
      (await proctor.post(`${path}/transitions`, { to: 'terminated', reason: 'test' })).status,
    ).toBe(200);
    expect(
      (await proctor.post(`${path}/verdict`, { verdict: 'clean', reason: 'Nothing wrong' })).status,
    ).toBe(200);
    const course = lms.course('c-manual');
    await eventually(() => expect(course.scores).toHaveLength(1));
    expect(course.scores[0]).toMatchObject({ gradingProgress: 'PendingManual' });
    expect(course.scores[0]!.scoreGiven).toBeUndefined();
    const graded = await instructor.put(`${path}/answers/${essay}/grade`, {
      points: 5,
      comment: null,
    });
    expect(graded.status, JSON.stringify(graded.body)).toBe(200);
    await eventually(() => expect(course.scores).toHaveLength(2));
    expect(course.scores[1]).toMatchObject({
      userId: 'manual-1',
      scoreGiven: 9,
      scoreMaximum: 10,
      gradingProgress: 'FullyGraded',
    });
    await eventually(async () =>
      expect((await ltiOf(instructor, examId)).grades[0]?.status).toBe('sent'),
    );
  });

  it('a placement without a gradebook column gets one made, then the score', async () => {
    const { examId, questionIds } = await exam();
    const user = learner('column-1');
    // The platform sent the line items URL and the lineitem scope, but no line item of its own.
    const { student, sessionId } = await launch(user, examId, 'c-column');
    await server.instance.database.db
      .update(ltiResourceLinks)
      .set({ lineItemUrl: null })
      .where(eq(ltiResourceLinks.examId, examId));
    const path = `/api/sessions/${sessionId}`;
    expect((await student.post(`${path}/transitions`, { to: 'checking_in' })).status).toBe(200);
    await server.instance.database.db
      .insert(answers)
      .values([{ sessionId, questionId: questionIds[0]!, value: { choice: 1 } }]);
    expect(
      (await proctor.post(`${path}/transitions`, { to: 'terminated', reason: 't' })).status,
    ).toBe(200);
    const given = await proctor.post(`${path}/verdict`, { verdict: 'clean', reason: 'Fine' });
    expect(given.status, JSON.stringify(given.body)).toBe(200);
    const course = lms.course('c-column');
    await eventually(() => expect(course.scores).toHaveLength(1));
    const made = course.lineItems.find((i) => i.tag === 'invigil');
    expect(made).toMatchObject({
      scoreMaximum: 10,
      resourceId: examId,
      resourceLinkId: 'link-c-column',
    });
    expect(course.scores[0]).toMatchObject({ lineItemId: made!.id, scoreGiven: 4 });
    const [link] = await server.instance.database.db
      .select()
      .from(ltiResourceLinks)
      .where(eq(ltiResourceLinks.examId, examId));
    expect(link!.lineItemUrl).toBe(made!.id);
  });

  it('a failing gradebook is retried until it takes the score', async () => {
    const { examId, questionIds } = await exam();
    lms.failNextScores(1);
    await attemptWithVerdict(learner('retry-1'), examId, questionIds, 'c-retry', 'clean');
    const lti = await eventually(async () => {
      const seen = await ltiOf(instructor, examId);
      expect(seen.grades[0]?.status).toBe('sent');
      return seen;
    }, 10_000);
    expect(lti.grades[0]).toMatchObject({ attempts: 2, lastError: null, scoreGiven: 4 });
    expect(lms.course('c-retry').scores).toHaveLength(1);
  });

  it('a gradebook failing every attempt shows the grade failed, and staff can send it again', async () => {
    const { examId, questionIds } = await exam();
    lms.failNextScores(3);
    await attemptWithVerdict(learner('fail-1'), examId, questionIds, 'c-fail', 'clean');
    const failed = await eventually(async () => {
      const seen = await ltiOf(instructor, examId);
      expect(seen.grades[0]?.status).toBe('failed');
      return seen;
    }, 10_000);
    expect(failed.grades[0]!.attempts).toBe(3);
    expect(failed.grades[0]!.lastError).toMatch(/HTTP 503/);
    expect(lms.course('c-fail').scores).toEqual([]);

    // Proctors may not retry; the exam's instructor may.
    expectError(await proctor.post(`/api/exams/${examId}/lti/grades/retry`), 403, 'FORBIDDEN');
    const retried = await instructor.post(`/api/exams/${examId}/lti/grades/retry`);
    expect(retried.status, JSON.stringify(retried.body)).toBe(200);
    expect(retried.body).toEqual({ queued: 1 });
    await eventually(async () => {
      const seen = await ltiOf(instructor, examId);
      expect(seen.grades[0]).toMatchObject({ status: 'sent', lastError: null });
    }, 10_000);
    expect(lms.course('c-fail').scores).toHaveLength(1);
  });

  it('a roster sync registers the course’s learners, page after page', async () => {
    const { examId } = await exam();
    // The first learner's launch places the exam in the course (and registers them).
    await launch(learner('r-1'), examId, 'c-roster');
    const course = lms.course('c-roster');
    course.members.push(
      learner('r-2'),
      learner('r-3', { email: undefined }),
      learner('r-4'),
      learner('r-gone', { status: 'Inactive' }),
      { sub: 'r-teacher', name: 'Tom Teacher', roles: [LTI_ROLES.instructor] },
    );
    expectError(await proctor.post(`/api/exams/${examId}/lti/roster-sync`), 403, 'FORBIDDEN');
    const res = await instructor.post(`/api/exams/${examId}/lti/roster-sync`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.syncs).toEqual([
      expect.objectContaining({
        trigger: 'manual',
        status: 'done',
        members: 6,
        added: 3,
        existing: 1,
        skipped: 2,
        error: null,
      }),
    ]);
    const roster = await instructor.get(`/api/exams/${examId}/registrations`);
    expect(roster.status).toBe(200);
    const names = (roster.body as { studentName: string; studentEmail: string }[])
      .map((r) => r.studentName)
      .sort();
    expect(names).toEqual(['Learner r-1', 'Learner r-2', 'Learner r-3', 'Learner r-4']);
    // Without an e-mail claim the account gets an address that never delivers.
    expect(
      (roster.body as { studentEmail: string }[]).some((r) =>
        r.studentEmail.endsWith('@lti.invalid'),
      ),
    ).toBe(true);

    // Again: nobody new; members who left are not unregistered.
    course.members.splice(
      course.members.findIndex((m) => m.sub === 'r-2'),
      1,
    );
    const again = await instructor.post(`/api/exams/${examId}/lti/roster-sync`);
    expect(again.body.syncs[0]).toMatchObject({ members: 5, added: 0, existing: 3, skipped: 2 });
    expect((await instructor.get(`/api/exams/${examId}/registrations`)).body).toHaveLength(4);
    const lti = await ltiOf(proctor, examId);
    expect(lti.rosterSyncs.map((s) => s.added)).toEqual([0, 3]);
  });

  it('an exam without a course roster says so', async () => {
    const { examId } = await exam();
    expectError(
      await instructor.post(`/api/exams/${examId}/lti/roster-sync`),
      409,
      'LTI_NO_ROSTER',
    );
    expect(await ltiOf(instructor, examId)).toEqual({ links: [], rosterSyncs: [], grades: [] });
  });

  it('dynamic registration registers a platform that can then launch', async () => {
    const other = await startLtiPlatform();
    try {
      const invite = await admin.post('/api/lti/registration-invites');
      expect(invite.status, JSON.stringify(invite.body)).toBe(201);
      const url = invite.body.url as string;
      expect(url.startsWith(`${publicUrl}/lti/register/`)).toBe(true);
      expect(Date.parse(invite.body.expiresAt) - Date.now()).toBeGreaterThan(23 * 3_600_000);

      // A configuration address that is not https is refused, and the invitation still works.
      const bad = await fetch(
        `${url}?openid_configuration=${encodeURIComponent('http://lms.example/.well-known/openid-configuration')}`,
      );
      expect(bad.status).toBe(400);
      expect(await bad.text()).toContain('LTI_REGISTRATION_FAILED');

      // A registration token the platform does not know: it refuses, Invigil says so (502).
      const refused = new URL(other.dynamicRegistrationStart(url));
      refused.searchParams.set('registration_token', 'forged');
      const forged = await fetch(refused);
      expect(forged.status).toBe(502);
      expect(await forged.text()).toContain('answered HTTP 401');
      // A configuration naming an issuer at another address is not believed.
      const liar = await startLtiPlatform({ issuer: 'https://lms.elsewhere.example' });
      try {
        const lied = await fetch(liar.dynamicRegistrationStart(url));
        expect(lied.status).toBe(502);
        expect(await lied.text()).toContain('issuer at another address');
        expect(liar.registrations).toEqual([]);
      } finally {
        await liar.close();
      }

      const done = await fetch(other.dynamicRegistrationStart(url));
      const html = await done.text();
      expect(done.status, html).toBe(200);
      expect(html).toContain('org.imsglobal.lti.close');
      const csp = done.headers.get('content-security-policy') ?? '';
      const nonce = /script-src 'nonce-([^']+)'/.exec(csp)?.[1];
      expect(nonce).toBeTruthy();
      expect(html).toContain(`<script nonce="${nonce}">`);

      expect(other.registrations).toHaveLength(1);
      expect(other.registrations[0]).toMatchObject({
        client_name: 'Invigil',
        jwks_uri: `${publicUrl}/lti/jwks`,
        initiate_login_uri: `${publicUrl}/lti/login`,
        redirect_uris: [`${publicUrl}/lti/launch`],
        token_endpoint_auth_method: 'private_key_jwt',
      });
      expect(String(other.registrations[0]!.scope)).toContain(LTI_SCOPES.score);
      const platforms = (await admin.get('/api/lti/platforms')).body.platforms as {
        issuer: string;
        clientId: string;
        deploymentIds: string[];
        createdVia: string;
      }[];
      expect(platforms.find((p) => p.issuer === other.issuer)).toMatchObject({
        clientId: other.clientId,
        deploymentIds: [other.deploymentId],
        createdVia: 'dynamic',
      });

      // The invitation is spent; an unknown one was never valid.
      const reused = await fetch(other.dynamicRegistrationStart(url));
      expect(reused.status).toBe(410);
      expect(await reused.text()).toContain('LTI_INVITE_INVALID');
      const unknown = await fetch(other.dynamicRegistrationStart(`${publicUrl}/lti/register/nope`));
      expect(unknown.status).toBe(404);

      // The same platform registering again with a new invitation is a conflict.
      const second = (await admin.post('/api/lti/registration-invites')).body.url as string;
      const twice = await fetch(other.dynamicRegistrationStart(second));
      expect(twice.status).toBe(409);
      expect(await twice.text()).toContain('LTI_PLATFORM_EXISTS');

      // A launch from the newly registered platform works.
      const { examId } = await exam();
      other.setTool(publicUrl);
      const browser = new LtiBrowser(publicUrl);
      const page = await browser.launch(
        other.launchUrl({
          user: learner('dyn-1'),
          kind: 'resource',
          custom: { invigil_exam_id: examId },
        }),
        { 'sec-fetch-dest': 'iframe' },
      );
      expect(page.status, page.html).toBe(200);
    } finally {
      await other.close();
    }
  });
});

describe.each(engines())('LTI roster schedule on %s', (engine) => {
  let server: TestServer;
  let lms: LtiPlatformEmulator;
  let publicUrl: string;

  beforeAll(async () => {
    ({ server, lms, publicUrl } = await startPair(engine, { rosterCheckMs: 300 }));
  });
  afterAll(async () => {
    await lms?.close();
    await server?.close();
  });

  it('syncs a placed exam’s roster on its own, then not again before it is due', async () => {
    const admin = (await server.signedIn('admin')) as Client;
    expect((await admin.post('/api/lti/platforms', lms.platformInput())).status).toBe(201);
    const examId = (await admin.post('/api/exams', buildExam({}, server.clock.now().getTime())))
      .body.id as string;
    lms.course('c-sched').members.push(learner('s-2'), learner('s-3'));
    const browser = new LtiBrowser(publicUrl);
    const page = await browser.launch(
      lms.launchUrl({
        user: learner('s-1'),
        kind: 'resource',
        contextId: 'c-sched',
        custom: { invigil_exam_id: examId },
      }),
    );
    expect(page.status, page.html).toBe(200);
    const lti = await eventually(async () => {
      const res = await admin.get(`/api/exams/${examId}/lti`);
      expect((res.body as ExamLti).rosterSyncs[0]?.status).toBe('done');
      return res.body as ExamLti;
    }, 10_000);
    expect(lti.rosterSyncs).toHaveLength(1);
    expect(lti.rosterSyncs[0]).toMatchObject({ trigger: 'schedule', added: 2, existing: 1 });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(
      ((await admin.get(`/api/exams/${examId}/lti`)).body as ExamLti).rosterSyncs,
    ).toHaveLength(1);
  });
});
