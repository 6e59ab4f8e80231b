import { TEST_PASSWORD } from '../test-server.js';
import type { BadInputFixture } from './fixture.js';
import { ltiPlatform, type Target } from './target.js';

/**
 * Valid input for the routes of accounts and administration: sign-in, users, second factors,
 * settings, legal holds, erasure, API tokens, webhooks, learning platforms and jobs.
 */
export function accountTargets(f: BadInputFixture): Target[] {
  return [
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
    { op: 'POST /api/users/{id}/approve', who: 'admin', params: () => ({ id: f.spareUserId }) },
    { op: 'POST /api/users/{id}/reject', who: 'admin', params: () => ({ id: f.spareUserId }) },
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
      params: () => ({ id: f.spareUserId }),
      body: () => ({ name: 'Spare User' }),
    },
    {
      op: 'POST /api/users/{id}/password',
      who: 'admin',
      params: () => ({ id: f.spareUserId }),
      body: () => ({ password: 'a brand new passphrase' }),
    },
    { op: 'POST /api/users/{id}/exports', who: 'admin', params: () => ({ id: f.spareUserId }) },
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
    { op: 'DELETE /api/users/{id}/mfa', who: 'admin', params: () => ({ id: f.spareUserId }) },
    {
      op: 'PUT /api/settings/retention',
      who: 'admin',
      body: () => ({ mediaDaysAfterVerdict: 365, identityDays: 90, undecidedDays: 730 }),
    },
    { op: 'GET /api/sessions/{id}/hold', who: 'admin', params: () => ({ id: f.sessionId }) },
    {
      op: 'PUT /api/sessions/{id}/hold',
      who: 'admin',
      params: () => ({ id: f.sessionId }),
      body: () => ({ reason: 'Baseline hold' }),
    },
    { op: 'DELETE /api/sessions/{id}/hold', who: 'admin', params: () => ({ id: f.sessionId }) },
    {
      op: 'PUT /api/exams/{id}/hold',
      who: 'admin',
      params: () => ({ id: f.examId }),
      body: () => ({ reason: 'Baseline hold' }),
    },
    { op: 'DELETE /api/exams/{id}/hold', who: 'admin', params: () => ({ id: f.examId }) },
    // The admin's own account: refused (409 ERASURE_NOT_ALLOWED) after validation, nothing erased.
    {
      op: 'POST /api/users/{id}/erasure',
      who: 'admin',
      params: () => ({ id: f.admin.userId }),
      body: () => ({ confirmEmail: f.admin.email }),
    },
    {
      op: 'POST /api/tokens',
      who: 'admin',
      body: () => ({ name: 'baseline', scopes: ['exams:read'], expiresInDays: 30 }),
    },
    { op: 'DELETE /api/tokens/{id}', who: 'admin', params: () => ({ id: f.tokenId }) },
    // A sign-in session's public id (not a UUID): an unknown one is 404, never a 5xx.
    { op: 'DELETE /api/auth/sessions/{id}', who: 'admin', params: () => ({ id: 'a'.repeat(32) }) },
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
      params: () => ({ id: f.webhookId }),
      body: () => ({ url: 'http://127.0.0.1:9/patched', active: true }),
    },
    { op: 'DELETE /api/webhooks/{id}', who: 'admin', params: () => ({ id: f.spareWebhookId }) },
    { op: 'GET /api/webhooks/{id}/deliveries', who: 'admin', params: () => ({ id: f.webhookId }) },
    { op: 'POST /api/webhooks/{id}/test', who: 'admin', params: () => ({ id: f.webhookId }) },
    // LTI platform registrations (a repeated baseline create is 409 LTI_PLATFORM_EXISTS).
    { op: 'POST /api/lti/platforms', who: 'admin', body: () => ltiPlatform('baseline') },
    { op: 'GET /api/lti/platforms/{id}', who: 'admin', params: () => ({ id: f.platformId }) },
    {
      op: 'PUT /api/lti/platforms/{id}',
      who: 'admin',
      params: () => ({ id: f.platformId }),
      body: () => ltiPlatform(),
    },
    {
      op: 'DELETE /api/lti/platforms/{id}',
      who: 'admin',
      params: () => ({ id: f.sparePlatformId }),
    },
    // An exam in learning platforms (no placement: a roster sync is 409 LTI_NO_ROSTER).
    { op: 'GET /api/exams/{id}/lti', who: 'admin', params: () => ({ id: f.examId }) },
    { op: 'POST /api/exams/{id}/lti/roster-sync', who: 'admin', params: () => ({ id: f.examId }) },
    { op: 'POST /api/exams/{id}/lti/grades/retry', who: 'admin', params: () => ({ id: f.examId }) },
    // A dead job's id is the queue's own (not a UUID): no such job is a 404, not a 400.
    { op: 'POST /api/system/jobs/{id}/retry', who: 'admin', params: () => ({ id: '1' }) },
  ];
}
