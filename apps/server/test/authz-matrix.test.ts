import { createHash } from 'node:crypto';
import { and, desc, eq, ne, notInArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenScope } from '@invigil/contracts';
import { dataExports } from '../src/db/schema-exports.js';
import {
  emailVerifications,
  ltiPlatforms,
  ltiResourceLinks,
  passwordResets,
  users as usersTable,
} from '../src/db/schema.js';
import { completeCheckIn } from './helpers/check-in.js';
import { eventually } from './helpers/eventually.js';
import { addDeadJob } from './helpers/dead-job.js';
import { buildExam } from './helpers/factories.js';
import { HttpClient, type TestResponse } from './helpers/http-client.js';
import { expectError } from './helpers/matrix-errors.js';
import { jpegBytes, webmBytes } from './helpers/media-bytes.js';
import {
  documentedOperations,
  registeredOperations,
  splitOperation,
} from './helpers/matrix-routes.js';
import {
  requestEngines,
  startTestServer,
  TEST_PASSWORD,
  type TestServer,
} from './helpers/test-server.js';

/**
 * The authorization matrix: every route × every kind of caller → the expected outcome.
 *
 * Outcome letters:
 *   A  allowed (2xx)
 *   U  401 UNAUTHENTICATED
 *   F  403 FORBIDDEN (role, or a browser-only route called with an API token)
 *   S  403 INSUFFICIENT_SCOPE (API token without the route's scope)
 *   H  404 NOT_FOUND (exists, but the caller may not know it does)
 *   W  426 UPGRADE_REQUIRED (allowed, but the route is a WebSocket: a plain GET cannot use it)
 *   R  403 RTC_NOT_ALLOWED (sees the session or link, but may not open or end live links)
 *   O  404 SSO_NOT_CONFIGURED (a public single sign-on route; this server has none set up)
 *   K  allowed (2xx), but without the answer key: questions without their right answers,
 *      answers without scoring (proctors; A on those rows means the key is included)
 *   V  400 SECOND_FACTOR_INVALID (allowed; the code or passkey answer sent is not valid)
 *   M  409 MFA_FACTOR_REQUIRED (allowed; the caller has no second factor to act on)
 *
 * Callers, in column order:
 *   an  anonymous                   st  student who owns the registration
 *   os  another student             pA  proctor assigned to exam A
 *   pX  proctor not assigned to A   iA  instructor assigned to exam A
 *   iX  instructor not assigned     ad  admin
 *   pT  API token of pA, exams:read only
 *   aT  API token of the admin, every scope
 */
const CALLERS = [
  'anonymous',
  'student',
  'otherStudent',
  'proctorA',
  'proctorX',
  'instructorA',
  'instructorX',
  'admin',
  'proctorToken',
  'adminToken',
] as const;
type Caller = (typeof CALLERS)[number];
type UserCaller = Exclude<Caller, 'anonymous' | 'proctorToken' | 'adminToken'>;
type Outcome = 'A' | 'U' | 'F' | 'S' | 'H' | 'W' | 'K' | 'R' | 'O' | 'V' | 'M';

const COOKIE_CALLERS: readonly UserCaller[] = [
  'student',
  'otherStudent',
  'proctorA',
  'proctorX',
  'instructorA',
  'instructorX',
  'admin',
];
const STAFF_COOKIE_CALLERS: readonly Caller[] = [
  'proctorA',
  'proctorX',
  'instructorA',
  'instructorX',
  'admin',
];
const isStaff = (c: Caller) =>
  STAFF_COOKIE_CALLERS.includes(c) || c === 'proctorToken' || c === 'adminToken';

/** How a request authenticates: a session cookie plus CSRF token, or a bearer token, or nothing. */
interface Credentials {
  cookie?: string;
  csrfToken?: string;
  bearer?: string;
}

/** One request of a cell: where to send it and with what body, optionally as someone else. */
interface Cell {
  path: string;
  body?: unknown;
  as?: Credentials;
  /** Extra request headers (raw uploads send their content type and x-sha256). */
  headers?: Record<string, string>;
}

interface Row {
  op: string;
  /** Distinguishes extra rows for the same operation (e.g. on exam B). */
  variant?: string;
  expect: string;
  prepare: (caller: Caller) => Promise<Cell>;
}

function parseOutcomes(spec: string): Record<Caller, Outcome> {
  const letters = spec.trim().split(/\s+/);
  if (letters.length !== CALLERS.length) throw new Error(`bad matrix row: ${spec}`);
  return Object.fromEntries(CALLERS.map((c, i) => [c, letters[i] as Outcome])) as Record<
    Caller,
    Outcome
  >;
}

/** A 2xx body that withholds the answer key (see `K` in the legend). */
function withoutKey(body: unknown): boolean {
  if (Array.isArray(body)) {
    return body.some(
      (q: { kind?: unknown; correctOption?: unknown; correctOptions?: unknown }) =>
        (q?.kind === 'single_choice' && q.correctOption === null) ||
        (q?.kind === 'multiple_choice' && q.correctOptions === null),
    );
  }
  return (body as { answerKey?: unknown } | undefined)?.answerKey === false;
}

function classify(res: TestResponse): string {
  if (res.status >= 200 && res.status < 300) return withoutKey(res.body) ? 'K' : 'A';
  const code = (res.body as { code?: string } | undefined)?.code;
  if (res.status === 401 && code === 'UNAUTHENTICATED') return 'U';
  if (res.status === 403 && code === 'FORBIDDEN') return 'F';
  if (res.status === 403 && code === 'INSUFFICIENT_SCOPE') return 'S';
  if (res.status === 404 && code === 'NOT_FOUND') return 'H';
  if (res.status === 426 && code === 'UPGRADE_REQUIRED') return 'W';
  if (res.status === 403 && code === 'RTC_NOT_ALLOWED') return 'R';
  if (res.status === 400 && code === 'SECOND_FACTOR_INVALID') return 'V';
  if (res.status === 409 && code === 'MFA_FACTOR_REQUIRED') return 'M';
  if (res.status === 404 && code === 'SSO_NOT_CONFIGURED') return 'O';
  return `${res.status} ${code ?? JSON.stringify(res.body)}`;
}

/** A passkey registration answer of the right shape that no challenge was issued for. */
const MATRIX_REGISTRATION = {
  id: 'AAAA',
  rawId: 'AAAA',
  type: 'public-key',
  response: { clientDataJSON: 'AAAA', attestationObject: 'AAAA' },
  clientExtensionResults: {},
};
/** A passkey sign-in answer of the right shape that no challenge was issued for. */
const MATRIX_ASSERTION = {
  id: 'AAAA',
  rawId: 'AAAA',
  type: 'public-key',
  response: { clientDataJSON: 'AAAA', authenticatorData: 'AAAA', signature: 'AAAA' },
  clientExtensionResults: {},
};

/** Paths deliberately outside the matrix: the Swagger UI's static assets. */
const isApiRoute = (path: string) =>
  (path.startsWith('/api/') || path === '/healthz' || path === '/readyz') &&
  !path.startsWith('/api/docs');

describe.each(requestEngines())('authorization matrix on %s', (engine) => {
  let server: TestServer;
  type SignedIn = Awaited<ReturnType<TestServer['signedIn']>>;
  const users = {} as Record<UserCaller, SignedIn>;
  const creds = {} as Record<Caller, Credentials>;
  let spareProctor: SignedIn;
  let patchTarget: SignedIn;
  let loginTarget: SignedIn;
  let resetTarget: SignedIn;
  let examA: string;
  let examB: string;
  let registrationId: string;
  let sessionId: string;
  let spareTokenId: string;
  let counter = 0;
  const unique = (label: string) => `${label}-${++counter}-${engine}`;

  const credsOf = (c: HttpClient): Credentials => ({ cookie: c.cookie, csrfToken: c.csrfToken });

  function clientFor(credentials: Credentials): HttpClient {
    const c = new HttpClient(server.url);
    c.cookie = credentials.cookie;
    c.csrfToken = credentials.csrfToken;
    c.bearer = credentials.bearer;
    return c;
  }

  async function assign(examId: string, userId: string, role: 'proctor' | 'instructor') {
    const res = await users.admin.put(`/api/exams/${examId}/staff/${userId}`, { role });
    expect([200, 201], JSON.stringify(res.body)).toContain(res.status);
  }

  /** A published exam open now, with proctor A and instructor A assigned. */
  async function freshExam(title = 'Matrix exam'): Promise<string> {
    const res = await users.admin.post(
      '/api/exams',
      buildExam({ title }, server.clock.now().getTime()),
    );
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const id = res.body.id as string;
    await assign(id, users.proctorA.userId, 'proctor');
    await assign(id, users.instructorA.userId, 'instructor');
    return id;
  }

  /** The owner student's registration on a fresh exam A-like exam. */
  async function freshRegistration() {
    const examId = await freshExam('Matrix registration exam');
    const res = await users.student.post(`/api/exams/${examId}/registrations`);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return {
      examId,
      registrationId: res.body.id as string,
      sessionId: res.body.sessionId as string,
    };
  }

  let started: { sessionId: string; questionId: string } | undefined;
  /** The owner student's attempt, in progress on its own exam with one question (made once). */
  async function startedSession() {
    if (started) return started;
    const reg = await freshRegistration();
    const set = await users.admin.put(`/api/exams/${reg.examId}/questions`, {
      questions: [
        { kind: 'multiple_choice', prompt: 'Pick one', options: ['a', 'b'], correctOption: 0 },
      ],
    });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    const path = `/api/sessions/${reg.sessionId}`;
    expect((await users.student.post(`${path}/transitions`, { to: 'checking_in' })).status).toBe(
      200,
    );
    await completeCheckIn(users.student, reg.sessionId);
    const res = await users.student.post(`${path}/transitions`, { to: 'in_progress' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    started = { sessionId: reg.sessionId, questionId: set.body[0].id as string };
    return started;
  }

  let graded: { path: string; textId: string; autoPath: string } | undefined;
  /**
   * Two ended attempts of the owner student, made once: one with a short-text answer to grade,
   * one with only a choice (its score can be released at any time).
   */
  async function gradableSessions() {
    if (graded) return graded;
    const ended = async (questions: unknown[], value: unknown) => {
      const reg = await freshRegistration();
      const set = await users.admin.put(`/api/exams/${reg.examId}/questions`, { questions });
      expect(set.status, JSON.stringify(set.body)).toBe(200);
      const path = `/api/sessions/${reg.sessionId}`;
      expect((await users.student.post(`${path}/transitions`, { to: 'checking_in' })).status).toBe(
        200,
      );
      await completeCheckIn(users.student, reg.sessionId);
      expect((await users.student.post(`${path}/transitions`, { to: 'in_progress' })).status).toBe(
        200,
      );
      const questionId = set.body[0].id as string;
      const saved = await users.student.put(`${path}/answers/${questionId}`, { value });
      expect(saved.status, JSON.stringify(saved.body)).toBe(200);
      expect((await users.student.post(`${path}/transitions`, { to: 'submitted' })).status).toBe(
        200,
      );
      return { path, questionId };
    };
    const text = await ended([{ kind: 'short_text', prompt: 'Say', points: 2 }], { text: 'hi' });
    const auto = await ended([{ kind: 'true_false', prompt: 'True?', answer: true }], {
      choice: 0,
    });
    graded = { path: text.path, textId: text.questionId, autoPath: auto.path };
    return graded;
  }

  let keyed: string | undefined;
  /** An exam like A with one multiple-choice question (made once). */
  async function keyedExam(): Promise<string> {
    if (keyed) return keyed;
    const examId = await freshExam('Matrix exam with a key');
    const set = await users.admin.put(`/api/exams/${examId}/questions`, {
      questions: [
        { kind: 'multiple_choice', prompt: 'Pick one', options: ['a', 'b'], correctOption: 1 },
      ],
    });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    keyed = examId;
    return keyed;
  }

  let recording: string | undefined;
  /** The owner student's session, checking in, with segment, snapshot and event 0 stored. */
  async function recordingSession(): Promise<string> {
    if (recording) return recording;
    const reg = await freshRegistration();
    const path = `/api/sessions/${reg.sessionId}`;
    const checkIn = await users.student.post(`${path}/transitions`, { to: 'checking_in' });
    expect(checkIn.status, JSON.stringify(checkIn.body)).toBe(200);
    for (const cell of [rawUpload(reg.sessionId, 'media'), rawUpload(reg.sessionId, 'snapshots')]) {
      const res = await users.student.request('PUT', cell.path, cell.body, cell.headers);
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    }
    const events = await users.student.post(`${path}/events`, {
      events: [{ seq: 0, type: 'page.load', at: Date.now() }],
    });
    expect(events.status, JSON.stringify(events.body)).toBe(200);
    recording = reg.sessionId;
    return recording;
  }

  let flagA: string | undefined;
  /** A flag (no face) on a session of an exam like A, raised through the student's events. */
  async function flagOnExamA(): Promise<string> {
    if (flagA) return flagA;
    const reg = await freshRegistration();
    const path = `/api/sessions/${reg.sessionId}`;
    const checkIn = await users.student.post(`${path}/transitions`, { to: 'checking_in' });
    expect(checkIn.status, JSON.stringify(checkIn.body)).toBe(200);
    const sent = await users.student.post(`${path}/events`, {
      events: [
        {
          seq: 0,
          type: 'detect.state',
          at: Date.now() - 8000,
          data: { detector: 'no_face', active: true, confidence: 0.9, model: 'matrix' },
        },
      ],
    });
    expect(sent.status, JSON.stringify(sent.body)).toBe(200);
    const flags = await users.admin.get(`${path}/flags`);
    expect(flags.body, JSON.stringify(flags.body)).toHaveLength(1);
    flagA = flags.body[0].id as string;
    return flagA;
  }

  /** A valid raw upload of segment webcam/0 or snapshot webcam/0 (retries are idempotent). */
  function rawUpload(id: string, kind: 'media' | 'snapshots'): Cell {
    const body = kind === 'media' ? webmBytes('matrix media') : jpegBytes('matrix snapshot');
    const now = String(Date.now());
    return {
      path: `/api/sessions/${id}/${kind}/webcam/0`,
      body,
      headers: {
        'content-type': kind === 'media' ? 'video/webm' : 'image/jpeg',
        'x-sha256': createHash('sha256').update(body).digest('hex'),
        ...(kind === 'media' ? { 'x-start-ms': now, 'x-end-ms': now } : { 'x-taken-ms': now }),
      },
    };
  }

  const sent = new Map<string, string>();
  /**
   * The path of a warning or room scan request proctor A sent on the started session (made
   * once); a room scan request comes with a room_scan segment uploaded after it.
   */
  async function sentIntervention(kind: 'warning' | 'room_scan'): Promise<string> {
    const known = sent.get(kind);
    if (known) return known;
    const { sessionId: id } = await startedSession();
    const body = kind === 'warning' ? { kind, message: 'Matrix warning' } : { kind };
    const res = await users.proctorA.post(`/api/sessions/${id}/interventions`, body);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    if (kind === 'room_scan') {
      const scan = rawUpload(id, 'media');
      const upload = await users.student.request(
        'PUT',
        scan.path.replace('/webcam/', '/room_scan/'),
        scan.body,
        scan.headers,
      );
      expect(upload.status, JSON.stringify(upload.body)).toBe(201);
    }
    const path = `/api/sessions/${id}/interventions/${res.body.id as string}`;
    sent.set(kind, path);
    return path;
  }

  /** An open raised hand of the owner student on the started session (raised when none is). */
  async function openHand(): Promise<string> {
    const { sessionId: id } = await startedSession();
    const hands = await users.student.get(`/api/sessions/${id}/hands`);
    const open = (hands.body as { id: string; closedAt: string | null }[]).find((h) => !h.closedAt);
    if (open) return open.id;
    const raised = await users.student.post(`/api/sessions/${id}/hand`, {});
    expect(raised.status, JSON.stringify(raised.body)).toBe(201);
    return raised.body.id as string;
  }

  // --- review (review.test.ts has the workflow; here only who may call what) ---
  /** A fresh attempt of the owner student, terminated by the admin; with one closed flag if asked. */
  async function finishedSession(withFlag: boolean) {
    const reg = await freshRegistration();
    const path = `/api/sessions/${reg.sessionId}`;
    const checkIn = await users.student.post(`${path}/transitions`, { to: 'checking_in' });
    expect(checkIn.status, JSON.stringify(checkIn.body)).toBe(200);
    if (withFlag) {
      const at = Date.now() - 60_000;
      const data = { detector: 'no_face', confidence: 0.9, model: 'matrix' };
      const sent = await users.student.post(`${path}/events`, {
        events: [
          { seq: 0, type: 'detect.state', at, data: { ...data, active: true } },
          { seq: 1, type: 'detect.state', at: at + 30_000, data: { ...data, active: false } },
        ],
      });
      expect(sent.status, JSON.stringify(sent.body)).toBe(200);
    }
    const end = await users.admin.post(`${path}/transitions`, { to: 'terminated', reason: 'm' });
    expect(end.status, JSON.stringify(end.body)).toBe(200);
    return reg;
  }
  /** A fresh attempt of the owner student, started, then terminated by the admin (time left). */
  async function terminatedRunning(): Promise<string> {
    const reg = await freshRegistration();
    const path = `/api/sessions/${reg.sessionId}`;
    expect((await users.student.post(`${path}/transitions`, { to: 'checking_in' })).status).toBe(
      200,
    );
    await completeCheckIn(users.student, reg.sessionId);
    expect((await users.student.post(`${path}/transitions`, { to: 'in_progress' })).status).toBe(
      200,
    );
    const end = await users.admin.post(`${path}/transitions`, { to: 'terminated', reason: 'm' });
    expect(end.status, JSON.stringify(end.body)).toBe(200);
    return reg.sessionId;
  }
  let reviewFlag: { examId: string; flagId: string } | undefined;
  /** A flag of a finished session (made once; deciding it again is allowed while under review). */
  async function flagToReview() {
    if (reviewFlag) return reviewFlag;
    const reg = await finishedSession(true);
    const flags = await users.admin.get(`/api/sessions/${reg.sessionId}/flags`);
    expect(flags.body, JSON.stringify(flags.body)).toHaveLength(1);
    reviewFlag = { examId: reg.examId, flagId: flags.body[0].id as string };
    return reviewFlag;
  }
  /** A fresh finished attempt with a provisional verdict (the student may respond). */
  async function provisionalVerdict(): Promise<string> {
    const reg = await finishedSession(false);
    const res = await users.admin.post(`/api/sessions/${reg.sessionId}/verdict`, {
      verdict: 'clean',
      reason: 'Authorization matrix',
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return reg.sessionId;
  }
  let reopened: string | undefined;
  /**
   * A flag of a review the student's response reopened: confirmed, a violation verdict, then
   * the response (made once). Its decision can still change.
   */
  async function reopenedFlag(): Promise<string> {
    if (reopened) return reopened;
    const reg = await finishedSession(true);
    const path = `/api/sessions/${reg.sessionId}`;
    const flags = await users.admin.get(`${path}/flags`);
    const flagId = flags.body[0].id as string;
    await users.admin.post(`/api/flags/${flagId}/review`, { decision: 'confirmed' });
    const verdict = await users.admin.post(`${path}/verdict`, {
      verdict: 'violation',
      reason: 'm',
    });
    expect(verdict.status, JSON.stringify(verdict.body)).toBe(200);
    const res = await users.student.post(`${path}/response`, { text: 'Authorization matrix' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    reopened = flagId;
    return flagId;
  }
  let reviewed: string | undefined;
  /** One session with a verdict, for the reads (made once). */
  async function reviewedSession(): Promise<string> {
    reviewed ??= await provisionalVerdict();
    return reviewed;
  }

  /** A new session of the caller's own account (for cells that end a session). */
  async function newSessionOf(caller: Caller): Promise<Credentials> {
    if (!COOKIE_CALLERS.includes(caller as UserCaller)) return creds[caller];
    const c = new HttpClient(server.url);
    await c.login(users[caller as UserCaller].email, TEST_PASSWORD);
    return credsOf(c);
  }

  /** A live reset link for resetTarget, stored as the service stores one (no e-mail here). */
  async function resetLinkSecret(): Promise<string> {
    const secret = `matrix-${crypto.randomUUID()}`;
    const now = server.clock.now();
    await server.instance.database.db.insert(passwordResets).values({
      userId: resetTarget.userId,
      tokenHash: createHash('sha256').update(secret).digest('hex'),
      createdAt: now,
      expiresAt: new Date(now.getTime() + 30 * 60_000),
    });
    return secret;
  }

  /** A live e-mail verification link for `userId`, stored as the service stores one. */
  async function verificationLinkSecret(userId: string): Promise<string> {
    const secret = `matrix-${crypto.randomUUID()}`;
    const now = server.clock.now();
    await server.instance.database.db.insert(emailVerifications).values({
      userId,
      tokenHash: createHash('sha256').update(secret).digest('hex'),
      createdAt: now,
      expiresAt: new Date(now.getTime() + 60 * 60_000),
    });
    return secret;
  }

  /** A new student account in the given sign-up state; its own signed-in credentials. */
  async function waitingStudent(pending: 'email' | 'approval') {
    const student = await server.signedIn('student', 'Waiting Student');
    await server.instance.database.db
      .update(usersTable)
      .set({ signupPending: pending })
      .where(eq(usersTable.id, student.userId));
    return { userId: student.userId, as: credsOf(student) };
  }

  /** Remove a student's finished data exports, so asking for a new one is not too soon. */
  async function forgetFinishedExports(userId: string) {
    await server.instance.database.db
      .delete(dataExports)
      .where(
        and(eq(dataExports.userId, userId), notInArray(dataExports.status, ['queued', 'running'])),
      );
  }

  /** A ready data export of the owner student (the newest one, or a new one). */
  async function readyStudentExport(): Promise<string> {
    const [latest] = await server.instance.database.db
      .select({ id: dataExports.id })
      .from(dataExports)
      .where(and(eq(dataExports.userId, users.student.userId), ne(dataExports.status, 'failed')))
      .orderBy(desc(dataExports.createdAt))
      .limit(1);
    let id = latest?.id;
    if (!id) {
      const res = await users.student.post('/api/me/exports');
      expect([200, 202], JSON.stringify(res.body)).toContain(res.status);
      id = res.body.id as string;
    }
    const exportId = id;
    await eventually(async () => {
      const res = await users.admin.get(`/api/exports/${exportId}`);
      expect(res.body.status).toBe('ready');
    });
    return exportId;
  }

  const fixed = (path: () => string, body?: () => unknown) => async (): Promise<Cell> => ({
    path: path(),
    body: body?.(),
  });

  /** A webhook to a closed local port (a test ping fails at once instead of waiting for DNS). */
  async function matrixWebhook(): Promise<string> {
    const res = await users.admin.post('/api/webhooks', {
      url: 'http://127.0.0.1:9/matrix',
      events: ['verdict'],
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.webhook.id as string;
  }
  let sharedWebhookId: string | undefined;
  const sharedWebhook = async () => (sharedWebhookId ??= await matrixWebhook());

  /** A learning platform registration of its own (issuer and client id are unique). */
  let platformCount = 0;
  const platformInput = () => {
    platformCount += 1;
    return {
      name: `Matrix LMS ${platformCount}`,
      issuer: 'https://lms.matrix.example',
      clientId: `matrix-client-${platformCount}-${Math.random().toString(36).slice(2)}`,
      authLoginUrl: 'https://lms.matrix.example/auth',
      authTokenUrl: 'https://lms.matrix.example/token',
      jwksUrl: 'https://lms.matrix.example/jwks',
      deploymentIds: ['1'],
    };
  };
  async function matrixPlatform(): Promise<string> {
    const res = await users.admin.post('/api/lti/platforms', platformInput());
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.id as string;
  }
  let sharedPlatformId: string | undefined;
  const sharedPlatform = async () => (sharedPlatformId ??= await matrixPlatform());
  /**
   * Exam A placed in a course whose roster service cannot be reached (a closed local port):
   * a roster sync then runs and reports its failure, quickly, with a 200.
   */
  let rosterLinked: Promise<void> | undefined;
  const rosterLink = () =>
    (rosterLinked ??= (async () => {
      const db = server.instance.database.db;
      const [platform] = await db
        .insert(ltiPlatforms)
        .values({
          name: 'Matrix roster LMS',
          issuer: 'http://127.0.0.1:9',
          clientId: 'matrix-roster',
          authLoginUrl: 'http://127.0.0.1:9/auth',
          authTokenUrl: 'http://127.0.0.1:9/token',
          jwksUrl: 'http://127.0.0.1:9/jwks',
        })
        .returning();
      await db.insert(ltiResourceLinks).values({
        platformId: platform!.id,
        deploymentId: '1',
        resourceLinkId: 'matrix-link',
        examId: examA,
        membershipsUrl: 'http://127.0.0.1:9/nrps',
      });
    })());

  // One row per operation (plus a few variants); see the legend at the top for the letters.
  const rows: Row[] = [
    // callers an st os pA pX iA iX ad pT aT
    {
      op: 'GET /healthz',
      expect: 'A  A  A  A  A  A  A  A  A  A',
      prepare: fixed(() => '/healthz'),
    },
    {
      op: 'GET /readyz',
      expect: 'A  A  A  A  A  A  A  A  A  A',
      prepare: fixed(() => '/readyz'),
    },
    {
      op: 'GET /api/openapi.json',
      expect: 'A  A  A  A  A  A  A  A  A  A',
      prepare: fixed(() => '/api/openapi.json'),
    },
    {
      op: 'GET /api/settings/public',
      expect: 'A  A  A  A  A  A  A  A  A  A',
      prepare: fixed(() => '/api/settings/public'),
    },
    {
      op: 'GET /api/auth/oidc/start',
      expect: 'O  O  O  O  O  O  O  O  O  O',
      prepare: fixed(() => '/api/auth/oidc/start'),
    },
    {
      op: 'GET /api/auth/oidc/callback',
      expect: 'O  O  O  O  O  O  O  O  O  O',
      prepare: fixed(() => '/api/auth/oidc/callback?code=c&state=s'),
    },
    {
      op: 'POST /api/auth/login',
      expect: 'A  A  A  A  A  A  A  A  A  A',
      prepare: fixed(
        () => '/api/auth/login',
        () => ({ email: loginTarget.email, password: TEST_PASSWORD }),
      ),
    },
    {
      op: 'POST /api/auth/signup',
      expect: 'A  A  A  A  A  A  A  A  A  A',
      prepare: async () => ({
        path: '/api/auth/signup',
        body: {
          email: `${unique('signup')}@uni.example`,
          name: 'New Student',
          password: TEST_PASSWORD,
        },
      }),
    },
    {
      op: 'GET /api/auth/me',
      expect: 'U  A  A  A  A  A  A  A  F  F',
      prepare: fixed(() => '/api/auth/me'),
    },
    {
      op: 'POST /api/auth/logout',
      expect: 'U  A  A  A  A  A  A  A  F  F',
      prepare: async (caller) => ({ path: '/api/auth/logout', as: await newSessionOf(caller) }),
    },
    {
      op: 'POST /api/auth/password',
      expect: 'U  A  A  A  A  A  A  A  F  F',
      // Re-setting the same password keeps every fixture signed in and able to sign in again.
      prepare: fixed(
        () => '/api/auth/password',
        () => ({ currentPassword: TEST_PASSWORD, newPassword: TEST_PASSWORD }),
      ),
    },
    {
      op: 'GET /api/auth/sessions',
      expect: 'U  A  A  A  A  A  A  A  F  F',
      prepare: fixed(() => '/api/auth/sessions'),
    },
    {
      op: 'DELETE /api/auth/sessions/{id}',
      expect: 'U  A  A  A  A  A  A  A  F  F',
      // Each cell signs a fresh session of its caller out (its own id, from its own listing).
      prepare: async (caller) => {
        if (!COOKIE_CALLERS.includes(caller as UserCaller)) {
          return { path: `/api/auth/sessions/${'0'.repeat(32)}` };
        }
        const c = new HttpClient(server.url);
        await c.login(users[caller as UserCaller].email, TEST_PASSWORD);
        const listed = await c.get('/api/auth/sessions');
        const own = (listed.body as { id: string; current: boolean }[]).find((s) => s.current);
        return { path: `/api/auth/sessions/${own?.id ?? ''}`, as: credsOf(c) };
      },
    },
    {
      op: 'POST /api/auth/password-reset',
      expect: 'A  A  A  A  A  A  A  A  A  A',
      prepare: fixed(
        () => '/api/auth/password-reset',
        () => ({ email: resetTarget.email }),
      ),
    },
    {
      op: 'POST /api/auth/password-reset/confirm',
      expect: 'A  A  A  A  A  A  A  A  A  A',
      // A fresh link per cell; the password set is the one the account already has.
      prepare: async () => ({
        path: '/api/auth/password-reset/confirm',
        body: { token: await resetLinkSecret(), password: TEST_PASSWORD },
      }),
    },
    {
      op: 'POST /api/auth/verify-email',
      expect: 'A  A  A  A  A  A  A  A  A  A',
      // A browser's own link (one signed in to another account is refused); others any link.
      prepare: async (caller) => {
        const own = COOKIE_CALLERS.includes(caller as UserCaller);
        const userId = own ? users[caller as UserCaller].userId : patchTarget.userId;
        return {
          path: '/api/auth/verify-email',
          body: { token: await verificationLinkSecret(userId) },
        };
      },
    },
    {
      op: 'POST /api/auth/verify-email/resend',
      expect: 'U  A  A  F  F  F  F  F  F  F',
      // Students ask as an account of their own that waits for a link (no e-mail here: it
      // joins the approval queue).
      prepare: async (caller) => ({
        path: '/api/auth/verify-email/resend',
        ...(caller === 'student' || caller === 'otherStudent'
          ? { as: (await waitingStudent('email')).as }
          : {}),
      }),
    },
    {
      op: 'POST /api/users/{id}/approve',
      expect: 'U  F  F  F  F  F  F  A  S  A',
      prepare: async (caller) => ({
        path: `/api/users/${caller === 'admin' || caller === 'adminToken' ? (await waitingStudent('approval')).userId : patchTarget.userId}/approve`,
      }),
    },
    {
      op: 'POST /api/users/{id}/reject',
      expect: 'U  F  F  F  F  F  F  A  S  A',
      prepare: async (caller) => ({
        path: `/api/users/${caller === 'admin' || caller === 'adminToken' ? (await waitingStudent('approval')).userId : patchTarget.userId}/reject`,
      }),
    },
    {
      op: 'GET /api/users',
      expect: 'U  F  F  F  F  F  F  A  S  A',
      prepare: fixed(() => '/api/users'),
    },
    {
      op: 'POST /api/users',
      expect: 'U  F  F  F  F  F  F  A  S  A',
      prepare: async () => ({
        path: '/api/users',
        body: {
          email: `${unique('created')}@test.invigil.test`,
          name: 'Created',
          role: 'student',
          password: TEST_PASSWORD,
        },
      }),
    },
    {
      op: 'PATCH /api/users/{id}',
      expect: 'U  F  F  F  F  F  F  A  S  A',
      prepare: fixed(
        () => `/api/users/${patchTarget.userId}`,
        () => ({ name: 'Renamed by the matrix' }),
      ),
    },
    {
      op: 'POST /api/users/{id}/password',
      expect: 'U  F  F  F  F  F  F  A  S  A',
      prepare: fixed(
        () => `/api/users/${patchTarget.userId}/password`,
        () => ({ password: 'a brand new passphrase' }),
      ),
    },
    {
      op: 'POST /api/users/import',
      expect: 'U  F  F  F  F  F  F  A  S  A',
      prepare: async () => ({
        path: '/api/users/import',
        body: {
          csv: `email,name,role\n${unique('imported')}@test.invigil.test,Imported,student\n`,
        },
      }),
    },
    // Second factors: matrix callers have none, so proofs are refused after authorization.
    {
      op: 'GET /api/auth/mfa',
      expect: 'U  A  A  A  A  A  A  A  F  F',
      prepare: fixed(() => '/api/auth/mfa'),
    },
    {
      op: 'POST /api/auth/mfa/totp',
      expect: 'U  A  A  A  A  A  A  A  F  F',
      prepare: fixed(() => '/api/auth/mfa/totp'),
    },
    {
      op: 'POST /api/auth/mfa/totp/confirm',
      expect: 'U  V  V  V  V  V  V  V  F  F',
      // A fresh session: none started an app there, so the code has nothing to confirm.
      prepare: async (caller) => ({
        path: '/api/auth/mfa/totp/confirm',
        body: { code: '000000', label: 'Phone' },
        as: await newSessionOf(caller),
      }),
    },
    {
      op: 'POST /api/auth/mfa/webauthn/register/options',
      expect: 'U  A  A  A  A  A  A  A  F  F',
      prepare: fixed(() => '/api/auth/mfa/webauthn/register/options'),
    },
    {
      op: 'POST /api/auth/mfa/webauthn/register',
      expect: 'U  V  V  V  V  V  V  V  F  F',
      prepare: async (caller) => ({
        path: '/api/auth/mfa/webauthn/register',
        body: { label: 'Key', response: MATRIX_REGISTRATION },
        as: await newSessionOf(caller),
      }),
    },
    {
      op: 'DELETE /api/auth/mfa/factors/{id}',
      expect: 'U  H  H  H  H  H  H  H  F  F',
      prepare: fixed(() => `/api/auth/mfa/factors/${crypto.randomUUID()}`),
    },
    {
      op: 'POST /api/auth/mfa/recovery-codes',
      expect: 'U  M  M  M  M  M  M  M  F  F',
      prepare: fixed(() => '/api/auth/mfa/recovery-codes'),
    },
    {
      op: 'POST /api/auth/mfa/verify',
      expect: 'U  V  V  V  V  V  V  V  F  F',
      prepare: fixed(
        () => '/api/auth/mfa/verify',
        () => ({ method: 'recovery', code: 'aaaa-bbbb-cccc-dddd' }),
      ),
    },
    {
      op: 'POST /api/auth/mfa/webauthn/options',
      expect: 'U  H  H  H  H  H  H  H  F  F',
      prepare: fixed(() => '/api/auth/mfa/webauthn/options'),
    },
    {
      op: 'POST /api/auth/mfa/webauthn/verify',
      expect: 'U  V  V  V  V  V  V  V  F  F',
      prepare: fixed(
        () => '/api/auth/mfa/webauthn/verify',
        () => ({ response: MATRIX_ASSERTION }),
      ),
    },
    {
      op: 'DELETE /api/users/{id}/mfa',
      expect: 'U  F  F  F  F  F  F  A  F  F',
      prepare: fixed(() => `/api/users/${patchTarget.userId}/mfa`),
    },
    {
      op: 'GET /api/settings/mfa',
      expect: 'U  F  F  F  F  F  F  A  S  A',
      prepare: fixed(() => '/api/settings/mfa'),
    },
    {
      op: 'PUT /api/settings/mfa',
      expect: 'U  F  F  F  F  F  F  A  F  F',
      prepare: fixed(
        () => '/api/settings/mfa',
        () => ({ requireForStaff: false }),
      ),
    },
    {
      op: 'GET /api/settings/signup',
      expect: 'U  F  F  F  F  F  F  A  S  A',
      prepare: fixed(() => '/api/settings/signup'),
    },
    {
      op: 'PUT /api/settings/signup',
      expect: 'U  F  F  F  F  F  F  A  S  A',
      prepare: fixed(
        () => '/api/settings/signup',
        () => ({ enabled: true, allowedDomains: [] }),
      ),
    },
    {
      op: 'POST /api/me/exports',
      expect: 'U  A  A  F  F  F  F  F  F  F',
      prepare: async (caller) => {
        if (caller === 'student' || caller === 'otherStudent') {
          await forgetFinishedExports(users[caller].userId);
        }
        return { path: '/api/me/exports' };
      },
    },
    {
      op: 'GET /api/me/exports',
      expect: 'U  A  A  F  F  F  F  F  F  F',
      prepare: fixed(() => '/api/me/exports'),
    },
    {
      op: 'POST /api/users/{id}/exports',
      expect: 'U  F  F  F  F  F  F  A  S  A',
      // A fresh student per cell: one export an hour per student.
      prepare: async () => {
        const target = await server.signedIn('student');
        return { path: `/api/users/${target.userId}/exports` };
      },
    },
    {
      op: 'GET /api/exports/{id}',
      expect: 'U  A  H  H  H  H  H  A  S  A',
      prepare: async () => ({ path: `/api/exports/${await readyStudentExport()}` }),
    },
    {
      op: 'GET /api/exports/{id}/download',
      expect: 'U  A  H  H  H  H  H  A  S  A',
      prepare: async () => ({ path: `/api/exports/${await readyStudentExport()}/download` }),
    },
    {
      op: 'GET /api/settings/retention',
      expect: 'U  F  F  F  F  A  A  A  F  A',
      prepare: fixed(() => '/api/settings/retention'),
    },
    {
      op: 'PUT /api/settings/retention',
      expect: 'U  F  F  F  F  F  F  A  F  F',
      prepare: fixed(
        () => '/api/settings/retention',
        () => ({ mediaDaysAfterVerdict: 365, identityDays: 90, undecidedDays: 730 }),
      ),
    },
    {
      op: 'POST /api/retention/run',
      expect: 'U  F  F  F  F  F  F  A  F  F',
      prepare: fixed(() => '/api/retention/run'),
    },
    {
      op: 'GET /api/sessions/{id}/hold',
      expect: 'U  F  F  A  H  A  H  A  S  A',
      prepare: fixed(() => `/api/sessions/${sessionId}/hold`),
    },
    {
      op: 'PUT /api/sessions/{id}/hold',
      expect: 'U  F  F  F  F  F  F  A  F  F',
      prepare: fixed(
        () => `/api/sessions/${sessionId}/hold`,
        () => ({ reason: 'Matrix hold' }),
      ),
    },
    {
      op: 'DELETE /api/sessions/{id}/hold',
      expect: 'U  F  F  F  F  F  F  A  F  F',
      prepare: async (caller) => {
        const path = `/api/sessions/${sessionId}/hold`;
        if (caller === 'admin') await users.admin.put(path, { reason: 'To lift' });
        return { path };
      },
    },
    {
      op: 'PUT /api/exams/{id}/hold',
      expect: 'U  F  F  F  F  F  F  A  F  F',
      prepare: fixed(
        () => `/api/exams/${examA}/hold`,
        () => ({ reason: 'Matrix hold' }),
      ),
    },
    {
      op: 'DELETE /api/exams/{id}/hold',
      expect: 'U  F  F  F  F  F  F  A  F  F',
      prepare: async (caller) => {
        const path = `/api/exams/${examA}/hold`;
        if (caller === 'admin') await users.admin.put(path, { reason: 'To lift' });
        return { path };
      },
    },
    {
      op: 'POST /api/users/{id}/erasure',
      expect: 'U  F  F  F  F  F  F  A  F  F',
      // A fresh student per cell: the admin's erasure goes through.
      prepare: async () => {
        const target = await server.signedIn('student');
        return {
          path: `/api/users/${target.userId}/erasure`,
          body: { confirmEmail: target.email },
        };
      },
    },
    {
      op: 'GET /api/tokens',
      expect: 'U  F  F  A  A  A  A  A  F  F',
      prepare: fixed(() => '/api/tokens'),
    },
    {
      op: 'POST /api/tokens',
      expect: 'U  F  F  A  A  A  A  A  F  F',
      prepare: fixed(
        () => '/api/tokens',
        () => ({ name: 'matrix token', scopes: ['exams:read'] }),
      ),
    },
    {
      op: 'DELETE /api/tokens/{id}',
      expect: 'U  F  F  A  A  A  A  A  F  F',
      prepare: async (caller) => {
        if (!STAFF_COOKIE_CALLERS.includes(caller)) return { path: `/api/tokens/${spareTokenId}` };
        const own = await users[caller as UserCaller].post('/api/tokens', {
          name: 'to revoke',
          scopes: ['exams:read'],
        });
        expect(own.status, JSON.stringify(own.body)).toBe(201);
        return { path: `/api/tokens/${own.body.apiToken.id}` };
      },
    },
    {
      op: 'GET /api/exams',
      expect: 'U  F  F  A  A  A  A  A  A  A',
      prepare: fixed(() => '/api/exams'),
    },
    {
      op: 'POST /api/exams',
      expect: 'U  F  F  F  F  A  A  A  S  A',
      prepare: fixed(
        () => '/api/exams',
        () => buildExam({ title: 'Created in the matrix' }, server.clock.now().getTime()),
      ),
    },
    {
      op: 'GET /api/exams/{id}',
      expect: 'U  F  F  A  H  A  H  A  A  A',
      prepare: fixed(() => `/api/exams/${examA}`),
    },
    {
      op: 'GET /api/exams/{id}',
      variant: 'exam B',
      expect: 'U  F  F  H  A  H  A  A  H  A',
      prepare: fixed(() => `/api/exams/${examB}`),
    },
    {
      op: 'PATCH /api/exams/{id}',
      expect: 'U  F  F  F  F  A  H  A  S  A',
      prepare: fixed(
        () => `/api/exams/${examA}`,
        () => ({ description: 'Edited in the matrix' }),
      ),
    },
    {
      op: 'POST /api/exams/{id}/archive',
      expect: 'U  F  F  F  F  A  H  A  S  A',
      prepare: async () => ({ path: `/api/exams/${await freshExam('To archive')}/archive` }),
    },
    {
      op: 'GET /api/exams/{id}/staff',
      expect: 'U  F  F  A  H  A  H  A  A  A',
      prepare: fixed(() => `/api/exams/${examA}/staff`),
    },
    {
      op: 'GET /api/exams/{id}/staff',
      variant: 'exam B',
      expect: 'U  F  F  H  A  H  A  A  H  A',
      prepare: fixed(() => `/api/exams/${examB}/staff`),
    },
    {
      op: 'PUT /api/exams/{id}/staff/{userId}',
      expect: 'U  F  F  F  F  A  H  A  S  A',
      prepare: fixed(
        () => `/api/exams/${examA}/staff/${spareProctor.userId}`,
        () => ({ role: 'proctor' }),
      ),
    },
    {
      op: 'DELETE /api/exams/{id}/staff/{userId}',
      expect: 'U  F  F  F  F  A  H  A  S  A',
      prepare: fixed(() => `/api/exams/${examA}/staff/${spareProctor.userId}`),
    },
    {
      op: 'GET /api/exams/open',
      expect: 'U  A  A  F  F  F  F  F  S  F',
      prepare: fixed(() => '/api/exams/open'),
    },
    {
      op: 'POST /api/exams/{id}/registrations',
      expect: 'U  A  A  F  F  F  F  F  S  F',
      prepare: async () => ({
        path: `/api/exams/${await freshExam('To register for')}/registrations`,
      }),
    },
    {
      op: 'GET /api/exams/{id}/registrations',
      expect: 'U  F  F  A  H  A  H  A  S  A',
      prepare: fixed(() => `/api/exams/${examA}/registrations`),
    },
    {
      op: 'GET /api/exams/{id}/registrations',
      variant: 'exam B',
      expect: 'U  F  F  H  A  H  A  A  S  A',
      prepare: fixed(() => `/api/exams/${examB}/registrations`),
    },
    {
      op: 'GET /api/me/registrations',
      expect: 'U  A  A  F  F  F  F  F  S  F',
      prepare: fixed(() => '/api/me/registrations'),
    },
    {
      op: 'GET /api/registrations/{id}',
      expect: 'U  A  H  A  H  A  H  A  S  A',
      prepare: fixed(() => `/api/registrations/${registrationId}`),
    },
    {
      op: 'POST /api/registrations/{id}/cancel',
      expect: 'U  A  H  F  F  F  F  F  S  F',
      prepare: async () => ({
        path: `/api/registrations/${(await freshRegistration()).registrationId}/cancel`,
      }),
    },
    {
      op: 'GET /api/sessions/{id}',
      expect: 'U  A  H  A  H  A  H  A  S  A',
      prepare: fixed(() => `/api/sessions/${sessionId}`),
    },
    {
      op: 'POST /api/sessions/{id}/transitions',
      expect: 'U  A  H  A  H  A  H  A  S  A',
      // Students may check in a registered session; staff may terminate one that is checking in.
      prepare: async (caller) => {
        const reg = await freshRegistration();
        const path = `/api/sessions/${reg.sessionId}/transitions`;
        if (!isStaff(caller)) return { path, body: { to: 'checking_in' } };
        const checkIn = await users.student.post(path, { to: 'checking_in' });
        expect(checkIn.status, JSON.stringify(checkIn.body)).toBe(200);
        return { path, body: { to: 'terminated', reason: 'Authorization matrix' } };
      },
    },
    {
      op: 'POST /api/sessions/{id}/consent',
      expect: 'U  A  H  F  F  F  F  F  F  F',
      prepare: fixed(() => `/api/sessions/${sessionId}/consent`),
    },
    {
      op: 'GET /api/exams/{id}/questions',
      // An exam like A with a multiple-choice question: only instructors and admins get its key.
      expect: 'U  F  F  K  H  A  H  A  K  A',
      prepare: async () => ({ path: `/api/exams/${await keyedExam()}/questions` }),
    },
    {
      op: 'PUT /api/exams/{id}/questions',
      expect: 'U  F  F  F  F  A  H  A  S  A',
      prepare: fixed(
        () => `/api/exams/${examA}/questions`,
        () => ({ questions: [{ kind: 'short_text', prompt: 'Set in the matrix' }] }),
      ),
    },
    {
      op: 'GET /api/sessions/{id}/exam',
      expect: 'U  A  H  F  F  F  F  F  F  F',
      prepare: async () => ({ path: `/api/sessions/${(await startedSession()).sessionId}/exam` }),
    },
    {
      op: 'PUT /api/sessions/{id}/answers/{questionId}',
      expect: 'U  A  H  F  F  F  F  F  F  F',
      prepare: async () => {
        const s = await startedSession();
        return {
          path: `/api/sessions/${s.sessionId}/answers/${s.questionId}`,
          body: { value: { choice: 1 } },
        };
      },
    },
    {
      op: 'PUT /api/sessions/{id}/marks/{questionId}',
      expect: 'U  A  H  F  F  F  F  F  F  F',
      prepare: async () => {
        const s = await startedSession();
        return {
          path: `/api/sessions/${s.sessionId}/marks/${s.questionId}`,
          body: { marked: true },
        };
      },
    },
    {
      op: 'GET /api/sessions/{id}/marks',
      expect: 'U  A  H  A  H  A  H  A  S  A',
      prepare: async () => ({
        path: `/api/sessions/${(await startedSession()).sessionId}/marks`,
      }),
    },
    {
      op: 'GET /api/sessions/{id}/answers',
      expect: 'U  F  F  K  H  A  H  A  S  A',
      prepare: async () => ({
        path: `/api/sessions/${(await startedSession()).sessionId}/answers`,
      }),
    },
    {
      op: 'PUT /api/sessions/{id}/answers/{questionId}/grade',
      // Graders are the exam's instructors and admins; proctors watch, they do not grade.
      expect: 'U  F  F  F  F  A  H  A  S  A',
      prepare: async () => {
        const g = await gradableSessions();
        return { path: `${g.path}/answers/${g.textId}/grade`, body: { points: 1 } };
      },
    },
    {
      op: 'POST /api/sessions/{id}/score/release',
      expect: 'U  F  F  F  F  A  H  A  S  A',
      prepare: async () => ({ path: `${(await gradableSessions()).autoPath}/score/release` }),
    },
    {
      op: 'POST /api/exams/{id}/scores/release',
      expect: 'U  F  F  F  F  A  H  A  S  A',
      prepare: fixed(() => `/api/exams/${examA}/scores/release`),
    },
    {
      op: 'GET /api/sessions/{id}/result',
      // Only the student's own; before release it says so (released false).
      expect: 'U  A  H  F  F  F  F  F  F  F',
      prepare: async () => ({ path: `${(await gradableSessions()).autoPath}/result` }),
    },
    {
      op: 'PUT /api/registrations/{id}/accommodations',
      expect: 'U  F  F  F  F  A  H  A  S  A',
      prepare: fixed(
        () => `/api/registrations/${registrationId}/accommodations`,
        () => ({ extraTimeMinutes: 10 }),
      ),
    },
    {
      op: 'PUT /api/sessions/{id}/media/{track}/{seq}',
      expect: 'U  A  H  F  F  F  F  F  F  F',
      prepare: async () => rawUpload(await recordingSession(), 'media'),
    },
    {
      op: 'PUT /api/sessions/{id}/snapshots/{kind}/{seq}',
      expect: 'U  A  H  F  F  F  F  F  F  F',
      prepare: async () => rawUpload(await recordingSession(), 'snapshots'),
    },
    {
      op: 'POST /api/sessions/{id}/face-photo-check',
      expect: 'U  A  H  F  F  F  F  F  F  F',
      prepare: async () => {
        const { body, headers } = rawUpload(await recordingSession(), 'snapshots');
        const path = `/api/sessions/${await recordingSession()}/face-photo-check`;
        return { path, body, headers: { 'content-type': headers?.['content-type'] ?? '' } };
      },
    },
    {
      op: 'POST /api/sessions/{id}/events',
      expect: 'U  A  H  F  F  F  F  F  F  F',
      prepare: async () => ({
        path: `/api/sessions/${await recordingSession()}/events`,
        body: { events: [{ seq: 1, type: 'page.visible', at: Date.now() }] },
      }),
    },
    {
      op: 'GET /api/sessions/{id}/events',
      expect: 'U  A  H  A  H  A  H  A  S  A',
      prepare: async () => ({ path: `/api/sessions/${await recordingSession()}/events` }),
    },
    {
      op: 'GET /api/sessions/{id}/recording',
      expect: 'U  A  H  A  H  A  H  A  S  A',
      prepare: async () => ({ path: `/api/sessions/${await recordingSession()}/recording` }),
    },
    {
      op: 'GET /api/sessions/{id}/media/{track}/{seq}',
      expect: 'U  A  H  A  H  A  H  A  S  A',
      prepare: async () => ({ path: `/api/sessions/${await recordingSession()}/media/webcam/0` }),
    },
    {
      op: 'GET /api/sessions/{id}/snapshots/{kind}/{seq}',
      expect: 'U  A  H  A  H  A  H  A  S  A',
      prepare: async () => ({
        path: `/api/sessions/${await recordingSession()}/snapshots/webcam/0`,
      }),
    },
    {
      // Students do not see flags or risk yet: their own session answers 404 too.
      op: 'GET /api/sessions/{id}/flags',
      expect: 'U  H  H  A  H  A  H  A  S  A',
      prepare: async () => ({ path: `/api/sessions/${await recordingSession()}/flags` }),
    },
    {
      op: 'GET /api/sessions/{id}/risk',
      expect: 'U  H  H  A  H  A  H  A  S  A',
      prepare: async () => ({ path: `/api/sessions/${await recordingSession()}/risk` }),
    },
    {
      // The live gateway checks everything before upgrading; a plain GET that passes is 426.
      op: 'GET /api/live',
      expect: 'U  F  F  W  H  W  H  W  F  F',
      prepare: fixed(() => `/api/live?examId=${examA}`),
    },
    {
      op: 'GET /api/live',
      variant: 'a student’s own session',
      expect: 'U  W  H  F  F  F  F  F  F  F',
      prepare: fixed(() => `/api/live?sessionId=${sessionId}`),
    },
    {
      op: 'GET /api/exams/{id}/live',
      expect: 'U  F  F  A  H  A  H  A  S  A',
      prepare: fixed(() => `/api/exams/${examA}/live`),
    },
    {
      op: 'POST /api/flags/{id}/acknowledge',
      expect: 'U  F  F  A  H  A  H  A  S  A',
      prepare: async () => ({ path: `/api/flags/${await flagOnExamA()}/acknowledge` }),
    },
    {
      op: 'POST /api/flags/{id}/assign',
      expect: 'U  F  F  A  H  A  H  A  S  A',
      prepare: async () => ({
        path: `/api/flags/${await flagOnExamA()}/assign`,
        body: { takeOver: true },
      }),
    },
    {
      // Each staff caller first takes the alert on, so releasing it is theirs to do.
      op: 'DELETE /api/flags/{id}/assign',
      expect: 'U  F  F  A  H  A  H  A  S  A',
      prepare: async (caller) => {
        const path = `/api/flags/${await flagOnExamA()}/assign`;
        if (caller === 'proctorA' || caller === 'instructorA') {
          const took = await users[caller].post(path, { takeOver: true });
          expect(took.status, JSON.stringify(took.body)).toBe(200);
        }
        return { path };
      },
    },
    {
      op: 'GET /api/sessions/{id}/notes',
      expect: 'U  H  H  A  H  A  H  A  S  A',
      prepare: fixed(() => `/api/sessions/${sessionId}/notes`),
    },
    {
      op: 'POST /api/sessions/{id}/notes',
      expect: 'U  F  F  A  H  A  H  A  S  A',
      prepare: fixed(
        () => `/api/sessions/${sessionId}/notes`,
        () => ({ body: 'Written in the matrix' }),
      ),
    },
    {
      // Proctors assigned to the exam and admins (on any exam) intervene; other proctors do
      // not learn it exists.
      op: 'POST /api/sessions/{id}/interventions',
      expect: 'U  F  F  A  H  F  F  A  S  A',
      prepare: async () => ({
        path: `/api/sessions/${(await startedSession()).sessionId}/interventions`,
        body: { kind: 'warning', message: 'Authorization matrix' },
      }),
    },
    {
      op: 'GET /api/sessions/{id}/interventions',
      expect: 'U  A  H  A  H  A  H  A  S  A',
      prepare: fixed(() => `/api/sessions/${sessionId}/interventions`),
    },
    // Live views and calls: browser sessions only (tokens F); the exam's proctors and admins
    // open them, the session's student and staff read them; ending is the opener's or an admin's.
    {
      // TURN credentials only for those who take part in links: the running attempt's
      // student, the exam's proctors and admins (instructors never open links).
      op: 'GET /api/rtc/ice-servers',
      expect: 'U  A  H  A  H  R  R  A  F  F',
      prepare: async () => ({
        path: `/api/rtc/ice-servers?sessionId=${(await startedSession()).sessionId}`,
      }),
    },
    {
      op: 'POST /api/sessions/{id}/rtc',
      expect: 'U  R  R  A  H  R  R  A  F  F',
      prepare: async () => ({
        path: `/api/sessions/${(await startedSession()).sessionId}/rtc`,
        body: { kind: 'view' },
      }),
    },
    {
      op: 'GET /api/sessions/{id}/rtc',
      expect: 'U  A  H  A  H  A  H  A  F  F',
      prepare: fixed(() => `/api/sessions/${sessionId}/rtc`),
    },
    {
      // A fresh view of the admin's each time: theirs (and only theirs) to end.
      op: 'POST /api/rtc/{id}/end',
      expect: 'U  R  H  R  H  R  H  A  F  F',
      prepare: async () => {
        const { sessionId: running } = await startedSession();
        const opened = await users.admin.post(`/api/sessions/${running}/rtc`, { kind: 'view' });
        expect(opened.status, JSON.stringify(opened.body)).toBe(201);
        return { path: `/api/rtc/${opened.body.id}/end`, body: {} };
      },
    },
    // Chat and raised hands: read like the session, written like interventions (instructors
    // read, they do not write); the student writes in their own running attempt.
    {
      op: 'GET /api/sessions/{id}/chat',
      expect: 'U  A  H  A  H  A  H  A  S  A',
      prepare: fixed(() => `/api/sessions/${sessionId}/chat`),
    },
    {
      op: 'POST /api/sessions/{id}/chat',
      expect: 'U  A  H  A  H  F  F  A  S  A',
      prepare: async () => ({
        path: `/api/sessions/${(await startedSession()).sessionId}/chat`,
        body: { body: 'Authorization matrix' },
      }),
    },
    {
      op: 'POST /api/sessions/{id}/chat/read',
      expect: 'U  A  H  A  H  F  F  A  S  A',
      prepare: fixed(
        () => `/api/sessions/${sessionId}/chat/read`,
        () => ({ seq: 0 }),
      ),
    },
    {
      op: 'GET /api/exams/{id}/announcements',
      expect: 'U  F  F  A  H  A  H  A  A  A',
      prepare: fixed(() => `/api/exams/${examA}/announcements`),
    },
    {
      op: 'POST /api/exams/{id}/announcements',
      expect: 'U  F  F  A  H  F  F  A  S  A',
      prepare: fixed(
        () => `/api/exams/${examA}/announcements`,
        () => ({ body: 'Authorization matrix' }),
      ),
    },
    {
      op: 'POST /api/sessions/{id}/hand',
      expect: 'U  A  H  F  F  F  F  F  F  F',
      prepare: async () => {
        // The owner raises on a session without an open hand.
        const { sessionId: id } = await startedSession();
        const lowered = await users.student.post(`/api/hands/${await openHand()}/lower`, {});
        expect(lowered.status, JSON.stringify(lowered.body)).toBe(200);
        return { path: `/api/sessions/${id}/hand`, body: { message: 'Authorization matrix' } };
      },
    },
    {
      op: 'GET /api/sessions/{id}/hands',
      expect: 'U  A  H  A  H  A  H  A  S  A',
      prepare: fixed(() => `/api/sessions/${sessionId}/hands`),
    },
    {
      op: 'POST /api/hands/{id}/lower',
      expect: 'U  A  H  F  F  F  F  F  F  F',
      prepare: async () => ({ path: `/api/hands/${await openHand()}/lower`, body: {} }),
    },
    {
      op: 'POST /api/hands/{id}/take',
      expect: 'U  F  F  A  H  F  F  A  S  A',
      prepare: async () => ({
        path: `/api/hands/${await openHand()}/take`,
        body: { takeOver: true },
      }),
    },
    {
      op: 'POST /api/hands/{id}/resolve',
      expect: 'U  F  F  A  H  F  F  A  S  A',
      prepare: async () => ({ path: `/api/hands/${await openHand()}/resolve`, body: {} }),
    },
    {
      op: 'POST /api/sessions/{id}/interventions/{interventionId}/acknowledge',
      expect: 'U  A  H  F  F  F  F  F  F  F',
      prepare: async () => ({ path: `${await sentIntervention('warning')}/acknowledge` }),
    },
    {
      op: 'POST /api/sessions/{id}/interventions/{interventionId}/complete',
      expect: 'U  A  H  F  F  F  F  F  F  F',
      prepare: async () => ({ path: `${await sentIntervention('room_scan')}/complete` }),
    },
    {
      // Staff tools: the exam's proctors and admins, like interventions; one fresh target each.
      op: 'POST /api/sessions/{id}/interventions/{interventionId}/cancel',
      expect: 'U  F  F  A  H  F  F  A  S  A',
      prepare: async () => {
        const { sessionId: id } = await startedSession();
        const res = await users.proctorA.post(`/api/sessions/${id}/interventions`, {
          kind: 'room_scan',
        });
        expect(res.status, JSON.stringify(res.body)).toBe(201);
        return {
          path: `/api/sessions/${id}/interventions/${res.body.id as string}/cancel`,
          body: { reason: 'Authorization matrix' },
        };
      },
    },
    {
      op: 'POST /api/sessions/{id}/extend-time',
      expect: 'U  F  F  A  H  F  F  A  S  A',
      prepare: async () => ({
        path: `/api/sessions/${(await startedSession()).sessionId}/extend-time`,
        body: { minutes: 1, reason: 'Authorization matrix' },
      }),
    },
    {
      op: 'POST /api/sessions/{id}/reopen',
      expect: 'U  F  F  A  H  F  F  A  S  A',
      prepare: async () => ({
        path: `/api/sessions/${await terminatedRunning()}/reopen`,
        body: { reason: 'Authorization matrix' },
      }),
    },
    {
      op: 'POST /api/sessions/{id}/new-attempt',
      expect: 'U  F  F  A  H  F  F  A  S  A',
      prepare: async () => ({
        path: `/api/sessions/${(await finishedSession(false)).sessionId}/new-attempt`,
        body: { reason: 'Authorization matrix' },
      }),
    },
    {
      op: 'GET /api/sessions/{id}/attempts',
      expect: 'U  A  H  A  H  A  H  A  S  A',
      prepare: fixed(() => `/api/sessions/${sessionId}/attempts`),
    },
    {
      op: 'GET /api/exams/{id}/review-queue',
      expect: 'U  F  F  A  H  A  H  A  S  A',
      prepare: fixed(() => `/api/exams/${examA}/review-queue`),
    },
    {
      op: 'POST /api/flags/{id}/review',
      expect: 'U  F  F  A  H  A  H  A  S  A',
      prepare: async () => ({
        path: `/api/flags/${(await flagToReview()).flagId}/review`,
        body: { decision: 'confirmed' },
      }),
    },
    {
      // Re-deciding after the student's response: the same callers as a first decision.
      op: 'POST /api/flags/{id}/review',
      variant: 'reopened by the response',
      expect: 'U  F  F  A  H  A  H  A  S  A',
      prepare: async () => ({
        path: `/api/flags/${await reopenedFlag()}/review`,
        body: { decision: 'dismissed', comment: 'Explained by the response' },
      }),
    },
    {
      // Each allowed cell gives the verdict on its own finished session.
      op: 'POST /api/sessions/{id}/verdict',
      expect: 'U  F  F  A  H  A  H  A  S  A',
      prepare: async () => ({
        path: `/api/sessions/${(await finishedSession(false)).sessionId}/verdict`,
        body: { verdict: 'clean', reason: 'Authorization matrix' },
      }),
    },
    {
      op: 'POST /api/sessions/{id}/response',
      expect: 'U  A  H  F  F  F  F  F  F  F',
      prepare: async (caller) => ({
        path: `/api/sessions/${caller === 'student' ? await provisionalVerdict() : await reviewedSession()}/response`,
        body: { text: 'Authorization matrix response' },
      }),
    },
    {
      op: 'GET /api/sessions/{id}/review',
      expect: 'U  A  H  A  H  A  H  A  S  A',
      prepare: async () => ({ path: `/api/sessions/${await reviewedSession()}/review` }),
    },
    {
      op: 'GET /api/me/reviews',
      expect: 'U  A  A  F  F  F  F  F  S  F',
      prepare: fixed(() => '/api/me/reviews'),
    },
    {
      op: 'GET /api/sessions/{id}/report',
      expect: 'U  F  F  A  H  A  H  A  S  A',
      prepare: async () => ({ path: `/api/sessions/${await reviewedSession()}/report` }),
    },
    {
      op: 'GET /api/sessions/{id}/report.html',
      expect: 'U  F  F  A  H  A  H  A  S  A',
      prepare: async () => ({ path: `/api/sessions/${await reviewedSession()}/report.html` }),
    },
    {
      op: 'POST /api/bandwidth-probe',
      expect: 'U  A  A  A  A  A  A  A  F  F',
      prepare: async () => ({
        path: '/api/bandwidth-probe',
        body: 'probe bytes',
        headers: { 'content-type': 'application/octet-stream' },
      }),
    },
    // Webhooks and notification settings: admins, browser sessions only.
    {
      op: 'GET /api/notifications/settings',
      expect: 'U  F  F  F  F  F  F  A  F  F',
      prepare: fixed(() => '/api/notifications/settings'),
    },
    {
      op: 'GET /api/webhooks',
      expect: 'U  F  F  F  F  F  F  A  F  F',
      prepare: fixed(() => '/api/webhooks'),
    },
    {
      op: 'POST /api/webhooks',
      expect: 'U  F  F  F  F  F  F  A  F  F',
      prepare: fixed(
        () => '/api/webhooks',
        () => ({ url: 'http://127.0.0.1:9/created', events: ['flag.high'] }),
      ),
    },
    {
      op: 'PATCH /api/webhooks/{id}',
      expect: 'U  F  F  F  F  F  F  A  F  F',
      prepare: async () => ({
        path: `/api/webhooks/${await sharedWebhook()}`,
        body: { description: 'patched by the matrix' },
      }),
    },
    {
      op: 'DELETE /api/webhooks/{id}',
      expect: 'U  F  F  F  F  F  F  A  F  F',
      prepare: async () => ({ path: `/api/webhooks/${await matrixWebhook()}` }),
    },
    {
      op: 'GET /api/webhooks/{id}/deliveries',
      expect: 'U  F  F  F  F  F  F  A  F  F',
      prepare: async () => ({ path: `/api/webhooks/${await sharedWebhook()}/deliveries` }),
    },
    {
      op: 'POST /api/webhooks/{id}/test',
      expect: 'U  F  F  F  F  F  F  A  F  F',
      prepare: async () => ({ path: `/api/webhooks/${await sharedWebhook()}/test` }),
    },
    // LTI platform registrations and the tool's keys: admins, browser sessions only.
    {
      op: 'GET /api/lti/platforms',
      expect: 'U  F  F  F  F  F  F  A  F  F',
      prepare: fixed(() => '/api/lti/platforms'),
    },
    {
      op: 'POST /api/lti/platforms',
      expect: 'U  F  F  F  F  F  F  A  F  F',
      prepare: fixed(() => '/api/lti/platforms', platformInput),
    },
    {
      op: 'GET /api/lti/platforms/{id}',
      expect: 'U  F  F  F  F  F  F  A  F  F',
      prepare: async () => ({ path: `/api/lti/platforms/${await sharedPlatform()}` }),
    },
    {
      op: 'PUT /api/lti/platforms/{id}',
      expect: 'U  F  F  F  F  F  F  A  F  F',
      prepare: async () => ({
        path: `/api/lti/platforms/${await sharedPlatform()}`,
        body: { ...platformInput(), name: 'Renamed by the matrix' },
      }),
    },
    {
      op: 'DELETE /api/lti/platforms/{id}',
      expect: 'U  F  F  F  F  F  F  A  F  F',
      prepare: async () => ({ path: `/api/lti/platforms/${await matrixPlatform()}` }),
    },
    {
      op: 'GET /api/lti/tool',
      expect: 'U  F  F  F  F  F  F  A  F  F',
      prepare: fixed(() => '/api/lti/tool'),
    },
    {
      op: 'POST /api/lti/keys/rotate',
      expect: 'U  F  F  F  F  F  F  A  F  F',
      prepare: fixed(() => '/api/lti/keys/rotate'),
    },
    {
      op: 'POST /api/lti/registration-invites',
      expect: 'U  F  F  F  F  F  F  A  F  F',
      prepare: fixed(() => '/api/lti/registration-invites'),
    },
    // An exam in learning platforms: its staff read; its instructors and admins act.
    {
      op: 'GET /api/exams/{id}/lti',
      expect: 'U  F  F  A  H  A  H  A  A  A',
      prepare: fixed(() => `/api/exams/${examA}/lti`),
    },
    {
      op: 'POST /api/exams/{id}/lti/roster-sync',
      expect: 'U  F  F  F  F  A  H  A  S  A',
      prepare: async () => {
        await rosterLink();
        return { path: `/api/exams/${examA}/lti/roster-sync` };
      },
    },
    {
      op: 'POST /api/exams/{id}/lti/grades/retry',
      expect: 'U  F  F  F  F  A  H  A  S  A',
      prepare: fixed(() => `/api/exams/${examA}/lti/grades/retry`),
    },
    {
      op: 'GET /api/audit',
      expect: 'U  F  F  F  F  F  F  A  F  F',
      prepare: fixed(() => '/api/audit'),
    },
    {
      op: 'GET /api/audit/page',
      expect: 'U  F  F  F  F  F  F  A  F  F',
      prepare: fixed(() => '/api/audit/page'),
    },
    {
      op: 'GET /api/audit/export.csv',
      expect: 'U  F  F  F  F  F  F  A  F  F',
      prepare: fixed(() => '/api/audit/export.csv'),
    },
    {
      // Staff who set detection rules: instructors (any) and admins.
      op: 'GET /api/detection/quality',
      expect: 'U  F  F  F  F  A  A  A  F  A',
      prepare: fixed(() => '/api/detection/quality'),
    },
    {
      op: 'GET /api/system/analysis',
      expect: 'U  F  F  F  F  F  F  A  F  F',
      prepare: fixed(() => '/api/system/analysis'),
    },
    {
      op: 'GET /api/system/overview',
      expect: 'U  F  F  F  F  F  F  A  F  F',
      prepare: fixed(() => '/api/system/overview?minutes=15'),
    },
    {
      op: 'GET /api/system/jobs',
      expect: 'U  F  F  F  F  F  F  A  F  F',
      prepare: fixed(() => '/api/system/jobs'),
    },
    {
      op: 'POST /api/system/jobs/{id}/retry',
      expect: 'U  F  F  F  F  F  F  A  F  F',
      // A dead job of its own for the caller who may retry it.
      prepare: async (caller) => {
        const id = caller === 'admin' ? (await addDeadJob(server.instance.jobs)).id : '1';
        return { path: `/api/system/jobs/${encodeURIComponent(id)}/retry` };
      },
    },
  ];

  beforeAll(async () => {
    // Raised hands go up and down many times here: the per-user limit is not what is tested.
    server = await startTestServer(engine, { chatRateLimit: { max: 10_000, windowMs: 30_000 } });
    users.admin = await server.signedIn('admin', 'Matrix Admin');
    users.student = await server.signedIn('student', 'Owner Student');
    users.otherStudent = await server.signedIn('student', 'Other Student');
    users.proctorA = await server.signedIn('proctor', 'Proctor A');
    users.proctorX = await server.signedIn('proctor', 'Proctor X');
    users.instructorA = await server.signedIn('instructor', 'Instructor A');
    users.instructorX = await server.signedIn('instructor', 'Instructor X');
    spareProctor = await server.signedIn('proctor', 'Spare Proctor');
    patchTarget = await server.signedIn('student', 'Patch Target');
    loginTarget = await server.signedIn('student', 'Login Target');
    resetTarget = await server.signedIn('student', 'Reset Target');

    examA = await freshExam('Exam A');
    const b = await users.admin.post(
      '/api/exams',
      buildExam({ title: 'Exam B' }, server.clock.now().getTime()),
    );
    expect(b.status).toBe(201);
    examB = b.body.id;
    await assign(examB, users.proctorX.userId, 'proctor');
    await assign(examB, users.instructorX.userId, 'instructor');

    const reg = await users.student.post(`/api/exams/${examA}/registrations`);
    expect(reg.status).toBe(201);
    registrationId = reg.body.id;
    sessionId = reg.body.sessionId;

    const pt = await users.proctorA.post('/api/tokens', {
      name: 'proctor read-only',
      scopes: ['exams:read'],
    });
    expect(pt.status, JSON.stringify(pt.body)).toBe(201);
    const at = await users.admin.post('/api/tokens', {
      name: 'admin all scopes',
      scopes: TokenScope.options,
    });
    expect(at.status, JSON.stringify(at.body)).toBe(201);
    const spare = await users.admin.post('/api/tokens', { name: 'spare', scopes: ['exams:read'] });
    spareTokenId = spare.body.apiToken.id;

    // Sign-up cells must be able to succeed; the sign-up rules have their own tests.
    const signup = await users.admin.put('/api/settings/signup', {
      enabled: true,
      allowedDomains: [],
    });
    expect(signup.status).toBe(200);

    creds.anonymous = {};
    for (const c of COOKIE_CALLERS) creds[c] = credsOf(users[c]);
    creds.proctorToken = { bearer: pt.body.token };
    creds.adminToken = { bearer: at.body.token };
  });
  afterAll(async () => server?.close());

  it('covers exactly the routes the server registers and documents', async () => {
    const documented = await documentedOperations(server.anonymous());
    const registered = registeredOperations(server.instance.app, isApiRoute);
    const live = new Set([...documented, ...registered]);
    const inTable = new Set(rows.map((r) => r.op));
    const missing = [...live].filter((op) => !inTable.has(op));
    const stale = [...inTable].filter((op) => !live.has(op));
    expect(missing, 'routes without a row in the matrix').toEqual([]);
    expect(stale, 'matrix rows for routes that no longer exist').toEqual([]);
    expect(documented.length).toBeGreaterThan(20);
  });

  it.each(rows.map((r) => [`${r.op}${r.variant ? ` (${r.variant})` : ''}`, r] as const))(
    '%s',
    async (_name, row) => {
      const expected = parseOutcomes(row.expect);
      const { method } = splitOperation(row.op);
      const mismatches: string[] = [];
      for (const caller of CALLERS) {
        const cell = await row.prepare(caller);
        const res = await clientFor(cell.as ?? creds[caller]).request(
          method,
          cell.path,
          cell.body,
          cell.headers,
        );
        const got = classify(res);
        if (got !== expected[caller]) {
          mismatches.push(`${caller}: expected ${expected[caller]}, got ${got}`);
        }
      }
      expect(mismatches).toEqual([]);
    },
  );

  describe('a proctor cannot see an exam they are not assigned to', () => {
    it('lists only assigned exams for proctors and instructors, all for admins', async () => {
      const ids = async (c: HttpClient) =>
        ((await c.get('/api/exams')).body as { id: string }[]).map((e) => e.id);
      const pA = await ids(users.proctorA);
      expect(pA).toContain(examA);
      expect(pA).not.toContain(examB);
      const pX = await ids(users.proctorX);
      expect(pX).toContain(examB);
      expect(pX).not.toContain(examA);
      const iX = await ids(users.instructorX);
      expect(iX).toContain(examB);
      expect(iX).not.toContain(examA);
      const viaToken = await ids(clientFor(creds.proctorToken));
      expect(viaToken).toContain(examA);
      expect(viaToken).not.toContain(examB);
      const all = await ids(users.admin);
      expect(all).toEqual(expect.arrayContaining([examA, examB]));
    });

    it('answers 404, not 403, for the unassigned exam, its roster and its staff', async () => {
      for (const path of [
        `/api/exams/${examB}`,
        `/api/exams/${examB}/registrations`,
        `/api/exams/${examB}/staff`,
      ]) {
        expectError(await users.proctorA.get(path), 404, 'NOT_FOUND');
      }
      // The answer for an unassigned exam is indistinguishable from a non-existent one.
      const unassigned = await users.proctorA.get(`/api/exams/${examB}`);
      const missing = await users.proctorA.get(`/api/exams/${crypto.randomUUID()}`);
      expect(unassigned.body.message).toBe(missing.body.message);
    });

    it('stops seeing an exam once unassigned', async () => {
      const examId = await freshExam('Briefly assigned');
      expect((await users.proctorA.get(`/api/exams/${examId}`)).status).toBe(200);
      const removed = await users.admin.delete(
        `/api/exams/${examId}/staff/${users.proctorA.userId}`,
      );
      expect(removed.status).toBe(200);
      expectError(await users.proctorA.get(`/api/exams/${examId}`), 404, 'NOT_FOUND');
    });

    it('does not let a student reach a registration or session of another student', async () => {
      expectError(
        await users.otherStudent.get(`/api/registrations/${registrationId}`),
        404,
        'NOT_FOUND',
      );
      expectError(await users.otherStudent.get(`/api/sessions/${sessionId}`), 404, 'NOT_FOUND');
      expectError(
        await users.otherStudent.post(`/api/registrations/${registrationId}/cancel`),
        404,
        'NOT_FOUND',
      );
    });
  });

  describe('CSRF', () => {
    it('refuses every cookie-authenticated mutation without x-csrf-token', async () => {
      const failures: string[] = [];
      for (const row of rows) {
        const { method } = splitOperation(row.op);
        if (method === 'GET') continue;
        const expected = parseOutcomes(row.expect);
        if (expected.anonymous === 'A') continue; // public routes carry no CSRF check
        const caller = COOKIE_CALLERS.find((c) => expected[c] === 'A');
        if (!caller) continue;
        const cell = await row.prepare(caller);
        const { csrfToken: _omit, ...noCsrf } = cell.as ?? creds[caller];
        const res = await clientFor(noCsrf).request(method, cell.path, cell.body, cell.headers);
        if (res.status !== 403 || res.body?.code !== 'CSRF_FAILED') {
          failures.push(`${row.op} as ${caller}: ${res.status} ${res.body?.code}`);
        }
      }
      expect(failures).toEqual([]);
    });

    it('refuses a wrong token and the token of another session', async () => {
      const body = buildExam({ title: 'CSRF probe' }, server.clock.now().getTime());
      const wrong = await users.admin.request('POST', '/api/exams', body, {
        'x-csrf-token': 'not-the-token',
      });
      expectError(wrong, 403, 'CSRF_FAILED');
      const empty = await users.admin.request('POST', '/api/exams', body, { 'x-csrf-token': '' });
      expectError(empty, 403, 'CSRF_FAILED');
      const otherSession = await newSessionOf('admin');
      const crossed = await users.admin.request('POST', '/api/exams', body, {
        'x-csrf-token': otherSession.csrfToken ?? '',
      });
      expectError(crossed, 403, 'CSRF_FAILED');
      // Reads need no CSRF token, and API tokens are not subject to it.
      const { csrfToken: _omit, ...noCsrf } = creds.admin;
      expect((await clientFor(noCsrf).get('/api/exams')).status).toBe(200);
      expect((await clientFor(creds.adminToken).post('/api/exams', body)).status).toBe(201);
    });
  });

  describe('API tokens', () => {
    it('needs the route’s scope: 403 INSUFFICIENT_SCOPE names it', async () => {
      const res = await clientFor(creds.proctorToken).get(`/api/exams/${examA}/registrations`);
      expectError(res, 403, 'INSUFFICIENT_SCOPE');
      expect(res.body.details).toEqual({ scope: 'registrations:read' });
      const write = await clientFor(creds.proctorToken).post(
        `/api/sessions/${sessionId}/transitions`,
        { to: 'checking_in' },
      );
      expectError(write, 403, 'INSUFFICIENT_SCOPE');
    });

    it('grading and every score release need sessions:write (they act on attempts)', async () => {
      const tokenWith = async (scopes: TokenScope[]) => {
        const res = await users.instructorA.post('/api/tokens', { name: 'grading', scopes });
        expect(res.status, JSON.stringify(res.body)).toBe(201);
        return clientFor({ bearer: res.body.token });
      };
      const g = await gradableSessions();
      const calls = (c: HttpClient) => [
        () => c.put(`${g.path}/answers/${g.textId}/grade`, { points: 1 }),
        () => c.post(`${g.autoPath}/score/release`),
        () => c.post(`/api/exams/${examA}/scores/release`),
      ];
      const without = await tokenWith(['exams:read', 'exams:write', 'sessions:read']);
      for (const call of calls(without)) {
        const res = await call();
        expectError(res, 403, 'INSUFFICIENT_SCOPE');
        expect(res.body.details).toEqual({ scope: 'sessions:write' });
      }
      const only = await tokenWith(['sessions:write']);
      for (const call of calls(only)) {
        const res = await call();
        expect(res.status, JSON.stringify(res.body)).toBe(200);
      }
    });

    it('cannot use browser-only routes (/api/tokens, /api/auth/*), even with every scope', async () => {
      const admin = clientFor(creds.adminToken);
      for (const res of [
        await admin.get('/api/tokens'),
        await admin.post('/api/tokens', { name: 'minted by a token', scopes: ['exams:read'] }),
        await admin.delete(`/api/tokens/${spareTokenId}`),
        await admin.get('/api/auth/me'),
        await admin.post('/api/auth/logout'),
        await admin.post('/api/auth/password', {
          currentPassword: TEST_PASSWORD,
          newPassword: 'another long passphrase',
        }),
      ]) {
        expectError(res, 403, 'FORBIDDEN');
      }
      const tokens = await users.admin.get('/api/tokens');
      expect(tokens.body.find((t: { id: string }) => t.id === spareTokenId).revokedAt).toBeNull();
    });

    it('a revoked token answers 401', async () => {
      const created = await users.proctorA.post('/api/tokens', {
        name: 'short-lived',
        scopes: ['exams:read'],
      });
      const token = clientFor({ bearer: created.body.token });
      expect((await token.get(`/api/exams/${examA}`)).status).toBe(200);
      const revoked = await users.proctorA.delete(`/api/tokens/${created.body.apiToken.id}`);
      expect(revoked.status).toBe(200);
      expectError(await token.get(`/api/exams/${examA}`), 401, 'UNAUTHENTICATED');
      expectError(await token.get('/healthz'), 401, 'UNAUTHENTICATED');
    });

    it('a staff member cannot revoke someone else’s token (404)', async () => {
      expectError(await users.proctorX.delete(`/api/tokens/${spareTokenId}`), 404, 'NOT_FOUND');
      const tokens = await users.admin.get('/api/tokens');
      expect(tokens.body.find((t: { id: string }) => t.id === spareTokenId).revokedAt).toBeNull();
    });
  });

  it('a disabled user’s existing session and tokens answer 401', async () => {
    const victim = await server.signedIn('proctor', 'Soon Disabled');
    const token = await victim.post('/api/tokens', { name: 'victim', scopes: ['exams:read'] });
    expect(token.status).toBe(201);
    const bearer = clientFor({ bearer: token.body.token });
    expect((await victim.get('/api/auth/me')).status).toBe(200);
    expect((await bearer.get('/api/exams')).status).toBe(200);

    const disabled = await users.admin.patch(`/api/users/${victim.userId}`, { disabled: true });
    expect(disabled.status).toBe(200);
    expect(disabled.body.disabled).toBe(true);
    expectError(await victim.get('/api/auth/me'), 401, 'UNAUTHENTICATED');
    expectError(await victim.get('/api/exams'), 401, 'UNAUTHENTICATED');
    expectError(await bearer.get('/api/exams'), 401, 'UNAUTHENTICATED');
    const login = await server.anonymous().post('/api/auth/login', {
      email: victim.email,
      password: TEST_PASSWORD,
    });
    expectError(login, 403, 'ACCOUNT_DISABLED');
  });

  it('an unknown or forged session cookie is anonymous', async () => {
    const forged = clientFor({ cookie: 'invigil_session=forged', csrfToken: 'forged' });
    expectError(await forged.get('/api/auth/me'), 401, 'UNAUTHENTICATED');
    expect((await forged.get('/healthz')).status).toBe(200);
  });
});
