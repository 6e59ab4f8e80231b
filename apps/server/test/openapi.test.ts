import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  documentedOperations,
  fillPath,
  registeredOperations,
  splitOperation,
  toFastifyPath,
} from './helpers/matrix-routes.js';
import { requestEngines, startTestServer, type TestServer } from './helpers/test-server.js';

/** Every API operation declared in src/http/**\/routes.ts. Adding a route means adding it here. */
const EXPECTED_OPERATIONS = [
  'GET /healthz',
  'GET /readyz',
  'GET /api/openapi.json',
  'GET /api/settings/public',
  'POST /api/auth/login',
  'GET /api/auth/oidc/start',
  'GET /api/auth/oidc/callback',
  'POST /api/auth/signup',
  'GET /api/auth/me',
  'POST /api/auth/logout',
  'POST /api/auth/password',
  'GET /api/auth/sessions',
  'DELETE /api/auth/sessions/{id}',
  'POST /api/auth/password-reset',
  'POST /api/auth/password-reset/confirm',
  'POST /api/auth/verify-email',
  'POST /api/auth/verify-email/resend',
  'POST /api/users/{id}/approve',
  'POST /api/users/{id}/reject',
  'GET /api/users',
  'POST /api/users',
  'PATCH /api/users/{id}',
  'POST /api/users/{id}/password',
  'POST /api/bandwidth-probe',
  'POST /api/users/import',
  'GET /api/settings/signup',
  'PUT /api/settings/signup',
  'POST /api/me/exports',
  'GET /api/me/exports',
  'POST /api/users/{id}/exports',
  'GET /api/exports/{id}',
  'GET /api/exports/{id}/download',
  'GET /api/auth/mfa',
  'POST /api/auth/mfa/totp',
  'POST /api/auth/mfa/totp/confirm',
  'POST /api/auth/mfa/webauthn/register/options',
  'POST /api/auth/mfa/webauthn/register',
  'DELETE /api/auth/mfa/factors/{id}',
  'POST /api/auth/mfa/recovery-codes',
  'POST /api/auth/mfa/verify',
  'POST /api/auth/mfa/webauthn/options',
  'POST /api/auth/mfa/webauthn/verify',
  'GET /api/settings/mfa',
  'PUT /api/settings/mfa',
  'DELETE /api/users/{id}/mfa',
  'GET /api/settings/retention',
  'PUT /api/settings/retention',
  'POST /api/retention/run',
  'GET /api/sessions/{id}/hold',
  'PUT /api/sessions/{id}/hold',
  'DELETE /api/sessions/{id}/hold',
  'PUT /api/exams/{id}/hold',
  'DELETE /api/exams/{id}/hold',
  'POST /api/users/{id}/erasure',
  'GET /api/tokens',
  'POST /api/tokens',
  'DELETE /api/tokens/{id}',
  'GET /api/exams',
  'POST /api/exams',
  'GET /api/exams/{id}',
  'PATCH /api/exams/{id}',
  'POST /api/exams/{id}/archive',
  'GET /api/exams/{id}/staff',
  'GET /api/exams/{id}/staff/candidates',
  'PUT /api/exams/{id}/staff/{userId}',
  'DELETE /api/exams/{id}/staff/{userId}',
  'GET /api/exams/open',
  'POST /api/exams/{id}/registrations',
  'GET /api/exams/{id}/registrations',
  'GET /api/me/registrations',
  'GET /api/registrations/{id}',
  'POST /api/registrations/{id}/cancel',
  'GET /api/sessions/{id}',
  'POST /api/sessions/{id}/transitions',
  'POST /api/sessions/{id}/consent',
  'GET /api/exams/{id}/questions',
  'PUT /api/exams/{id}/questions',
  'GET /api/sessions/{id}/exam',
  'PUT /api/sessions/{id}/answers/{questionId}',
  'GET /api/sessions/{id}/answers',
  'PUT /api/sessions/{id}/marks/{questionId}',
  'GET /api/sessions/{id}/marks',
  'PUT /api/sessions/{id}/answers/{questionId}/grade',
  'POST /api/sessions/{id}/score/release',
  'POST /api/exams/{id}/scores/release',
  'GET /api/sessions/{id}/result',
  'PUT /api/registrations/{id}/accommodations',
  'PUT /api/sessions/{id}/media/{track}/{seq}',
  'PUT /api/sessions/{id}/snapshots/{kind}/{seq}',
  'POST /api/sessions/{id}/face-photo-check',
  'POST /api/sessions/{id}/events',
  'GET /api/sessions/{id}/events',
  'GET /api/sessions/{id}/recording',
  'GET /api/sessions/{id}/media/{track}/{seq}',
  'GET /api/sessions/{id}/snapshots/{kind}/{seq}',
  'GET /api/sessions/{id}/flags',
  'GET /api/sessions/{id}/risk',
  // Live dashboard: the WebSocket gateway, the exam snapshot, alert handling, notes.
  'GET /api/live',
  'GET /api/exams/{id}/live',
  'POST /api/flags/{id}/acknowledge',
  'POST /api/flags/{id}/assign',
  'DELETE /api/flags/{id}/assign',
  'GET /api/sessions/{id}/notes',
  'POST /api/sessions/{id}/notes',
  'POST /api/sessions/{id}/interventions',
  'GET /api/sessions/{id}/interventions',
  'GET /api/rtc/ice-servers',
  'POST /api/sessions/{id}/rtc',
  'GET /api/sessions/{id}/rtc',
  'POST /api/rtc/{id}/end',
  'POST /api/sessions/{id}/interventions/{interventionId}/acknowledge',
  'POST /api/sessions/{id}/interventions/{interventionId}/complete',
  // Staff tools for a stuck attempt.
  'POST /api/sessions/{id}/interventions/{interventionId}/cancel',
  'POST /api/sessions/{id}/extend-time',
  'POST /api/sessions/{id}/reopen',
  'POST /api/sessions/{id}/new-attempt',
  'GET /api/sessions/{id}/attempts',
  // Live communication: chat, announcements, raised hands.
  'GET /api/sessions/{id}/chat',
  'POST /api/sessions/{id}/chat',
  'POST /api/sessions/{id}/chat/read',
  'GET /api/exams/{id}/announcements',
  'POST /api/exams/{id}/announcements',
  'POST /api/sessions/{id}/hand',
  'GET /api/sessions/{id}/hands',
  'POST /api/hands/{id}/lower',
  'POST /api/hands/{id}/take',
  'POST /api/hands/{id}/resolve',
  // Review after the exam: queue, flag decisions, verdict, the student's response, report.
  'GET /api/exams/{id}/review-queue',
  'POST /api/flags/{id}/review',
  'POST /api/sessions/{id}/verdict',
  'POST /api/sessions/{id}/response',
  'GET /api/sessions/{id}/review',
  'GET /api/me/reviews',
  'GET /api/sessions/{id}/report',
  'GET /api/sessions/{id}/report.html',
  'GET /api/audit',
  'GET /api/audit/page',
  'GET /api/audit/export.csv',
  'GET /api/system/analysis',
  'GET /api/system/overview',
  'GET /api/system/jobs',
  'POST /api/system/jobs/{id}/retry',
  'GET /api/detection/quality',
  'GET /api/notifications/settings',
  'GET /api/webhooks',
  'POST /api/webhooks',
  'PATCH /api/webhooks/{id}',
  'DELETE /api/webhooks/{id}',
  'GET /api/webhooks/{id}/deliveries',
  'POST /api/webhooks/{id}/test',
  'GET /api/lti/platforms',
  'POST /api/lti/platforms',
  'GET /api/lti/platforms/{id}',
  'PUT /api/lti/platforms/{id}',
  'DELETE /api/lti/platforms/{id}',
  'GET /api/lti/tool',
  'POST /api/lti/keys/rotate',
  'POST /api/lti/registration-invites',
  'GET /api/exams/{id}/lti',
  'POST /api/exams/{id}/lti/roster-sync',
  'POST /api/exams/{id}/lti/grades/retry',
];

/** Operations that cannot fail on input or authorization, so document no error response. */
const CANNOT_FAIL = new Set(['GET /healthz', 'GET /readyz', 'GET /api/openapi.json']);

/** WebSocket routes: their success is the upgrade (101 Switching Protocols), not a 2xx. */
const UPGRADES = new Set(['GET /api/live']);

/** Browser navigations: their success is a redirect (single sign-on to the provider and back). */
const REDIRECTS: Record<string, string> = {
  'GET /api/auth/oidc/start': '302',
  'GET /api/auth/oidc/callback': '303',
};

/** Upload routes whose body is raw bytes, with the media type each must document. */
const RAW_BODY: Record<string, string> = {
  'PUT /api/sessions/{id}/media/{track}/{seq}': 'video/webm',
  'PUT /api/sessions/{id}/snapshots/{kind}/{seq}': 'image/jpeg',
  'POST /api/sessions/{id}/face-photo-check': 'image/jpeg',
  'POST /api/bandwidth-probe': 'application/octet-stream',
};

interface Operation {
  summary?: string;
  tags?: string[];
  parameters?: { in: string; name: string; required?: boolean }[];
  requestBody?: { content?: Record<string, unknown> };
  responses?: Record<string, unknown>;
}
interface OpenApiDoc {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, Operation>>;
  components?: { securitySchemes?: Record<string, unknown> };
  security?: unknown[];
}

describe.each(requestEngines())('OpenAPI document on %s', (engine) => {
  let server: TestServer;
  let doc: OpenApiDoc;
  let documented: string[];

  beforeAll(async () => {
    server = await startTestServer(engine);
    const res = await server.anonymous().get('/api/openapi.json');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/json');
    doc = res.body;
    documented = await documentedOperations(server.anonymous());
  });
  afterAll(async () => server?.close());

  const operation = (op: string): Operation => {
    const { method, path } = splitOperation(op);
    const found = doc.paths[path]?.[method.toLowerCase()];
    if (!found) throw new Error(`${op} is not documented`);
    return found;
  };

  it('is a valid OpenAPI 3.1 document', async () => {
    expect(doc.openapi.startsWith('3.1')).toBe(true);
    const validator = new Validator();
    const result = await validator.validate(
      structuredClone(doc) as unknown as Record<string, unknown>,
    );
    expect(result.errors ?? [], JSON.stringify(result.errors, null, 2)).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toMatch(/^3\.1/);
    expect(doc.info.title).toBe('Invigil API');
  });

  it('documents every expected API route', () => {
    const missing = EXPECTED_OPERATIONS.filter((op) => !documented.includes(op));
    expect(missing).toEqual([]);
  });

  it('documents exactly the routes the server registered', () => {
    const registered = registeredOperations(
      server.instance.app,
      (p) =>
        (p.startsWith('/api/') || p === '/healthz' || p === '/readyz') &&
        !p.startsWith('/api/docs'),
    );
    expect(registered.filter((op) => !documented.includes(op))).toEqual([]);
    expect(documented.filter((op) => !registered.includes(op))).toEqual([]);
    // The hard-coded list and the live server agree too, so neither can drift unnoticed.
    expect([...registered].sort()).toEqual([...EXPECTED_OPERATIONS].sort());
  });

  it('every documented path and method is routed (never ROUTE_NOT_FOUND)', async () => {
    const unrouted: string[] = [];
    for (const op of documented) {
      const { method, path } = splitOperation(op);
      const fastifyPath = toFastifyPath(path);
      if (!server.instance.app.hasRoute({ method: method as 'GET', url: fastifyPath })) {
        unrouted.push(`${op}: hasRoute is false`);
      }
      const url = fillPath(path, { id: crypto.randomUUID(), userId: crypto.randomUUID() });
      // Anonymous and body-less: nothing changes, yet every route answers with its own error.
      const res = await server.anonymous().request(method, url);
      if (res.status === 404 && res.body?.code === 'ROUTE_NOT_FOUND') unrouted.push(op);
      expect(res.status, op).toBeLessThan(500);
    }
    expect(unrouted).toEqual([]);
  });

  it('describes each operation: summary, tag, path parameters, request body, responses', () => {
    const problems: string[] = [];
    for (const op of documented) {
      const o = operation(op);
      const { method, path } = splitOperation(op);
      if (!o.summary) problems.push(`${op}: no summary`);
      if (!o.tags?.length) problems.push(`${op}: no tag`);
      const pathParams = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      for (const name of pathParams) {
        const p = o.parameters?.find((x) => x.in === 'path' && x.name === name);
        if (!p?.required) problems.push(`${op}: path parameter ${name} undocumented`);
      }
      const codes = Object.keys(o.responses ?? {});
      const success = UPGRADES.has(op)
        ? ['101']
        : REDIRECTS[op]
          ? [REDIRECTS[op]]
          : codes.filter((c) => c.startsWith('2'));
      if (!success.some((c) => codes.includes(c))) problems.push(`${op}: no success response`);
      if (!CANNOT_FAIL.has(op) && !codes.includes('400')) problems.push(`${op}: no error response`);
      const hasBody = ['POST', 'PUT', 'PATCH'].includes(method) && o.requestBody !== undefined;
      const bodyType = RAW_BODY[op] ?? 'application/json';
      if (hasBody && !o.requestBody?.content?.[bodyType])
        problems.push(`${op}: request body is not ${bodyType}`);
      if (RAW_BODY[op] && !hasBody) problems.push(`${op}: raw request body undocumented`);
    }
    expect(problems).toEqual([]);
    // Operations that take a body document it.
    for (const op of [
      'POST /api/auth/login',
      'POST /api/auth/password-reset',
      'POST /api/auth/password-reset/confirm',
      'POST /api/exams',
      'PATCH /api/exams/{id}',
      'PUT /api/exams/{id}/staff/{userId}',
      'POST /api/sessions/{id}/transitions',
      'PUT /api/exams/{id}/questions',
      'PUT /api/sessions/{id}/answers/{questionId}',
      'PUT /api/sessions/{id}/answers/{questionId}/grade',
      'PUT /api/sessions/{id}/marks/{questionId}',
      'PUT /api/registrations/{id}/accommodations',
      'POST /api/tokens',
      'POST /api/users/import',
      'POST /api/sessions/{id}/events',
      'POST /api/flags/{id}/review',
      'POST /api/sessions/{id}/verdict',
      'POST /api/sessions/{id}/response',
      'POST /api/flags/{id}/assign',
      'POST /api/sessions/{id}/notes',
      ...Object.keys(RAW_BODY),
    ]) {
      expect(operation(op).requestBody, op).toBeDefined();
    }
  });

  it('documents both ways to authenticate', () => {
    expect(Object.keys(doc.components?.securitySchemes ?? {}).sort()).toEqual(['session', 'token']);
    expect(doc.security).toEqual([{ session: [] }, { token: [] }]);
  });

  it('serves the interactive documentation at /api/docs/', async () => {
    const res = await server.anonymous().get('/api/docs/');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(String(res.body)).toContain('<html');
  });
});
