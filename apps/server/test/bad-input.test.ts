import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildExam } from './helpers/factories.js';
import type { HttpClient, TestResponse } from './helpers/http-client.js';
import { errorBodyProblem, expectError, expectValidationDetails } from './helpers/matrix-errors.js';
import { documentedOperations, fillPath, splitOperation } from './helpers/matrix-routes.js';
import {
  requestEngines,
  startTestServer,
  TEST_PASSWORD,
  type TestServer,
} from './helpers/test-server.js';

type Who = 'anonymous' | 'student' | 'admin' | 'proctor';

/** A route with a body or path parameters, the caller allowed to use it, and valid input. */
interface Target {
  op: string;
  who: Who;
  params?: () => Record<string, string>;
  body?: () => Record<string, unknown>;
  /** The body is raw bytes of media types (uploads): JSON bodies are 415, not 400. */
  raw?: true;
}

const HOUR = 3_600_000;
const ANY_QUESTION = crypto.randomUUID();
const ANY_FLAG = crypto.randomUUID();
const ONE_MIB = 1_048_576;

/** Deterministic PRNG (mulberry32), so a fuzz failure reproduces from its seed. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
  return { next, int, pick };
}

/** A value of the wrong JSON type for `v`. */
function wrongType(v: unknown): unknown {
  if (typeof v === 'string') return 12345;
  if (typeof v === 'number') return 'not a number';
  if (typeof v === 'boolean') return 'yes';
  if (Array.isArray(v)) return 'not an array';
  if (v && typeof v === 'object') return 7;
  return { unexpected: true };
}

describe.each(requestEngines())('bad input on %s', (engine) => {
  let server: TestServer;
  let admin: HttpClient & { userId: string; email: string };
  let student: HttpClient & { userId: string; email: string };
  let proctor: HttpClient & { userId: string; email: string };
  let examId: string;
  let registrationId: string;
  let sessionId: string;
  let tokenId: string;
  let spareUserId: string;
  let webhookId: string;
  let spareWebhookId: string;
  let platformId: string;
  let sparePlatformId: string;

  /** A valid learning platform registration (LTI 1.3); `clientId` tells registrations apart. */
  const ltiPlatform = (clientId = 'bad-input-client'): Record<string, unknown> => ({
    name: 'Bad input LMS',
    issuer: 'https://lms.bad-input.example',
    clientId,
    authLoginUrl: 'https://lms.bad-input.example/auth',
    authTokenUrl: 'https://lms.bad-input.example/token',
    jwksUrl: 'https://lms.bad-input.example/jwks',
    deploymentIds: ['1'],
  });

  const clients = (): Record<Who, HttpClient> => ({
    anonymous: server.anonymous(),
    student,
    admin,
    proctor,
  });
  const now = () => server.clock.now().getTime();

  const targets: Target[] = [
    {
      op: 'POST /api/auth/login',
      who: 'anonymous',
      body: () => ({ email: 'nobody@test.invigil.test', password: 'not the password at all' }),
    },
    {
      op: 'POST /api/auth/signup',
      who: 'anonymous',
      body: () => ({ email: 'new@uni.example', name: 'New Student', password: TEST_PASSWORD }),
    },
    {
      op: 'POST /api/auth/password-reset',
      who: 'anonymous',
      body: () => ({ email: 'nobody@test.invigil.test' }),
    },
    {
      op: 'POST /api/auth/password-reset/confirm',
      who: 'anonymous',
      body: () => ({ token: 'not-a-live-link', password: 'a different passphrase' }),
    },
    {
      op: 'POST /api/auth/verify-email',
      who: 'anonymous',
      body: () => ({ token: 'not-a-live-link' }),
    },
    { op: 'POST /api/users/{id}/approve', who: 'admin', params: () => ({ id: spareUserId }) },
    { op: 'POST /api/users/{id}/reject', who: 'admin', params: () => ({ id: spareUserId }) },
    {
      op: 'POST /api/auth/password',
      who: 'student',
      body: () => ({
        currentPassword: 'not the current one',
        newPassword: 'a different passphrase',
      }),
    },
    {
      op: 'POST /api/users',
      who: 'admin',
      body: () => ({
        email: 'baseline-user@test.invigil.test',
        name: 'Baseline',
        role: 'student',
        password: TEST_PASSWORD,
      }),
    },
    {
      op: 'PATCH /api/users/{id}',
      who: 'admin',
      params: () => ({ id: spareUserId }),
      body: () => ({ name: 'Spare User' }),
    },
    {
      op: 'POST /api/users/{id}/password',
      who: 'admin',
      params: () => ({ id: spareUserId }),
      body: () => ({ password: 'a brand new passphrase' }),
    },
    { op: 'POST /api/users/{id}/exports', who: 'admin', params: () => ({ id: spareUserId }) },
    { op: 'GET /api/exports/{id}', who: 'student', params: () => ({ id: crypto.randomUUID() }) },
    {
      op: 'GET /api/exports/{id}/download',
      who: 'student',
      params: () => ({ id: crypto.randomUUID() }),
    },
    {
      op: 'POST /api/users/import',
      who: 'admin',
      body: () => ({
        csv: 'email,name,role\nbaseline-import@test.invigil.test,Imported,student\n',
      }),
    },
    {
      op: 'PUT /api/settings/signup',
      who: 'admin',
      body: () => ({ enabled: false, allowedDomains: ['uni.example'] }),
    },
    // Second factors (the student has none: valid input is refused after validation, 400/404).
    {
      op: 'POST /api/auth/mfa/totp/confirm',
      who: 'student',
      body: () => ({ code: '123456', label: 'Phone' }),
    },
    {
      op: 'POST /api/auth/mfa/webauthn/register',
      who: 'student',
      body: () => ({
        label: 'Key',
        response: {
          id: 'AAAA',
          rawId: 'AAAA',
          type: 'public-key',
          response: { clientDataJSON: 'AAAA', attestationObject: 'AAAA' },
          clientExtensionResults: {},
        },
      }),
    },
    {
      op: 'DELETE /api/auth/mfa/factors/{id}',
      who: 'student',
      params: () => ({ id: crypto.randomUUID() }),
    },
    {
      op: 'POST /api/auth/mfa/verify',
      who: 'student',
      body: () => ({ method: 'recovery', code: 'aaaa-bbbb-cccc-dddd' }),
    },
    {
      op: 'POST /api/auth/mfa/webauthn/verify',
      who: 'student',
      body: () => ({
        response: {
          id: 'AAAA',
          rawId: 'AAAA',
          type: 'public-key',
          response: { clientDataJSON: 'AAAA', authenticatorData: 'AAAA', signature: 'AAAA' },
          clientExtensionResults: {},
        },
      }),
    },
    { op: 'PUT /api/settings/mfa', who: 'admin', body: () => ({ requireForStaff: false }) },
    { op: 'DELETE /api/users/{id}/mfa', who: 'admin', params: () => ({ id: spareUserId }) },
    {
      op: 'PUT /api/settings/retention',
      who: 'admin',
      body: () => ({ mediaDaysAfterVerdict: 365, identityDays: 90, undecidedDays: 730 }),
    },
    { op: 'GET /api/sessions/{id}/hold', who: 'admin', params: () => ({ id: sessionId }) },
    {
      op: 'PUT /api/sessions/{id}/hold',
      who: 'admin',
      params: () => ({ id: sessionId }),
      body: () => ({ reason: 'Baseline hold' }),
    },
    { op: 'DELETE /api/sessions/{id}/hold', who: 'admin', params: () => ({ id: sessionId }) },
    {
      op: 'PUT /api/exams/{id}/hold',
      who: 'admin',
      params: () => ({ id: examId }),
      body: () => ({ reason: 'Baseline hold' }),
    },
    { op: 'DELETE /api/exams/{id}/hold', who: 'admin', params: () => ({ id: examId }) },
    // The admin's own account: refused (409 ERASURE_NOT_ALLOWED) after validation, nothing erased.
    {
      op: 'POST /api/users/{id}/erasure',
      who: 'admin',
      params: () => ({ id: admin.userId }),
      body: () => ({ confirmEmail: admin.email }),
    },
    {
      op: 'POST /api/tokens',
      who: 'admin',
      body: () => ({ name: 'baseline', scopes: ['exams:read'], expiresInDays: 30 }),
    },
    { op: 'DELETE /api/tokens/{id}', who: 'admin', params: () => ({ id: tokenId }) },
    // A sign-in session's public id (not a UUID): an unknown one is 404, never a 5xx.
    { op: 'DELETE /api/auth/sessions/{id}', who: 'admin', params: () => ({ id: 'a'.repeat(32) }) },
    { op: 'POST /api/exams', who: 'admin', body: () => ({ ...buildExam({}, now()) }) },
    { op: 'GET /api/exams/{id}', who: 'admin', params: () => ({ id: examId }) },
    {
      op: 'PATCH /api/exams/{id}',
      who: 'admin',
      params: () => ({ id: examId }),
      body: () => ({ title: 'Still valid', capacity: 40 }),
    },
    { op: 'POST /api/exams/{id}/archive', who: 'admin', params: () => ({ id: examId }) },
    { op: 'GET /api/exams/{id}/staff', who: 'admin', params: () => ({ id: examId }) },
    {
      op: 'PUT /api/exams/{id}/staff/{userId}',
      who: 'admin',
      params: () => ({ id: examId, userId: proctor.userId }),
      body: () => ({ role: 'proctor' }),
    },
    {
      op: 'DELETE /api/exams/{id}/staff/{userId}',
      who: 'admin',
      params: () => ({ id: examId, userId: spareUserId }),
    },
    { op: 'POST /api/exams/{id}/registrations', who: 'student', params: () => ({ id: examId }) },
    { op: 'GET /api/exams/{id}/registrations', who: 'admin', params: () => ({ id: examId }) },
    { op: 'GET /api/registrations/{id}', who: 'admin', params: () => ({ id: registrationId }) },
    {
      op: 'POST /api/registrations/{id}/cancel',
      who: 'student',
      params: () => ({ id: registrationId }),
    },
    { op: 'GET /api/sessions/{id}', who: 'admin', params: () => ({ id: sessionId }) },
    {
      op: 'POST /api/sessions/{id}/transitions',
      who: 'admin',
      params: () => ({ id: sessionId }),
      // Staff cannot move a registered session to paused: 409, which proves the body passed.
      body: () => ({ to: 'paused', reason: 'baseline' }),
    },
    { op: 'POST /api/sessions/{id}/consent', who: 'student', params: () => ({ id: sessionId }) },
    { op: 'GET /api/exams/{id}/questions', who: 'admin', params: () => ({ id: examId }) },
    {
      op: 'PUT /api/exams/{id}/questions',
      who: 'admin',
      params: () => ({ id: examId }),
      body: () => ({
        questions: [
          {
            kind: 'multiple_choice',
            prompt: 'Pick',
            options: ['a', 'b'],
            correctOption: 1,
            points: 2,
          },
        ],
      }),
    },
    { op: 'GET /api/sessions/{id}/exam', who: 'student', params: () => ({ id: sessionId }) },
    {
      op: 'PUT /api/sessions/{id}/answers/{questionId}',
      who: 'student',
      params: () => ({ id: sessionId, questionId: ANY_QUESTION }),
      // The attempt has not started: 409, which proves the body passed.
      body: () => ({ value: { choice: 0 } }),
    },
    { op: 'GET /api/sessions/{id}/answers', who: 'admin', params: () => ({ id: sessionId }) },
    {
      op: 'PUT /api/sessions/{id}/answers/{questionId}/grade',
      who: 'admin',
      params: () => ({ id: sessionId, questionId: ANY_QUESTION }),
      // The attempt has not ended: 409 ATTEMPT_NOT_ENDED, which proves the body passed.
      body: () => ({ points: 1, comment: 'baseline' }),
    },
    {
      op: 'POST /api/sessions/{id}/score/release',
      who: 'admin',
      params: () => ({ id: sessionId }),
    },
    { op: 'POST /api/exams/{id}/scores/release', who: 'admin', params: () => ({ id: examId }) },
    { op: 'GET /api/sessions/{id}/result', who: 'student', params: () => ({ id: sessionId }) },
    {
      op: 'PUT /api/sessions/{id}/marks/{questionId}',
      who: 'student',
      params: () => ({ id: sessionId, questionId: ANY_QUESTION }),
      // The attempt has not started: 409, which proves the body passed.
      body: () => ({ marked: true }),
    },
    { op: 'GET /api/sessions/{id}/marks', who: 'admin', params: () => ({ id: sessionId }) },
    {
      op: 'PUT /api/registrations/{id}/accommodations',
      who: 'admin',
      params: () => ({ id: registrationId }),
      body: () => ({ extraTimeMinutes: 15 }),
    },
    {
      op: 'POST /api/bandwidth-probe',
      who: 'student',
      raw: true,
    },
    {
      op: 'PUT /api/sessions/{id}/media/{track}/{seq}',
      who: 'student',
      params: () => ({ id: sessionId, track: 'webcam', seq: '0' }),
      raw: true,
    },
    {
      op: 'PUT /api/sessions/{id}/snapshots/{kind}/{seq}',
      who: 'student',
      params: () => ({ id: sessionId, kind: 'webcam', seq: '0' }),
      raw: true,
    },
    {
      op: 'POST /api/sessions/{id}/face-photo-check',
      who: 'student',
      params: () => ({ id: sessionId }),
      raw: true,
    },
    {
      op: 'POST /api/sessions/{id}/events',
      who: 'student',
      params: () => ({ id: sessionId }),
      // The session is not checking in yet: 409, which proves the body passed.
      body: () => ({ events: [{ seq: 0, type: 'page.load', at: now(), data: { n: 1 } }] }),
    },
    { op: 'GET /api/sessions/{id}/events', who: 'admin', params: () => ({ id: sessionId }) },
    { op: 'GET /api/sessions/{id}/recording', who: 'admin', params: () => ({ id: sessionId }) },
    {
      op: 'GET /api/sessions/{id}/media/{track}/{seq}',
      who: 'admin',
      params: () => ({ id: sessionId, track: 'webcam', seq: '0' }),
    },
    {
      op: 'GET /api/sessions/{id}/snapshots/{kind}/{seq}',
      who: 'admin',
      params: () => ({ id: sessionId, kind: 'webcam', seq: '0' }),
    },
    { op: 'GET /api/sessions/{id}/flags', who: 'admin', params: () => ({ id: sessionId }) },
    { op: 'GET /api/sessions/{id}/risk', who: 'admin', params: () => ({ id: sessionId }) },
    // Webhooks point at a closed local port: a test ping fails at once, no DNS, no network.
    {
      op: 'POST /api/webhooks',
      who: 'admin',
      body: () => ({
        url: 'http://127.0.0.1:9/baseline',
        events: ['flag.high', 'verdict'],
        description: 'baseline',
      }),
    },
    {
      op: 'PATCH /api/webhooks/{id}',
      who: 'admin',
      params: () => ({ id: webhookId }),
      body: () => ({ url: 'http://127.0.0.1:9/patched', active: true }),
    },
    { op: 'DELETE /api/webhooks/{id}', who: 'admin', params: () => ({ id: spareWebhookId }) },
    { op: 'GET /api/webhooks/{id}/deliveries', who: 'admin', params: () => ({ id: webhookId }) },
    { op: 'POST /api/webhooks/{id}/test', who: 'admin', params: () => ({ id: webhookId }) },
    // LTI platform registrations (a repeated baseline create is 409 LTI_PLATFORM_EXISTS).
    { op: 'POST /api/lti/platforms', who: 'admin', body: () => ltiPlatform('baseline') },
    { op: 'GET /api/lti/platforms/{id}', who: 'admin', params: () => ({ id: platformId }) },
    {
      op: 'PUT /api/lti/platforms/{id}',
      who: 'admin',
      params: () => ({ id: platformId }),
      body: () => ltiPlatform(),
    },
    { op: 'DELETE /api/lti/platforms/{id}', who: 'admin', params: () => ({ id: sparePlatformId }) },
    // An exam in learning platforms (no placement: a roster sync is 409 LTI_NO_ROSTER).
    { op: 'GET /api/exams/{id}/lti', who: 'admin', params: () => ({ id: examId }) },
    { op: 'POST /api/exams/{id}/lti/roster-sync', who: 'admin', params: () => ({ id: examId }) },
    { op: 'POST /api/exams/{id}/lti/grades/retry', who: 'admin', params: () => ({ id: examId }) },
    // A dead job's id is the queue's own (not a UUID): no such job is a 404, not a 400.
    { op: 'POST /api/system/jobs/{id}/retry', who: 'admin', params: () => ({ id: '1' }) },
    // Live dashboard (any flag id: the parameter is what is checked here).
    { op: 'GET /api/exams/{id}/live', who: 'admin', params: () => ({ id: examId }) },
    { op: 'POST /api/flags/{id}/acknowledge', who: 'admin', params: () => ({ id: ANY_FLAG }) },
    { op: 'POST /api/flags/{id}/assign', who: 'admin', params: () => ({ id: ANY_FLAG }) },
    { op: 'DELETE /api/flags/{id}/assign', who: 'admin', params: () => ({ id: ANY_FLAG }) },
    { op: 'GET /api/sessions/{id}/notes', who: 'admin', params: () => ({ id: sessionId }) },
    {
      op: 'POST /api/sessions/{id}/notes',
      who: 'admin',
      params: () => ({ id: sessionId }),
      body: () => ({ body: 'Looked away twice; fine after a warning.' }),
    },
    { op: 'GET /api/exams/{id}/review-queue', who: 'admin', params: () => ({ id: examId }) },
    {
      op: 'POST /api/flags/{id}/review',
      who: 'admin',
      // No such flag: 404, which proves the body passed.
      params: () => ({ id: ANY_QUESTION }),
      body: () => ({ decision: 'dismissed', comment: 'baseline' }),
    },
    {
      op: 'POST /api/sessions/{id}/verdict',
      who: 'admin',
      params: () => ({ id: sessionId }),
      // The attempt has not finished: 409 REVIEW_NOT_OPEN, which proves the body passed.
      body: () => ({ verdict: 'clean', reason: 'baseline', overrideComment: 'baseline' }),
    },
    {
      op: 'POST /api/sessions/{id}/response',
      who: 'student',
      params: () => ({ id: sessionId }),
      // No verdict yet: 404, which proves the body passed.
      body: () => ({ text: 'baseline' }),
    },
    { op: 'GET /api/sessions/{id}/review', who: 'admin', params: () => ({ id: sessionId }) },
    { op: 'GET /api/sessions/{id}/report', who: 'admin', params: () => ({ id: sessionId }) },
    { op: 'GET /api/sessions/{id}/report.html', who: 'admin', params: () => ({ id: sessionId }) },
    {
      op: 'POST /api/sessions/{id}/interventions',
      who: 'proctor',
      params: () => ({ id: sessionId }),
      // The attempt has not started: 409 SESSION_NOT_ACTIVE, which proves the body passed.
      body: () => ({ kind: 'warning', message: 'baseline' }),
    },
    { op: 'GET /api/sessions/{id}/interventions', who: 'admin', params: () => ({ id: sessionId }) },
    {
      op: 'POST /api/sessions/{id}/interventions/{interventionId}/acknowledge',
      who: 'student',
      params: () => ({ id: sessionId, interventionId: ANY_QUESTION }),
    },
    {
      op: 'POST /api/sessions/{id}/interventions/{interventionId}/complete',
      who: 'student',
      params: () => ({ id: sessionId, interventionId: ANY_QUESTION }),
    },
    {
      op: 'POST /api/sessions/{id}/interventions/{interventionId}/cancel',
      who: 'proctor',
      // The body is optional (a note); its rules are in staffToolCases.
      params: () => ({ id: sessionId, interventionId: ANY_QUESTION }),
    },
    {
      op: 'POST /api/sessions/{id}/extend-time',
      who: 'proctor',
      params: () => ({ id: sessionId }),
      // The attempt has not started: 409 SESSION_NOT_ACTIVE, which proves the body passed.
      body: () => ({ minutes: 5, reason: 'baseline' }),
    },
    {
      op: 'POST /api/sessions/{id}/reopen',
      who: 'proctor',
      params: () => ({ id: sessionId }),
      // Not terminated: 409 ILLEGAL_TRANSITION, which proves the body passed.
      body: () => ({ reason: 'baseline' }),
    },
    {
      op: 'POST /api/sessions/{id}/new-attempt',
      who: 'proctor',
      params: () => ({ id: sessionId }),
      // Not finished: 409 ATTEMPT_NOT_FINISHED, which proves the body passed.
      body: () => ({ reason: 'baseline' }),
    },
    { op: 'GET /api/sessions/{id}/attempts', who: 'admin', params: () => ({ id: sessionId }) },
    { op: 'GET /api/sessions/{id}/chat', who: 'student', params: () => ({ id: sessionId }) },
    {
      op: 'POST /api/sessions/{id}/chat',
      who: 'student',
      params: () => ({ id: sessionId }),
      // The attempt has not started: 409 SESSION_NOT_ACTIVE, which proves the body passed.
      body: () => ({ body: 'baseline' }),
    },
    {
      op: 'POST /api/sessions/{id}/chat/read',
      who: 'student',
      params: () => ({ id: sessionId }),
      body: () => ({ seq: 0 }),
    },
    { op: 'GET /api/exams/{id}/announcements', who: 'admin', params: () => ({ id: examId }) },
    {
      op: 'POST /api/exams/{id}/announcements',
      who: 'proctor',
      params: () => ({ id: examId }),
      body: () => ({ body: 'baseline' }),
    },
    {
      op: 'POST /api/sessions/{id}/hand',
      who: 'student',
      // The body is optional (a message); its rules are in hands.test.ts.
      params: () => ({ id: sessionId }),
    },
    { op: 'GET /api/sessions/{id}/hands', who: 'student', params: () => ({ id: sessionId }) },
    // No such hand: 404 (the bodies are empty or optional).
    { op: 'POST /api/hands/{id}/lower', who: 'student', params: () => ({ id: ANY_QUESTION }) },
    { op: 'POST /api/hands/{id}/take', who: 'proctor', params: () => ({ id: ANY_QUESTION }) },
    { op: 'POST /api/hands/{id}/resolve', who: 'proctor', params: () => ({ id: ANY_QUESTION }) },
    { op: 'GET /api/sessions/{id}/rtc', who: 'proctor', params: () => ({ id: sessionId }) },
    {
      op: 'POST /api/sessions/{id}/rtc',
      who: 'proctor',
      params: () => ({ id: sessionId }),
      // The attempt has not started: 409 SESSION_NOT_ACTIVE, which proves the body passed.
      body: () => ({ kind: 'view' }),
    },
    // No such link: 404 (the body is empty).
    { op: 'POST /api/rtc/{id}/end', who: 'proctor', params: () => ({ id: ANY_QUESTION }) },
  ];
  const bodyTargets = targets.filter((t) => t.body);
  const paramTargets = targets.filter((t) => t.params);

  function send(
    t: Target,
    body?: unknown,
    headers: Record<string, string> = {},
    params?: Record<string, string>,
  ): Promise<TestResponse> {
    const { method, path } = splitOperation(t.op);
    const url = fillPath(path, params ?? t.params?.() ?? {});
    return clients()[t.who].request(method, url, body, headers);
  }

  /** Out-of-range input for questions, answers and accommodations. */
  function examContentCases(): [string, () => Promise<TestResponse>][] {
    const mc = { kind: 'multiple_choice', prompt: 'Pick', options: ['a', 'b'], correctOption: 0 };
    const setQuestions = (questions: unknown[]) =>
      admin.put(`/api/exams/${examId}/questions`, { questions });
    const answer = (value: unknown) =>
      student.put(`/api/sessions/${sessionId}/answers/${ANY_QUESTION}`, { value });
    const extra = (extraTimeMinutes: unknown) =>
      admin.put(`/api/registrations/${registrationId}/accommodations`, { extraTimeMinutes });
    return [
      ['question with one option', () => setQuestions([{ ...mc, options: ['a'] }])],
      ['question with 13 options', () => setQuestions([{ ...mc, options: [...'abcdefghijklm'] }])],
      ['question empty option', () => setQuestions([{ ...mc, options: ['a', ' '] }])],
      ['question empty prompt', () => setQuestions([{ ...mc, prompt: '  ' }])],
      ['question prompt 5001', () => setQuestions([{ ...mc, prompt: 'x'.repeat(5001) }])],
      ['correct option beyond the options', () => setQuestions([{ ...mc, correctOption: 2 }])],
      ['correct option negative', () => setQuestions([{ ...mc, correctOption: -1 }])],
      ['question points 101', () => setQuestions([{ ...mc, points: 101 }])],
      ['question unknown kind', () => setQuestions([{ ...mc, kind: 'poem' }])],
      ...questionTypeCases(),
      [
        'short text with options',
        () => setQuestions([{ kind: 'short_text', prompt: 'p', options: [] }]),
      ],
      ['201 questions', () => setQuestions(Array.from({ length: 201 }, () => mc))],
      ['answer choice -1', () => answer({ choice: -1 })],
      ['answer choice 1.5', () => answer({ choice: 1.5 })],
      ['answer choice and text', () => answer({ choice: 0, text: 'x' })],
      ['answer text 20001', () => answer({ text: 'x'.repeat(20_001) })],
      ['answer empty', () => answer({})],
      ['extra time -1', () => extra(-1)],
      ['extra time 601', () => extra(601)],
      ['extra time 2.5', () => extra(2.5)],
      ...detectionCases(),
    ];
  }

  /** Question kinds, answers and grades out of contract. */
  function questionTypeCases(): [string, () => Promise<TestResponse>][] {
    const setQuestions = (questions: unknown[]) =>
      admin.put(`/api/exams/${examId}/questions`, { questions });
    const answer = (value: unknown) =>
      student.put(`/api/sessions/${sessionId}/answers/${ANY_QUESTION}`, { value });
    const grade = (body: unknown) =>
      admin.put(`/api/sessions/${sessionId}/answers/${ANY_QUESTION}/grade`, body);
    const multi = {
      kind: 'multiple_choice',
      prompt: 'p',
      options: ['a', 'b'],
      correctOptions: [0],
    };
    const numeric = { kind: 'numeric', prompt: 'p', answer: 1, tolerance: 0 };
    return [
      ['multiple choice no right options', () => setQuestions([{ ...multi, correctOptions: [] }])],
      ['multiple choice option 12', () => setQuestions([{ ...multi, correctOptions: [12] }])],
      [
        'true/false answer "yes"',
        () => setQuestions([{ kind: 'true_false', prompt: 'p', answer: 'yes' }]),
      ],
      [
        'true/false with options',
        () =>
          setQuestions([{ kind: 'true_false', prompt: 'p', answer: true, options: ['a', 'b'] }]),
      ],
      ['numeric without answer', () => setQuestions([{ ...numeric, answer: undefined }])],
      ['numeric answer 1e13', () => setQuestions([{ ...numeric, answer: 1e13 }])],
      ['numeric answer as text', () => setQuestions([{ ...numeric, answer: '1' }])],
      ['numeric tolerance -1', () => setQuestions([{ ...numeric, tolerance: -1 }])],
      ['essay with a key', () => setQuestions([{ kind: 'essay', prompt: 'p', correctOption: 0 }])],
      ['answer choices 13', () => answer({ choices: Array.from({ length: 13 }, () => 0) })],
      ['answer choices -1', () => answer({ choices: [-1] })],
      ['answer number as text', () => answer({ number: '3' })],
      ['answer number 1e13', () => answer({ number: 1e13 })],
      ['grade points -1', () => grade({ points: -1 })],
      ['grade points 101', () => grade({ points: 101 })],
      ['grade points 1.5', () => grade({ points: 1.5 })],
      ['grade without points', () => grade({ comment: 'x' })],
      ['grade comment 5001', () => grade({ points: 1, comment: 'x'.repeat(5001) })],
      ['grade unknown field', () => grade({ points: 1, verdict: 'pass' })],
    ];
  }

  /** Detector policy, detector accommodations and detector event data out of contract. */
  function detectionCases(): [string, () => Promise<TestResponse>][] {
    const accommodate = (body: unknown) =>
      admin.put(`/api/registrations/${registrationId}/accommodations`, body);
    const policy = (p: unknown) => admin.patch(`/api/exams/${examId}`, { policy: p });
    const detect = (type: string, data: unknown) =>
      student.post(`/api/sessions/${sessionId}/events`, {
        events: [{ seq: 0, type, at: now(), data }],
      });
    const state = { detector: 'no_face', active: true, confidence: 0.9, model: 'm' };
    return [
      ['accommodations empty', () => accommodate({})],
      ['accommodation unknown detector', () => accommodate({ detectors: { ghost: {} } })],
      [
        'accommodation minSeconds 601',
        () => accommodate({ detectors: { no_face: { minSeconds: 601 } } }),
      ],
      [
        'accommodation unknown field',
        () => accommodate({ detectors: { no_face: { severity: 'low' } } }),
      ],
      [
        'policy detector without severity',
        () => policy({ detectors: { no_face: { enabled: true, minSeconds: 5 } } }),
      ],
      ['policy serverAnalysisSeconds -1', () => policy({ serverAnalysisSeconds: -1 })],
      ['detect.state unknown detector', () => detect('detect.state', { ...state, detector: 'x' })],
      ['detect.state confidence 2', () => detect('detect.state', { ...state, confidence: 2 })],
      ['detect.state no model', () => detect('detect.state', { ...state, model: undefined })],
      ['detect.snapshot faces -1', () => detect('detect.snapshot', { snapshotSeq: 0, faces: -1 })],
    ];
  }

  /** Intervention bodies out of contract: each kind's message rules. */
  function interventionCases(): [string, () => Promise<TestResponse>][] {
    const send = (body: unknown) => proctor.post(`/api/sessions/${sessionId}/interventions`, body);
    return [
      ['intervention unknown kind', () => send({ kind: 'scold', message: 'x' })],
      ['warning without message', () => send({ kind: 'warning' })],
      ['warning blank message', () => send({ kind: 'warning', message: '   ' })],
      ['warning message 1001', () => send({ kind: 'warning', message: 'x'.repeat(1001) })],
      ['terminate without reason', () => send({ kind: 'terminate' })],
      ['resume with message', () => send({ kind: 'resume', message: 'x' })],
      ['pause message 1001', () => send({ kind: 'pause', message: 'x'.repeat(1001) })],
      ...staffToolCases(),
    ];
  }

  /** Staff tool bodies out of contract: minutes, and the reasons they all need. */
  function staffToolCases(): [string, () => Promise<TestResponse>][] {
    const at = (what: string) => (body: unknown) =>
      proctor.post(`/api/sessions/${sessionId}/${what}`, body);
    const extend = at('extend-time');
    const cancel = at(`interventions/${ANY_QUESTION}/cancel`);
    return [
      ['extend 0 minutes', () => extend({ minutes: 0, reason: 'x' })],
      ['extend 601 minutes', () => extend({ minutes: 601, reason: 'x' })],
      ['extend 2.5 minutes', () => extend({ minutes: 2.5, reason: 'x' })],
      ['extend without reason', () => extend({ minutes: 5 })],
      ['extend blank reason', () => extend({ minutes: 5, reason: '  ' })],
      ['reopen without reason', () => at('reopen')({})],
      ['reopen reason 1001', () => at('reopen')({ reason: 'x'.repeat(1001) })],
      ['new attempt blank reason', () => at('new-attempt')({ reason: ' ' })],
      ['cancel reason 1001', () => cancel({ reason: 'x'.repeat(1001) })],
    ];
  }

  /** Review bodies out of contract: decisions, verdicts and responses. */
  function reviewCases(): [string, () => Promise<TestResponse>][] {
    const flag = (body: unknown) => admin.post(`/api/flags/${ANY_QUESTION}/review`, body);
    const verdict = (body: unknown) => admin.post(`/api/sessions/${sessionId}/verdict`, body);
    const respond = (body: unknown) => student.post(`/api/sessions/${sessionId}/response`, body);
    return [
      ['flag decision open', () => flag({ decision: 'open' })],
      ['flag dismissed without comment', () => flag({ decision: 'dismissed' })],
      ['flag dismissed blank comment', () => flag({ decision: 'dismissed', comment: '  ' })],
      ['flag comment 2001', () => flag({ decision: 'confirmed', comment: 'x'.repeat(2001) })],
      ['verdict unknown', () => verdict({ verdict: 'guilty', reason: 'x' })],
      ['verdict without reason', () => verdict({ verdict: 'clean' })],
      ['verdict blank reason', () => verdict({ verdict: 'clean', reason: ' ' })],
      ['verdict reason 5001', () => verdict({ verdict: 'clean', reason: 'x'.repeat(5001) })],
      [
        'verdict blank override comment',
        () => verdict({ verdict: 'clean', reason: 'x', overrideComment: '  ' }),
      ],
      [
        'verdict override comment 5001',
        () => verdict({ verdict: 'clean', reason: 'x', overrideComment: 'x'.repeat(5001) }),
      ],
      ['response empty', () => respond({ text: '' })],
      ['response 5001', () => respond({ text: 'x'.repeat(5001) })],
    ];
  }

  /** Webhook URLs, events and descriptions out of contract, and bad delivery-log pages. */
  function webhookCases(): [string, () => Promise<TestResponse>][] {
    const hook = (o: Record<string, unknown>) =>
      admin.post('/api/webhooks', { url: 'https://hooks.example/in', events: ['verdict'], ...o });
    const log = (q: string) => admin.get(`/api/webhooks/${webhookId}/deliveries?${q}`);
    return [
      ['webhook url not a URL', () => hook({ url: 'hooks.example/in' })],
      ['webhook url ftp', () => hook({ url: 'ftp://hooks.example/in' })],
      ['webhook url javascript', () => hook({ url: 'javascript:alert(1)' })],
      ['webhook url 2001 chars', () => hook({ url: `https://h.example/${'x'.repeat(1990)}` })],
      ['webhook no events', () => hook({ events: [] })],
      ['webhook unknown event', () => hook({ events: ['flag.low'] })],
      ['webhook ping event', () => hook({ events: ['ping'] })],
      ['webhook description 501', () => hook({ description: 'x'.repeat(501) })],
      ['webhook patch nothing', () => admin.patch(`/api/webhooks/${webhookId}`, {})],
      ['webhook patch secret', () => admin.patch(`/api/webhooks/${webhookId}`, { secret: 'x' })],
      ['deliveries ?limit=0', () => log('limit=0')],
      ['deliveries ?limit=201', () => log('limit=201')],
      ['deliveries ?before=0', () => log('before=0')],
      ['deliveries ?before=abc', () => log('before=abc')],
    ];
  }

  /** Learning platform registrations out of contract. */
  function ltiPlatformCases(): [string, () => Promise<TestResponse>][] {
    const create = (o: Record<string, unknown>) =>
      admin.post('/api/lti/platforms', { ...ltiPlatform('case'), ...o });
    return [
      ['lti platform blank name', () => create({ name: '  ' })],
      ['lti platform blank issuer', () => create({ issuer: '' })],
      ['lti platform login URL not a URL', () => create({ authLoginUrl: 'lms/auth' })],
      ['lti platform JWKS URL javascript', () => create({ jwksUrl: 'javascript:alert(1)' })],
      ['lti platform no deployments', () => create({ deploymentIds: [] })],
      ['lti platform blank deployment', () => create({ deploymentIds: [' '] })],
      [
        'lti platform 101 deployments',
        () => create({ deploymentIds: Array.from({ length: 101 }, (_, i) => `d${i}`) }),
      ],
      ['lti platform instructor role admin', () => create({ instructorRole: 'admin' })],
      ['lti platform admin role root', () => create({ adminRole: 'root' })],
      ['lti platform client id 501', () => create({ clientId: 'x'.repeat(501) })],
      [
        'lti platform update without deployments',
        () =>
          admin.put(`/api/lti/platforms/${platformId}`, { ...ltiPlatform(), deploymentIds: [] }),
      ],
    ];
  }

  /** Malformed recording queries and upload parameters. */
  function recordingCases(): [string, () => Promise<TestResponse>][] {
    const base = `/api/sessions/${sessionId}`;
    return [
      ['recording ?toMs before fromMs', () => admin.get(`${base}/recording?fromMs=10&toMs=5`)],
      ['recording ?fromMs=abc', () => admin.get(`${base}/recording?fromMs=abc`)],
      ['recording ?unknown=1', () => admin.get(`${base}/recording?unknown=1`)],
      ['media track microphone', () => admin.get(`${base}/media/microphone/0`)],
      ['media seq -1', () => admin.get(`${base}/media/webcam/-1`)],
      ['snapshot seq 1.5', () => admin.get(`${base}/snapshots/webcam/1.5`)],
      ['snapshot kind selfie', () => admin.get(`${base}/snapshots/selfie/0`)],
      [
        'events seq too large',
        () =>
          student.post(`${base}/events`, {
            events: [{ seq: 10_000_001, type: 'page.load', at: 1 }],
          }),
      ],
    ];
  }

  beforeAll(async () => {
    server = await startTestServer(engine);
    admin = await server.signedIn('admin');
    student = await server.signedIn('student');
    proctor = await server.signedIn('proctor');
    const spare = await server.signedIn('student', 'Spare User');
    spareUserId = spare.userId;
    const exam = await admin.post('/api/exams', buildExam({}, now()));
    examId = exam.body.id;
    // Interventions are for the exam's assigned proctors only.
    await admin.put(`/api/exams/${examId}/staff/${proctor.userId}`, { role: 'proctor' });
    const reg = await student.post(`/api/exams/${examId}/registrations`);
    registrationId = reg.body.id;
    sessionId = reg.body.sessionId;
    const token = await admin.post('/api/tokens', { name: 'fixture', scopes: ['exams:read'] });
    tokenId = token.body.apiToken.id;
    const hooks = await Promise.all(
      ['fixture', 'spare'].map((name) =>
        admin.post('/api/webhooks', { url: `http://127.0.0.1:9/${name}`, events: ['verdict'] }),
      ),
    );
    webhookId = hooks[0]?.body.webhook.id;
    spareWebhookId = hooks[1]?.body.webhook.id;
    platformId = (await admin.post('/api/lti/platforms', ltiPlatform())).body.id;
    sparePlatformId = (await admin.post('/api/lti/platforms', ltiPlatform('spare'))).body.id;
  });
  afterAll(async () => server?.close());

  it('has a target for every route that takes a body or path parameters', async () => {
    const doc = (await server.anonymous().get('/api/openapi.json')).body as {
      paths: Record<string, Record<string, { requestBody?: unknown }>>;
    };
    const needed: string[] = [];
    for (const op of await documentedOperations(server.anonymous())) {
      const { method, path } = splitOperation(op);
      if (path.includes('{') || doc.paths[path]?.[method.toLowerCase()]?.requestBody) {
        needed.push(op);
      }
    }
    const covered = targets.map((t) => t.op);
    expect(needed.filter((op) => !covered.includes(op))).toEqual([]);
    expect(covered.filter((op) => !needed.includes(op))).toEqual([]);
  });

  it('accepts the baseline inputs (so each rejection below is caused by the change alone)', async () => {
    const rejected: string[] = [];
    for (const t of bodyTargets) {
      const res = await send(t, t.body?.());
      const code = res.body?.code;
      if (code === 'VALIDATION_FAILED' || code === 'INVALID_JSON' || res.status >= 500) {
        rejected.push(`${t.op}: ${res.status} ${JSON.stringify(res.body)}`);
      }
    }
    expect(rejected).toEqual([]);
  });

  it('malformed JSON → 400 INVALID_JSON', async () => {
    for (const t of targets) {
      const { method } = splitOperation(t.op);
      if (method === 'GET') continue;
      for (const raw of ['{"a":', '{bad json}', "{'single': 'quotes'}", '[1,2', '"unterminated']) {
        if (t.raw) expectError(await send(t, raw), 415, 'UNSUPPORTED_MEDIA_TYPE');
        else expectError(await send(t, raw), 400, 'INVALID_JSON');
      }
    }
  });

  it('an empty JSON body → 400 INVALID_JSON; no body, null, [] or {} → 400 VALIDATION_FAILED', async () => {
    for (const t of bodyTargets) {
      expectError(await send(t, ''), 400, 'INVALID_JSON');
      expectValidationDetails(await send(t));
      expectValidationDetails(await send(t, 'null'));
      expectValidationDetails(await send(t, []));
      expectValidationDetails(await send(t, {}));
    }
  });

  it('a body that is not JSON → 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    const failures: string[] = [];
    for (const t of bodyTargets) {
      const valid = JSON.stringify(t.body?.());
      for (const type of [
        'text/plain',
        'application/x-www-form-urlencoded',
        'application/xml',
        'multipart/form-data; boundary=x',
      ]) {
        const res = await send(t, valid, { 'content-type': type });
        if (res.status !== 415 || res.body?.code !== 'UNSUPPORTED_MEDIA_TYPE') {
          failures.push(`${t.op} as ${type}: ${res.status} ${res.body?.code}`);
        }
        expect(errorBodyProblem(res), `${t.op} as ${type}`).toBeUndefined();
      }
    }
    expect(failures).toEqual([]);
  });

  it('unknown fields → 400 VALIDATION_FAILED naming the field', async () => {
    for (const t of bodyTargets) {
      const res = await send(t, { ...t.body?.(), sneaky: true });
      const details = expectValidationDetails(res);
      expect(JSON.stringify(details), t.op).toContain('sneaky');
    }
    // Nested objects are strict too: a typo in the proctoring policy must not be ignored.
    const typo = await admin.post('/api/exams', {
      ...buildExam({}, now()),
      policy: { webcam: true, screem: false },
    });
    expect(JSON.stringify(expectValidationDetails(typo))).toContain('screem');
  });

  it('wrong types in any field → 400 VALIDATION_FAILED with the field’s path', async () => {
    for (const t of bodyTargets) {
      const valid = t.body?.() ?? {};
      for (const [key, value] of Object.entries(valid)) {
        const res = await send(t, { ...valid, [key]: wrongType(value) });
        const details = expectValidationDetails(res);
        expect(
          details.some((d) => d.path.includes(key)),
          `${t.op} ${key}: ${JSON.stringify(details)}`,
        ).toBe(true);
      }
    }
  });

  it('out-of-range and malformed values → 400 VALIDATION_FAILED', async () => {
    const exam = (o: Record<string, unknown>) => ({ ...buildExam({}, now()), ...o });
    const policy = (p: Record<string, unknown>) => exam({ policy: p });
    const cases: [string, () => Promise<TestResponse>][] = [
      ['duration 0', () => admin.post('/api/exams', exam({ durationMinutes: 0 }))],
      ['duration > 1 day', () => admin.post('/api/exams', exam({ durationMinutes: 1441 }))],
      ['duration negative', () => admin.post('/api/exams', exam({ durationMinutes: -5 }))],
      ['duration fractional', () => admin.post('/api/exams', exam({ durationMinutes: 1.5 }))],
      [
        'duration 1e309',
        () =>
          admin.post(
            '/api/exams',
            JSON.stringify(exam({})).replace('"durationMinutes":90', '"durationMinutes":1e309'),
          ),
      ],
      ['capacity 0', () => admin.post('/api/exams', exam({ capacity: 0 }))],
      ['capacity 100001', () => admin.post('/api/exams', exam({ capacity: 100_001 }))],
      ['title empty', () => admin.post('/api/exams', exam({ title: '   ' }))],
      ['title 201 chars', () => admin.post('/api/exams', exam({ title: 'x'.repeat(201) }))],
      [
        'description 10001',
        () => admin.post('/api/exams', exam({ description: 'x'.repeat(10_001) })),
      ],
      ['status archived on create', () => admin.post('/api/exams', exam({ status: 'archived' }))],
      ['opensAt not a date', () => admin.post('/api/exams', exam({ opensAt: 'tomorrow' }))],
      [
        'opensAt without offset',
        () => admin.post('/api/exams', exam({ opensAt: '2030-01-01T10:00:00' })),
      ],
      [
        'opensAt 30 February',
        () => admin.post('/api/exams', exam({ opensAt: '2030-02-30T10:00:00Z' })),
      ],
      [
        'snapshot interval 1',
        () => admin.post('/api/exams', policy({ snapshotIntervalSeconds: 1 })),
      ],
      [
        'snapshot interval 301',
        () => admin.post('/api/exams', policy({ snapshotIntervalSeconds: 301 })),
      ],
      ['max faces 0', () => admin.post('/api/exams', policy({ maxFaces: 0 }))],
      ['max faces 11', () => admin.post('/api/exams', policy({ maxFaces: 11 }))],
      ['gaze away 0.5', () => admin.post('/api/exams', policy({ gazeAwaySeconds: 0.5 }))],
      ['gaze away 121', () => admin.post('/api/exams', policy({ gazeAwaySeconds: 121 }))],
      [
        'allowed url invalid',
        () => admin.post('/api/exams', policy({ allowedUrls: ['not a url'] })),
      ],
      [
        '51 allowed urls',
        () =>
          admin.post(
            '/api/exams',
            policy({ allowedUrls: Array.from({ length: 51 }, (_, i) => `https://x${i}.example`) }),
          ),
      ],
      ['patch capacity 0', () => admin.patch(`/api/exams/${examId}`, { capacity: 0 })],
      ['patch nothing', () => admin.patch(`/api/exams/${examId}`, {})],
      [
        'retention 0 days',
        () =>
          admin.put('/api/settings/retention', {
            mediaDaysAfterVerdict: 0,
            identityDays: 90,
            undecidedDays: 730,
          }),
      ],
      [
        'exam retention 1.5 days',
        () =>
          admin.patch(`/api/exams/${examId}`, {
            retention: { mediaDaysAfterVerdict: 1.5, identityDays: null, undecidedDays: null },
          }),
      ],
      ['hold without a reason', () => admin.put(`/api/exams/${examId}/hold`, { reason: '  ' })],
      [
        'erasure confirmation not an e-mail',
        () => admin.post(`/api/users/${spareUserId}/erasure`, { confirmEmail: 'nobody' }),
      ],
      [
        'token expires in 0 days',
        () => admin.post('/api/tokens', { name: 't', scopes: ['exams:read'], expiresInDays: 0 }),
      ],
      [
        'token expires in 3651 days',
        () => admin.post('/api/tokens', { name: 't', scopes: ['exams:read'], expiresInDays: 3651 }),
      ],
      [
        'token expires in 2.5 days',
        () => admin.post('/api/tokens', { name: 't', scopes: ['exams:read'], expiresInDays: 2.5 }),
      ],
      ['token without scopes', () => admin.post('/api/tokens', { name: 't', scopes: [] })],
      [
        'token unknown scope',
        () => admin.post('/api/tokens', { name: 't', scopes: ['everything'] }),
      ],
      [
        'token name 101 chars',
        () => admin.post('/api/tokens', { name: 'x'.repeat(101), scopes: ['exams:read'] }),
      ],
      ...webhookCases(),
      ...ltiPlatformCases(),
      [
        'user unknown role',
        () =>
          admin.post('/api/users', {
            email: 'r@test.invigil.test',
            name: 'R',
            role: 'root',
            password: TEST_PASSWORD,
          }),
      ],
      [
        'user bad e-mail',
        () =>
          admin.post('/api/users', {
            email: 'not-an-email',
            name: 'R',
            role: 'student',
            password: TEST_PASSWORD,
          }),
      ],
      [
        'user name 121 chars',
        () =>
          admin.post('/api/users', {
            email: 'n@test.invigil.test',
            name: 'x'.repeat(121),
            role: 'student',
            password: TEST_PASSWORD,
          }),
      ],
      [
        'password 257 chars',
        () =>
          server
            .anonymous()
            .post('/api/auth/login', { email: 'a@test.invigil.test', password: 'x'.repeat(257) }),
      ],
      ['patch user nothing', () => admin.patch(`/api/users/${spareUserId}`, {})],
      [
        'reset link empty',
        () =>
          server
            .anonymous()
            .post('/api/auth/password-reset/confirm', { token: '', password: TEST_PASSWORD }),
      ],
      [
        'reset link 201 chars',
        () =>
          server.anonymous().post('/api/auth/password-reset/confirm', {
            token: 'x'.repeat(201),
            password: TEST_PASSWORD,
          }),
      ],
      [
        'reset for a bad e-mail',
        () => server.anonymous().post('/api/auth/password-reset', { email: 'not-an-email' }),
      ],
      [
        'signup domain not a domain',
        () =>
          admin.put('/api/settings/signup', { enabled: true, allowedDomains: ['not a domain'] }),
      ],
      [
        '101 signup domains',
        () =>
          admin.put('/api/settings/signup', {
            enabled: true,
            allowedDomains: Array.from({ length: 101 }, (_, i) => `d${i}.example`),
          }),
      ],
      [
        'staff role admin',
        () => admin.put(`/api/exams/${examId}/staff/${proctor.userId}`, { role: 'admin' }),
      ],
      [
        'transition to nowhere',
        () => admin.post(`/api/sessions/${sessionId}/transitions`, { to: 'teleported' }),
      ],
      [
        'transition reason 1001 chars',
        () =>
          admin.post(`/api/sessions/${sessionId}/transitions`, {
            to: 'paused',
            reason: 'x'.repeat(1001),
          }),
      ],
      ['import csv empty', () => admin.post('/api/users/import', { csv: '' })],
      ...interventionCases(),
      ...reviewCases(),
      ...examContentCases(),
      ['exams ?status=bogus', () => admin.get('/api/exams?status=bogus')],
      ['exams ?unknown=1', () => admin.get('/api/exams?unknown=1')],
      ['exams ?status twice', () => admin.get('/api/exams?status=draft&status=published')],
      ['users ?role=root', () => admin.get('/api/users?role=root')],
      ['users ?q 255 chars', () => admin.get(`/api/users?q=${'x'.repeat(255)}`)],
      ['audit ?limit=0', () => admin.get('/api/audit?limit=0')],
      ['audit ?limit=1001', () => admin.get('/api/audit?limit=1001')],
      ['audit ?limit=abc', () => admin.get('/api/audit?limit=abc')],
      ['audit ?limit=1.5', () => admin.get('/api/audit?limit=1.5')],
      ['audit ?examId=nope', () => admin.get('/api/audit?examId=nope')],
      ...recordingCases(),
    ];
    const failures: string[] = [];
    for (const [name, call] of cases) {
      const res = await call();
      if (res.status !== 400 || res.body?.code !== 'VALIDATION_FAILED' || errorBodyProblem(res)) {
        failures.push(`${name}: ${res.status} ${JSON.stringify(res.body)}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('non-UUID path parameters → 400 VALIDATION_FAILED', async () => {
    const bad = [
      'not-a-uuid',
      '1',
      "1' or '1'='1",
      '00000000-0000-0000-0000-00000000000g',
      `${crypto.randomUUID()}x`,
      '%00',
      'x'.repeat(300),
    ];
    const failures: string[] = [];
    const isUuid = (v: string | undefined) =>
      /^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/i.test(v ?? '');
    for (const t of paramTargets) {
      const valid = t.params?.() ?? {};
      // Only id parameters: track, kind and seq have their own cases (ingest.test.ts).
      for (const name of Object.keys(valid).filter((n) => isUuid(valid[n]))) {
        for (const value of bad) {
          const res = await send(t, t.body?.(), {}, { ...valid, [name]: value });
          if (
            res.status !== 400 ||
            res.body?.code !== 'VALIDATION_FAILED' ||
            errorBodyProblem(res)
          ) {
            failures.push(`${t.op} ${name}=${value}: ${res.status} ${res.body?.code}`);
          }
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it('a path that is not valid percent-encoding → 400 in the standard error shape', async () => {
    const failures: string[] = [];
    for (const path of ['/api/exams/%zz', '/api/exams/%E0%A4%A', '/api/registrations/%']) {
      const res = await admin.get(path);
      if (res.status !== 400 || errorBodyProblem(res)) {
        failures.push(`${path}: ${res.status} ${JSON.stringify(res.body)}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('a body over 1 MiB → 413 PAYLOAD_TOO_LARGE (the CSV import allows 2.5 MB)', async () => {
    for (const t of bodyTargets) {
      if (t.op === 'POST /api/users/import') continue;
      const big = { ...t.body?.(), padding: 'x'.repeat(ONE_MIB + 10) };
      expectError(await send(t, big), 413, 'PAYLOAD_TOO_LARGE');
    }
    const header = 'email,name,role\n';
    const tooBig = await admin.post('/api/users/import', { csv: header + 'x'.repeat(2_600_000) });
    expectError(tooBig, 413, 'PAYLOAD_TOO_LARGE');
    // Within the byte limit but beyond the 2,000,000-character CSV limit: a validation error.
    const tooLong = await admin.post('/api/users/import', { csv: header + 'x'.repeat(2_100_000) });
    expectValidationDetails(tooLong);
  });

  it('JSON that is hostile rather than malformed is refused, never a 500', async () => {
    const login = targets[0] as Target;
    const proto = await send(
      login,
      '{"__proto__":{"admin":true},"email":"a@test.invigil.test","password":"x"}',
    );
    expect([400]).toContain(proto.status);
    expect(errorBodyProblem(proto)).toBeUndefined();
    const ctor = await send(
      login,
      '{"constructor":{"prototype":{"admin":true}},"email":"a@test.invigil.test","password":"x"}',
    );
    expect(ctor.status).toBe(400);
    expect(errorBodyProblem(ctor)).toBeUndefined();
    const deep = await send(login, '['.repeat(50_000) + ']'.repeat(50_000));
    expectValidationDetails(deep);
    const dup = await send(login, '{"email":"a@test.invigil.test","email":"b@test.invigil.test"}');
    expectValidationDetails(dup);
  });

  it('strings and dates the database cannot store are refused, never a 500', async () => {
    const nul = 'before\u0000after';
    const other = await server.signedIn('student');
    const probeExam = (await admin.post('/api/exams', buildExam({}, now()))).body.id as string;
    const reg = await other.post(`/api/exams/${probeExam}/registrations`);
    await admin.put('/api/settings/signup', { enabled: true, allowedDomains: [] });
    const year0 = '0000-01-01T00:00:00Z';
    const cases: [string, () => Promise<TestResponse>][] = [
      ['exam title with NUL', () => admin.post('/api/exams', buildExam({ title: nul }, now()))],
      [
        'exam description with NUL',
        () => admin.post('/api/exams', buildExam({ description: nul }, now())),
      ],
      ['patch exam title with NUL', () => admin.patch(`/api/exams/${probeExam}`, { title: nul })],
      [
        'user name with NUL',
        () =>
          admin.post('/api/users', {
            email: 'nul1@test.invigil.test',
            name: nul,
            role: 'student',
            password: TEST_PASSWORD,
          }),
      ],
      ['patch user name with NUL', () => admin.patch(`/api/users/${spareUserId}`, { name: nul })],
      [
        'sign-up name with NUL',
        () =>
          server.anonymous().post('/api/auth/signup', {
            email: 'nul2@test.invigil.test',
            name: nul,
            password: TEST_PASSWORD,
          }),
      ],
      [
        'CSV row with NUL',
        () =>
          admin.post('/api/users/import', {
            csv: `email,name,role\nnul3@test.invigil.test,${nul},student\n`,
          }),
      ],
      [
        'token name with NUL',
        () => admin.post('/api/tokens', { name: nul, scopes: ['exams:read'] }),
      ],
      [
        'transition reason with NUL',
        () =>
          other.post(`/api/sessions/${reg.body.sessionId}/transitions`, {
            to: 'checking_in',
            reason: nul,
          }),
      ],
      ['user search with NUL', () => admin.get('/api/users?q=%00')],
      [
        'exam opening in year 0',
        () => admin.post('/api/exams', buildExam({ opensAt: year0 }, now())),
      ],
      [
        'exam entirely in year 0',
        () =>
          admin.post(
            '/api/exams',
            buildExam(
              { opensAt: year0, closesAt: '0000-01-02T00:00:00Z', registrationDeadline: year0 },
              now(),
            ),
          ),
      ],
      ['patch exam into year 0', () => admin.patch(`/api/exams/${probeExam}`, { opensAt: year0 })],
    ];
    const failures: string[] = [];
    for (const [name, call] of cases) {
      const res = await call();
      if (res.status >= 500 || (res.status >= 400 && errorBodyProblem(res))) {
        failures.push(`${name}: ${res.status} ${res.body?.code}`);
      }
    }
    await admin.put('/api/settings/signup', { enabled: false, allowedDomains: [] });
    expect(failures).toEqual([]);
  });

  it('a bogus Authorization header → 401, even on public routes and beside a valid cookie', async () => {
    for (const value of [
      'Basic Zm9vOmJhcg==',
      'Bearer',
      'Bearer ',
      'Bearer two words',
      'Bearer inv_forged_token',
      'Token abc',
      'bearer',
    ]) {
      for (const [client, path] of [
        [server.anonymous(), '/api/settings/public'],
        [server.anonymous(), '/api/exams'],
        [admin, '/api/exams'],
      ] as const) {
        const res = await client.request('GET', path, undefined, { authorization: value });
        expectError(res, 401, 'UNAUTHENTICATED');
      }
    }
  });

  it('an unknown /api route → 404 ROUTE_NOT_FOUND', async () => {
    const anon = server.anonymous();
    for (const [method, path] of [
      ['GET', '/api/nope'],
      ['GET', '/api'],
      ['GET', '/api/'],
      ['POST', '/api/nope'],
      ['DELETE', '/api/exams'],
      ['PUT', '/api/exams/open'],
      ['GET', `/api/exams/${crypto.randomUUID()}/nope`],
      ['GET', '/api/exams/a/b/c/d/e'],
    ] as const) {
      expectError(await anon.request(method, path), 404, 'ROUTE_NOT_FOUND');
      expectError(await admin.request(method, path), 404, 'ROUTE_NOT_FOUND');
    }
  });

  it('exam schedules must be consistent on create (400 INVALID_EXAM_SCHEDULE)', async () => {
    const t0 = now() + 24 * HOUR;
    const at = (ms: number) => new Date(ms).toISOString();
    const base = { opensAt: at(t0), closesAt: at(t0 + 2 * HOUR), registrationDeadline: at(t0) };
    const cases: [string, Record<string, unknown>, string][] = [
      ['closes when it opens', { ...base, closesAt: at(t0) }, 'closesAt'],
      ['closes before it opens', { ...base, closesAt: at(t0 - HOUR) }, 'closesAt'],
      ['longer than its window', { ...base, durationMinutes: 121 }, 'durationMinutes'],
      [
        'deadline after closing',
        { ...base, registrationDeadline: at(t0 + 3 * HOUR) },
        'registrationDeadline',
      ],
    ];
    for (const [name, overrides, path] of cases) {
      const res = await admin.post('/api/exams', buildExam(overrides, now()));
      expectError(res, 400, 'INVALID_EXAM_SCHEDULE');
      expect(res.body.details, name).toEqual(
        expect.arrayContaining([expect.objectContaining({ path, message: expect.any(String) })]),
      );
    }
    // The edges are allowed: duration exactly the window, deadline exactly at closing.
    const edge = await admin.post(
      '/api/exams',
      buildExam({ ...base, durationMinutes: 120, registrationDeadline: base.closesAt }, now()),
    );
    expect(edge.status, JSON.stringify(edge.body)).toBe(201);
  });

  it('exam schedules must stay consistent when a PATCH merges with stored values', async () => {
    const t0 = now() + 24 * HOUR;
    const at = (ms: number) => new Date(ms).toISOString();
    const created = await admin.post(
      '/api/exams',
      buildExam(
        {
          opensAt: at(t0),
          closesAt: at(t0 + 2 * HOUR),
          registrationDeadline: at(t0),
          durationMinutes: 90,
        },
        now(),
      ),
    );
    expect(created.status).toBe(201);
    const id = created.body.id;
    for (const [patch, path] of [
      [{ closesAt: at(t0 - HOUR) }, 'closesAt'],
      [{ opensAt: at(t0 + 3 * HOUR) }, 'closesAt'],
      [{ durationMinutes: 121 }, 'durationMinutes'],
      [{ closesAt: at(t0 + HOUR) }, 'durationMinutes'],
      [{ registrationDeadline: at(t0 + 2 * HOUR + 60_000) }, 'registrationDeadline'],
      [{ closesAt: at(t0 + 90 * 60_000 - 60_000) }, 'durationMinutes'],
    ] as const) {
      const res = await admin.patch(`/api/exams/${id}`, patch);
      expectError(res, 400, 'INVALID_EXAM_SCHEDULE');
      expect(JSON.stringify(res.body.details), JSON.stringify(patch)).toContain(path);
    }
    const unchanged = await admin.get(`/api/exams/${id}`);
    expect(unchanged.body).toMatchObject({
      opensAt: at(t0),
      closesAt: at(t0 + 2 * HOUR),
      durationMinutes: 90,
      registrationDeadline: at(t0),
    });
    // A consistent move of the whole window is fine.
    const moved = await admin.patch(`/api/exams/${id}`, {
      opensAt: at(t0 + 5 * HOUR),
      closesAt: at(t0 + 7 * HOUR),
      registrationDeadline: at(t0 + 4 * HOUR),
    });
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
  });

  it('no request produces a 500: a seeded fuzz over every route', async () => {
    const seed = 20_260_101;
    const rnd = prng(seed);
    const ops = await documentedOperations(server.anonymous());
    const fuzzStudent = await server.signedIn('student');
    const fuzzProctor = await server.signedIn('proctor');
    const fuzzAdmin = await server.signedIn('admin');
    const adminToken = (
      await fuzzAdmin.post('/api/tokens', {
        name: 'fuzz',
        scopes: ['exams:read', 'exams:write', 'registrations:read', 'users:read', 'sessions:read'],
      })
    ).body.token as string;
    const fuzzExam = (await fuzzAdmin.post('/api/exams', buildExam({}, now()))).body.id as string;
    await fuzzAdmin.put(`/api/exams/${fuzzExam}/staff/${fuzzProctor.userId}`, { role: 'proctor' });
    const fuzzReg = (await fuzzStudent.post(`/api/exams/${fuzzExam}/registrations`)).body;
    const throwaway = (await server.signedIn('student')).userId;
    const fuzzToken = (await fuzzAdmin.post('/api/tokens', { name: 'x', scopes: ['exams:read'] }))
      .body.apiToken.id as string;

    const strings = [
      '',
      ' ',
      'a',
      'x'.repeat(300),
      '\u0000',
      'nul\u0000inside',
      '😀',
      '\u202e',
      "' OR 1=1 --",
      '"; drop table users; --',
      '../../etc/passwd',
      '%00',
      '<script>alert(1)</script>',
      '0000-01-01T00:00:00Z',
      '9999-12-31T23:59:59Z',
      new Date(now()).toISOString(),
      'student',
      'admin',
      'proctor',
      'published',
      'draft',
      'checking_in',
      'exams:read',
      'users:write',
      'a@b',
      'someone@uni.example',
      crypto.randomUUID(),
      fuzzExam,
    ];
    const numbers = [0, -1, 1, 1.5, 2 ** 31, -(2 ** 53), 1e308, 90, 1441, 100_001, 3650];
    const keys = [
      'email',
      'password',
      'name',
      'role',
      'disabled',
      'title',
      'description',
      'status',
      'opensAt',
      'closesAt',
      'durationMinutes',
      'capacity',
      'registrationDeadline',
      'policy',
      'scopes',
      'expiresInDays',
      'to',
      'reason',
      'csv',
      'enabled',
      'allowedDomains',
      'currentPassword',
      'newPassword',
      'limit',
      'q',
      'examId',
      'webcam',
      'x',
    ];
    const value = (depth: number): unknown => {
      const kind = rnd.int(depth > 2 ? 4 : 6);
      if (kind === 0) return rnd.pick(strings);
      if (kind === 1) return rnd.pick(numbers);
      if (kind === 2) return rnd.pick([true, false, null]);
      if (kind === 3) return rnd.pick(strings);
      if (kind === 4) return Array.from({ length: rnd.int(4) }, () => value(depth + 1));
      const obj: Record<string, unknown> = {};
      for (let i = rnd.int(5); i > 0; i--) obj[rnd.pick(keys)] = value(depth + 1);
      return obj;
    };
    const validBody = (op: string) => targets.find((t) => t.op === op)?.body?.();
    const body = (op: string): unknown => {
      const valid = validBody(op);
      const strategy = rnd.int(valid ? 6 : 3);
      if (strategy === 0) return undefined;
      if (strategy === 1) return value(0);
      if (strategy === 2) return rnd.pick(['{', '{"a":1,}', 'nul', '[]', '""', '{"__proto__":{}}']);
      const copy = { ...(valid as Record<string, unknown>) };
      const field = rnd.pick(Object.keys(copy));
      if (strategy === 3) copy[field] = rnd.int(2) === 0 ? rnd.pick(strings) : value(1);
      else if (strategy === 4) delete copy[field];
      else copy[rnd.pick(keys)] = value(1);
      return copy;
    };
    const paramValue = (op: string, name: string): string => {
      const junk = rnd.pick(['nope', '0', crypto.randomUUID(), '%', '..', "'", 'x'.repeat(80)]);
      if (rnd.int(4) === 0) return junk;
      if (name === 'userId') return rnd.pick([fuzzProctor.userId, throwaway, fuzzStudent.userId]);
      if (op.includes('/api/users/')) return throwaway;
      if (op.includes('/api/tokens/')) return fuzzToken;
      if (op.includes('/api/webhooks/')) return webhookId;
      if (op.includes('/api/registrations/')) return fuzzReg.id;
      if (op.includes('/api/sessions/')) return fuzzReg.sessionId;
      return rnd.pick([fuzzExam, examId]);
    };
    const query = () => {
      if (rnd.int(2) === 0) return '';
      const parts = Array.from(
        { length: 1 + rnd.int(3) },
        () => `${encodeURIComponent(rnd.pick(keys))}=${encodeURIComponent(String(value(2) ?? ''))}`,
      );
      return `?${parts.join('&')}`;
    };

    const failures: string[] = [];
    const statuses = new Map<number, number>();
    for (let i = 0; i < 300; i++) {
      const op = rnd.pick(ops);
      const { method, path } = splitOperation(op);
      const callers: Record<string, HttpClient> = {
        anonymous: server.anonymous(),
        student: fuzzStudent,
        proctor: fuzzProctor,
        admin: fuzzAdmin,
        'admin token': Object.assign(server.anonymous(), { bearer: adminToken }),
      };
      // Mostly a caller allowed to use the route, so inputs get past authorization.
      const allowed =
        targets.find((t) => t.op === op)?.who ??
        (['GET /api/exams/open', 'GET /api/me/registrations'].includes(op) ? 'student' : 'admin');
      let who = rnd.int(10) < 7 ? allowed : rnd.pick(Object.keys(callers));
      let client = callers[who] as HttpClient;
      // Signing out would end the fuzz caller's session for the rest of the run.
      if (op === 'POST /api/auth/logout') {
        who = 'anonymous';
        client = server.anonymous();
      }
      const url =
        path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(paramValue(op, name))) +
        (method === 'GET' ? query() : '');
      const sent = method === 'GET' ? undefined : body(op);
      const res = await client.request(method, url, sent);
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      const problem = res.status >= 400 ? errorBodyProblem(res) : undefined;
      if (res.status >= 500 || problem) {
        failures.push(
          `#${i} ${who} ${method} ${url} ${JSON.stringify(sent)?.slice(0, 200)} → ${res.status} ${problem ?? ''}`,
        );
      }
    }
    expect(failures, `fuzz seed ${seed}`).toEqual([]);
    // The fuzz reaches past authentication and validation, not only into 401s and 400s.
    const successes = [...statuses].filter(([s]) => s < 300).reduce((n, [, c]) => n + c, 0);
    expect(successes, JSON.stringify([...statuses])).toBeGreaterThanOrEqual(30);
    expect(statuses.size, JSON.stringify([...statuses])).toBeGreaterThanOrEqual(6);
  });
});
