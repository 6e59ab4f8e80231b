import { TEST_PASSWORD } from '../test-server.js';
import type { BadInputFixture } from './fixture.js';
import { ltiPlatform, type ValueCase } from './target.js';

/**
 * Settings, erasure, API tokens, webhooks, learning platforms, users, sign-in and sign-up
 * input out of contract, and bad user and audit listings.
 */
export function accountValueCases(f: BadInputFixture): ValueCase[] {
  return [
    [
      'retention 0 days',
      () =>
        f.admin.put('/api/settings/retention', {
          mediaDaysAfterVerdict: 0,
          identityDays: 90,
          undecidedDays: 730,
        }),
    ],
    [
      'erasure confirmation not an e-mail',
      () => f.admin.post(`/api/users/${f.spareUserId}/erasure`, { confirmEmail: 'nobody' }),
    ],
    [
      'token expires in 0 days',
      () => f.admin.post('/api/tokens', { name: 't', scopes: ['exams:read'], expiresInDays: 0 }),
    ],
    [
      'token expires in 3651 days',
      () => f.admin.post('/api/tokens', { name: 't', scopes: ['exams:read'], expiresInDays: 3651 }),
    ],
    [
      'token expires in 2.5 days',
      () => f.admin.post('/api/tokens', { name: 't', scopes: ['exams:read'], expiresInDays: 2.5 }),
    ],
    ['token without scopes', () => f.admin.post('/api/tokens', { name: 't', scopes: [] })],
    [
      'token unknown scope',
      () => f.admin.post('/api/tokens', { name: 't', scopes: ['everything'] }),
    ],
    [
      'token name 101 chars',
      () => f.admin.post('/api/tokens', { name: 'x'.repeat(101), scopes: ['exams:read'] }),
    ],
    ...webhookCases(f),
    ...ltiPlatformCases(f),
    [
      'user unknown role',
      () =>
        f.admin.post('/api/users', {
          email: 'r@test.invigil.test',
          name: 'R',
          role: 'root',
          password: TEST_PASSWORD,
        }),
    ],
    [
      'user bad e-mail',
      () =>
        f.admin.post('/api/users', {
          email: 'not-an-email',
          name: 'R',
          role: 'student',
          password: TEST_PASSWORD,
        }),
    ],
    [
      'user name 121 chars',
      () =>
        f.admin.post('/api/users', {
          email: 'n@test.invigil.test',
          name: 'x'.repeat(121),
          role: 'student',
          password: TEST_PASSWORD,
        }),
    ],
    [
      'password 257 chars',
      () =>
        f.server
          .anonymous()
          .post('/api/auth/login', { email: 'a@test.invigil.test', password: 'x'.repeat(257) }),
    ],
    ['patch user nothing', () => f.admin.patch(`/api/users/${f.spareUserId}`, {})],
    [
      'reset link empty',
      () =>
        f.server
          .anonymous()
          .post('/api/auth/password-reset/confirm', { token: '', password: TEST_PASSWORD }),
    ],
    [
      'reset link 201 chars',
      () =>
        f.server.anonymous().post('/api/auth/password-reset/confirm', {
          token: 'x'.repeat(201),
          password: TEST_PASSWORD,
        }),
    ],
    [
      'reset for a bad e-mail',
      () => f.server.anonymous().post('/api/auth/password-reset', { email: 'not-an-email' }),
    ],
    [
      'signup domain not a domain',
      () =>
        f.admin.put('/api/settings/signup', { enabled: true, allowedDomains: ['not a domain'] }),
    ],
    [
      '101 signup domains',
      () =>
        f.admin.put('/api/settings/signup', {
          enabled: true,
          allowedDomains: Array.from({ length: 101 }, (_, i) => `d${i}.example`),
        }),
    ],
    ['import csv empty', () => f.admin.post('/api/users/import', { csv: '' })],
    ['users ?role=root', () => f.admin.get('/api/users?role=root')],
    ['users ?q 255 chars', () => f.admin.get(`/api/users?q=${'x'.repeat(255)}`)],
    ['audit ?limit=0', () => f.admin.get('/api/audit?limit=0')],
    ['audit ?limit=1001', () => f.admin.get('/api/audit?limit=1001')],
    ['audit ?limit=abc', () => f.admin.get('/api/audit?limit=abc')],
    ['audit ?limit=1.5', () => f.admin.get('/api/audit?limit=1.5')],
    ['audit ?examId=nope', () => f.admin.get('/api/audit?examId=nope')],
  ];
}

/** Webhook URLs, events and descriptions out of contract, and bad delivery-log pages. */
function webhookCases(f: BadInputFixture): ValueCase[] {
  const hook = (o: Record<string, unknown>) =>
    f.admin.post('/api/webhooks', { url: 'https://hooks.example/in', events: ['verdict'], ...o });
  const log = (q: string) => f.admin.get(`/api/webhooks/${f.webhookId}/deliveries?${q}`);
  return [
    ['webhook url not a URL', () => hook({ url: 'hooks.example/in' })],
    ['webhook url ftp', () => hook({ url: 'ftp://hooks.example/in' })],
    ['webhook url javascript', () => hook({ url: 'javascript:alert(1)' })],
    ['webhook url 2001 chars', () => hook({ url: `https://h.example/${'x'.repeat(1990)}` })],
    ['webhook no events', () => hook({ events: [] })],
    ['webhook unknown event', () => hook({ events: ['flag.low'] })],
    ['webhook ping event', () => hook({ events: ['ping'] })],
    ['webhook description 501', () => hook({ description: 'x'.repeat(501) })],
    ['webhook patch nothing', () => f.admin.patch(`/api/webhooks/${f.webhookId}`, {})],
    ['webhook patch secret', () => f.admin.patch(`/api/webhooks/${f.webhookId}`, { secret: 'x' })],
    ['deliveries ?limit=0', () => log('limit=0')],
    ['deliveries ?limit=201', () => log('limit=201')],
    ['deliveries ?before=0', () => log('before=0')],
    ['deliveries ?before=abc', () => log('before=abc')],
  ];
}

/** Learning platform registrations out of contract. */
function ltiPlatformCases(f: BadInputFixture): ValueCase[] {
  const create = (o: Record<string, unknown>) =>
    f.admin.post('/api/lti/platforms', { ...ltiPlatform('case'), ...o });
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
        f.admin.put(`/api/lti/platforms/${f.platformId}`, { ...ltiPlatform(), deploymentIds: [] }),
    ],
  ];
}
