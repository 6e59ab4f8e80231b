import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createRemoteJWKSet,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  jwtVerify,
  SignJWT,
  type CryptoKey,
  type JWK,
} from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CLAIM,
  LTI_MEDIA,
  LTI_ROLES,
  LTI_SCOPES,
  readAutoPostForm,
  startLtiPlatform,
  type EmulatorUser,
  type LaunchOptions,
  type LtiPlatformEmulator,
} from './helpers/lti-platform.js';

/** A stand-in for the tool: only its JWKS, served at /lti/jwks like Invigil's. */
interface FakeTool {
  baseUrl: string;
  kid: string;
  key: CryptoKey;
  close(): Promise<void>;
}

async function startFakeTool(): Promise<FakeTool> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const kid = `tool-${randomUUID()}`;
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  const server = http.createServer((req, res) => {
    if (req.url === '/lti/jwks') {
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ keys: [jwk] }));
    } else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    // localhost, as the tool runs in the browser tests: a different site from 127.0.0.1.
    baseUrl: `http://localhost:${port}`,
    kid,
    key: privateKey,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

const student: EmulatorUser = {
  sub: 'student-1',
  name: 'Ada Lovelace',
  email: 'ada@uni.example',
  roles: [LTI_ROLES.learner],
};
const teacher: EmulatorUser = {
  sub: 'teacher-1',
  name: 'Tom Teacher',
  email: 'tom@uni.example',
  roles: [LTI_ROLES.instructor],
};

let lms: LtiPlatformEmulator;
let tool: FakeTool;

beforeAll(async () => {
  tool = await startFakeTool();
  lms = await startLtiPlatform();
  lms.setTool(tool.baseUrl);
});
afterAll(async () => {
  await lms.close();
  await tool.close();
});

/** Do what the tool's /lti/login does: answer the platform's auth request for a launch. */
async function authorise(launchUrl: string, change: Record<string, string> = {}) {
  const login = new URL(launchUrl).searchParams;
  const nonce = randomUUID();
  const params = new URLSearchParams({
    scope: 'openid',
    response_type: 'id_token',
    response_mode: 'form_post',
    prompt: 'none',
    client_id: login.get('client_id') ?? '',
    redirect_uri: `${tool.baseUrl}/lti/launch`,
    login_hint: login.get('login_hint') ?? '',
    lti_message_hint: login.get('lti_message_hint') ?? '',
    state: 'the-state',
    nonce,
    ...change,
  });
  const res = await fetch(`${lms.authLoginUrl}?${params}`);
  return { res, nonce, html: await res.text() };
}

/** A launch through the auth endpoint, answering the id_token's verified payload. */
async function launch(o: LaunchOptions) {
  const { res, nonce, html } = await authorise(lms.launchUrl(o));
  expect(res.status).toBe(200);
  const form = readAutoPostForm(html);
  expect(form.action).toBe(`${tool.baseUrl}/lti/launch`);
  expect(form.fields.state).toBe('the-state');
  const jwks = createRemoteJWKSet(new URL(lms.jwksUrl));
  const verified = await jwtVerify(form.fields.id_token!, jwks, {
    issuer: lms.issuer,
    audience: lms.clientId,
  });
  return { nonce, idToken: form.fields.id_token!, ...verified };
}

/** A client assertion as the tool signs one (Security Framework 4.1). */
function assertion(o: { key?: CryptoKey; kid?: string; aud?: string; jti?: string } = {}) {
  return new SignJWT({ jti: o.jti ?? randomUUID() })
    .setProtectedHeader({ alg: 'RS256', kid: o.kid ?? tool.kid })
    .setIssuer(lms.clientId)
    .setSubject(lms.clientId)
    .setAudience(o.aud ?? lms.authTokenUrl)
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(o.key ?? tool.key);
}

async function requestToken(clientAssertion: string, scope: string, grant = 'client_credentials') {
  const res = await fetch(lms.authTokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: grant,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: clientAssertion,
      scope,
    }),
  });
  return { status: res.status, body: (await res.json()) as any };
}

async function accessToken(scopes: string[]): Promise<string> {
  const { status, body } = await requestToken(await assertion(), scopes.join(' '));
  expect(status).toBe(200);
  return body.access_token as string;
}

describe('JWKS and signing keys', () => {
  it('publishes RS256 public keys, and keeps the old key after a rotation', async () => {
    const first = (await (await fetch(lms.jwksUrl)).json()) as { keys: JWK[] };
    expect(first.keys).toHaveLength(1);
    expect(first.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
    expect(first.keys[0]).not.toHaveProperty('d');

    const newKid = await lms.rotateKey();
    const second = (await (await fetch(lms.jwksUrl)).json()) as { keys: JWK[] };
    expect(second.keys.map((k) => k.kid)).toEqual([first.keys[0]!.kid, newKid]);
    const { protectedHeader } = await launch({ user: student, kind: 'resource' });
    expect(protectedHeader.kid).toBe(newKid);
  });

  it('signs chosen claims with a published key of another algorithm, a rogue key or none', async () => {
    const jwks = createRemoteJWKSet(new URL(lms.jwksUrl));
    const es = await lms.signIdToken({ iss: lms.issuer, sub: 'x' }, { alg: 'ES256' });
    await expect(jwtVerify(es, jwks)).resolves.toMatchObject({ payload: { sub: 'x' } });

    const kid = decodeProtectedHeader(await lms.signIdToken({})).kid;
    const rogue = await lms.signIdToken({ sub: 'x' }, { key: 'rogue' });
    expect(decodeProtectedHeader(rogue).kid).toBe(kid);
    await expect(jwtVerify(rogue, jwks)).rejects.toThrow(/signature verification failed/);

    const unsigned = await lms.signIdToken({ sub: 'x' }, { alg: 'none' });
    expect(decodeProtectedHeader(unsigned).alg).toBe('none');
  });
});

describe('launches', () => {
  it('points the link at the tool login with the LTI login initiation parameters', () => {
    const url = new URL(lms.launchUrl({ user: student, kind: 'resource' }));
    expect(`${url.origin}${url.pathname}`).toBe(`${tool.baseUrl}/lti/login`);
    const p = Object.fromEntries(url.searchParams);
    expect(p).toMatchObject({
      iss: lms.issuer,
      target_link_uri: `${tool.baseUrl}/lti/launch`,
      client_id: lms.clientId,
      lti_deployment_id: lms.deploymentId,
    });
    expect(p.login_hint).toBeTruthy();
    expect(p.lti_message_hint).toBeTruthy();
  });

  it('answers a resource link launch with an id_token that verifies and carries the LTI claims', async () => {
    const { payload, nonce } = await launch({
      user: student,
      kind: 'resource',
      resourceLinkId: 'exam-a',
      contextId: 'maths',
      custom: { invigil_exam_id: 'e-1' },
    });
    expect(payload).toMatchObject({
      aud: lms.clientId,
      azp: lms.clientId,
      sub: 'student-1',
      nonce,
      name: 'Ada Lovelace',
      given_name: 'Ada',
      family_name: 'Lovelace',
      email: 'ada@uni.example',
      [CLAIM.messageType]: 'LtiResourceLinkRequest',
      [CLAIM.version]: '1.3.0',
      [CLAIM.deploymentId]: lms.deploymentId,
      [CLAIM.targetLinkUri]: `${tool.baseUrl}/lti/launch`,
      [CLAIM.resourceLink]: { id: 'exam-a' },
      [CLAIM.roles]: [LTI_ROLES.learner],
      [CLAIM.context]: { id: 'maths', label: 'MATHS' },
      [CLAIM.custom]: { invigil_exam_id: 'e-1' },
      [CLAIM.nrps]: { context_memberships_url: `${lms.url}/nrps/maths`, service_versions: ['2.0'] },
    });
    expect(payload.exp! - payload.iat!).toBe(300);
    const ags = payload[CLAIM.ags] as any;
    expect(ags.scope).toContain(LTI_SCOPES.score);
    expect(ags.lineitems).toBe(`${lms.url}/ags/maths/lineitems`);
    expect(lms.course('maths').lineItems.find((i) => i.id === ags.lineitem)).toMatchObject({
      resourceLinkId: 'exam-a',
    });
    expect(lms.course('maths').members.map((m) => m.sub)).toEqual(['student-1']);
  });

  it('answers a deep-linking launch with its settings and no resource link', async () => {
    const { payload } = await launch({ user: teacher, kind: 'deep-link' });
    expect(payload[CLAIM.messageType]).toBe('LtiDeepLinkingRequest');
    expect(payload[CLAIM.resourceLink]).toBeUndefined();
    expect(payload[CLAIM.deepLinkingSettings]).toMatchObject({
      deep_link_return_url: `${lms.url}/deep-link-return`,
      accept_types: ['ltiResourceLink'],
      accept_presentation_document_targets: ['iframe', 'window'],
      accept_multiple: false,
    });
  });

  it('applies id_token changes asked for by the launch', async () => {
    const { res, html } = await authorise(
      lms.launchUrl({
        user: student,
        kind: 'resource',
        idToken: { claims: { [CLAIM.version]: '1.1', email: undefined }, sign: { key: 'rogue' } },
      }),
    );
    expect(res.status).toBe(200);
    const token = readAutoPostForm(html).fields.id_token!;
    const jwks = createRemoteJWKSet(new URL(lms.jwksUrl));
    await expect(jwtVerify(token, jwks)).rejects.toThrow(/signature/);
  });

  it.each([
    ['a wrong client_id', { client_id: 'someone-else' }],
    ['a redirect_uri off the tool', { redirect_uri: 'http://evil.example/lti/launch' }],
    ['an unknown login_hint', { login_hint: 'made-up' }],
    ['a wrong lti_message_hint', { lti_message_hint: 'made-up' }],
    ['response_mode other than form_post', { response_mode: 'fragment' }],
    ['prompt other than none', { prompt: 'login' }],
    ['no openid scope', { scope: 'profile' }],
    ['no nonce', { nonce: '' }],
  ])('refuses an auth request with %s', async (_why, change) => {
    const { res, html } = await authorise(
      lms.launchUrl({ user: student, kind: 'resource' }),
      change,
    );
    expect(res.status).toBe(400);
    expect(html).toContain('invalid_request');
  });
});

describe('token endpoint', () => {
  it('grants a token for an assertion signed by a key at the tool JWKS', async () => {
    const { status, body } = await requestToken(
      await assertion(),
      `${LTI_SCOPES.nrps} ${LTI_SCOPES.score} https://unknown.example/scope`,
    );
    expect(status).toBe(200);
    expect(body).toMatchObject({
      token_type: 'Bearer',
      expires_in: 3600,
      scope: `${LTI_SCOPES.nrps} ${LTI_SCOPES.score}`,
    });
    expect(body.access_token).toEqual(expect.any(String));
  });

  it('refuses an assertion signed by a key the tool does not publish', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const { status, body } = await requestToken(
      await assertion({ key: privateKey }),
      LTI_SCOPES.nrps,
    );
    expect(status).toBe(401);
    expect(body.error).toBe('invalid_client');
  });

  it('refuses a wrong audience, a replayed jti and another grant type', async () => {
    const wrongAud = await requestToken(await assertion({ aud: lms.url }), LTI_SCOPES.nrps);
    expect(wrongAud).toMatchObject({ status: 401, body: { error: 'invalid_client' } });

    const once = await assertion({ jti: 'only-once' });
    expect((await requestToken(once, LTI_SCOPES.nrps)).status).toBe(200);
    expect(await requestToken(once, LTI_SCOPES.nrps)).toMatchObject({
      status: 401,
      body: { error: 'invalid_client' },
    });

    const grant = await requestToken(await assertion(), LTI_SCOPES.nrps, 'password');
    expect(grant).toMatchObject({ status: 400, body: { error: 'unsupported_grant_type' } });
  });
});

describe('names and roles (NRPS 2.0)', () => {
  it('pages the course roster with a Link rel="next" header', async () => {
    const roster = lms.course('nrps-course');
    roster.members.push(
      student,
      teacher,
      { sub: 's2', name: 'Bo Student', roles: [LTI_ROLES.learner] },
      { sub: 's3', roles: [LTI_ROLES.learner], status: 'Inactive' },
    );
    const token = await accessToken([LTI_SCOPES.nrps]);
    const seen: any[] = [];
    let next: string | null = `${lms.url}/nrps/nrps-course`;
    let pages = 0;
    while (next) {
      const res: Response = await fetch(next, {
        headers: { authorization: `Bearer ${token}`, accept: LTI_MEDIA.membership },
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe(LTI_MEDIA.membership);
      const body = (await res.json()) as any;
      expect(body.context).toMatchObject({ id: 'nrps-course' });
      seen.push(...body.members);
      next = /<([^>]+)>;\s*rel="next"/.exec(res.headers.get('link') ?? '')?.[1] ?? null;
      pages += 1;
    }
    expect(pages).toBe(2);
    expect(seen.map((m) => m.user_id)).toEqual(['student-1', 'teacher-1', 's2', 's3']);
    expect(seen[0]).toMatchObject({
      status: 'Active',
      email: 'ada@uni.example',
      roles: [LTI_ROLES.learner],
    });
    expect(seen[3].status).toBe('Inactive');
  });

  it('needs a token with the membership scope', async () => {
    lms.course('nrps-course');
    expect((await fetch(`${lms.url}/nrps/nrps-course`)).status).toBe(401);
    const scoreOnly = await accessToken([LTI_SCOPES.score]);
    const res = await fetch(`${lms.url}/nrps/nrps-course`, {
      headers: { authorization: `Bearer ${scoreOnly}` },
    });
    expect(res.status).toBe(403);
  });
});

describe('assignment and grades (AGS 2.0)', () => {
  const score = (userId: string, over: Record<string, unknown> = {}) => ({
    userId,
    scoreGiven: 8,
    scoreMaximum: 10,
    activityProgress: 'Completed',
    gradingProgress: 'FullyGraded',
    timestamp: new Date().toISOString(),
    ...over,
  });
  const post = (url: string, token: string, body: unknown, type: string = LTI_MEDIA.score) =>
    fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': type },
      body: JSON.stringify(body),
    });

  it('stores a valid score on the line item of the launch', async () => {
    const { payload } = await launch({ user: student, kind: 'resource', contextId: 'ags-course' });
    const lineitem = (payload[CLAIM.ags] as any).lineitem as string;
    const token = await accessToken([LTI_SCOPES.score, LTI_SCOPES.lineItem]);

    const item = await fetch(lineitem, { headers: { authorization: `Bearer ${token}` } });
    expect(item.headers.get('content-type')).toBe(LTI_MEDIA.lineItem);
    expect(await item.json()).toMatchObject({ id: lineitem, scoreMaximum: 100 });

    expect((await post(`${lineitem}/scores`, token, score('student-1'))).status).toBe(204);
    expect(lms.course('ags-course').scores).toEqual([
      expect.objectContaining({ lineItemId: lineitem, userId: 'student-1', scoreGiven: 8 }),
    ]);
  });

  it('refuses invalid scores', async () => {
    const lineitem = lms.course('ags-course').lineItems[0]!.id;
    const token = await accessToken([LTI_SCOPES.score]);
    const bad = [
      score(''),
      score('student-1', { activityProgress: 'Done' }),
      score('student-1', { gradingProgress: 'Graded' }),
      score('student-1', { timestamp: 'yesterday' }),
      score('student-1', { scoreGiven: -1 }),
      score('student-1', { scoreMaximum: undefined }),
    ];
    for (const body of bad)
      expect((await post(`${lineitem}/scores`, token, body)).status).toBe(400);
    expect(
      (await post(`${lineitem}/scores`, token, score('student-1'), 'application/json')).status,
    ).toBe(415);
    expect((await post(`${lineitem}/scores`, token, score('nobody'))).status).toBe(422);
    const older = score('student-1', { timestamp: '2020-01-01T00:00:00.000Z' });
    expect((await post(`${lineitem}/scores`, token, older)).status).toBe(409);
    const lineOnly = await accessToken([LTI_SCOPES.lineItem]);
    expect((await post(`${lineitem}/scores`, lineOnly, score('student-1'))).status).toBe(403);
  });

  it('answers 503 to the next n score posts when told to', async () => {
    const lineitem = lms.course('ags-course').lineItems[0]!.id;
    const token = await accessToken([LTI_SCOPES.score]);
    lms.failNextScores(2);
    expect((await post(`${lineitem}/scores`, token, score('student-1'))).status).toBe(503);
    expect((await post(`${lineitem}/scores`, token, score('student-1'))).status).toBe(503);
    expect((await post(`${lineitem}/scores`, token, score('student-1'))).status).toBe(204);
  });

  it('lists and creates line items', async () => {
    const token = await accessToken([LTI_SCOPES.lineItem]);
    const container = `${lms.url}/ags/ags-course/lineitems`;
    const created = await post(
      container,
      token,
      { label: 'Extra', scoreMaximum: 20, tag: 'x' },
      LTI_MEDIA.lineItem,
    );
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ label: 'Extra', scoreMaximum: 20, tag: 'x' });
    const list = await fetch(`${container}?tag=x`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(list.headers.get('content-type')).toBe(LTI_MEDIA.lineItemContainer);
    expect(((await list.json()) as any[]).map((i) => i.label)).toEqual(['Extra']);
    const invalid = await post(container, token, { label: 'No max' }, LTI_MEDIA.lineItem);
    expect(invalid.status).toBe(400);
  });
});

describe('deep-linking return', () => {
  async function response(data: unknown, items: unknown[], nonce = randomUUID()) {
    return new SignJWT({
      nonce,
      [CLAIM.messageType]: 'LtiDeepLinkingResponse',
      [CLAIM.version]: '1.3.0',
      [CLAIM.deploymentId]: lms.deploymentId,
      [CLAIM.deepLinkData]: data,
      [CLAIM.contentItems]: items,
    })
      .setProtectedHeader({ alg: 'RS256', kid: tool.kid })
      .setIssuer(lms.clientId)
      .setAudience(lms.issuer)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(tool.key);
  }
  const postReturn = (jwt: string) =>
    fetch(`${lms.url}/deep-link-return`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ JWT: jwt }),
    });

  it('accepts a signed response, lists the items and adds them to the course', async () => {
    const { payload } = await launch({ user: teacher, kind: 'deep-link', contextId: 'dl-course' });
    const data = (payload[CLAIM.deepLinkingSettings] as any).data;
    const item = {
      type: 'ltiResourceLink',
      title: 'Final exam',
      url: `${tool.baseUrl}/lti/launch`,
      custom: { invigil_exam_id: 'exam-9' },
      lineItem: { scoreMaximum: 50, label: 'Final exam' },
    };
    const jwt = await response(data, [item]);
    const res = await postReturn(jwt);
    const html = await res.text();
    expect(res.status).toBe(200);
    expect(html).toContain('Content added');
    expect(html).toContain('Final exam');
    expect(lms.deepLinkReturns.at(-1)).toMatchObject({ jwt, contextId: 'dl-course' });

    const [linkId] = lms.deepLinkReturns.at(-1)!.resourceLinkIds;
    const link = lms.course('dl-course').resourceLinks.find((l) => l.id === linkId)!;
    expect(link.custom).toEqual({ invigil_exam_id: 'exam-9' });
    const next = await launch({
      user: student,
      kind: 'resource',
      contextId: 'dl-course',
      resourceLinkId: linkId!,
    });
    expect(next.payload[CLAIM.custom]).toEqual({ invigil_exam_id: 'exam-9' });
    expect((next.payload[CLAIM.ags] as any).lineitem).toBe(link.lineItemId);

    expect((await postReturn(jwt)).status).toBe(400); // the same response again
  });

  it('refuses data it did not send, two items, and a signature of another key', async () => {
    expect((await postReturn(await response('made-up', []))).status).toBe(400);
    const { payload } = await launch({ user: teacher, kind: 'deep-link' });
    const data = (payload[CLAIM.deepLinkingSettings] as any).data;
    const two = [{ type: 'ltiResourceLink' }, { type: 'ltiResourceLink' }];
    expect((await postReturn(await response(data, two))).status).toBe(400);
    const { privateKey } = await generateKeyPair('RS256');
    const forged = await new SignJWT({ nonce: 'n' })
      .setProtectedHeader({ alg: 'RS256', kid: tool.kid })
      .setIssuer(lms.clientId)
      .setAudience(lms.issuer)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(privateKey);
    expect((await postReturn(forged)).status).toBe(400);
  });
});

describe('dynamic registration', () => {
  const registration = (base: string) => ({
    application_type: 'web',
    response_types: ['id_token'],
    grant_types: ['implicit', 'client_credentials'],
    initiate_login_uri: `${base}/lti/login`,
    redirect_uris: [`${base}/lti/launch`],
    client_name: 'Invigil',
    jwks_uri: `${base}/lti/jwks`,
    token_endpoint_auth_method: 'private_key_jwt',
    scope: `${LTI_SCOPES.nrps} ${LTI_SCOPES.score}`,
    'https://purl.imsglobal.org/spec/lti-tool-configuration': {
      domain: new URL(base).host,
      target_link_uri: `${base}/lti/launch`,
      messages: [{ type: 'LtiDeepLinkingRequest', target_link_uri: `${base}/lti/launch` }],
    },
  });

  it('hands out the configuration and registers the tool once per token', async () => {
    const start = new URL(lms.dynamicRegistrationStart(`${tool.baseUrl}/lti/register/invite-1`));
    expect(start.pathname).toBe('/lti/register/invite-1');
    const configUrl = start.searchParams.get('openid_configuration')!;
    const token = start.searchParams.get('registration_token')!;
    const config = (await (await fetch(configUrl)).json()) as any;
    expect(config).toMatchObject({
      issuer: lms.issuer,
      authorization_endpoint: lms.authLoginUrl,
      token_endpoint: lms.authTokenUrl,
      jwks_uri: lms.jwksUrl,
      registration_endpoint: `${lms.url}/register`,
      response_types_supported: ['id_token'],
    });
    expect(config.scopes_supported).toContain(LTI_SCOPES.score);
    const platform = config['https://purl.imsglobal.org/spec/lti-platform-configuration'];
    expect(platform.messages_supported.map((m: any) => m.type)).toContain('LtiDeepLinkingRequest');

    const register = (auth: string, body: unknown) =>
      fetch(config.registration_endpoint, {
        method: 'POST',
        headers: { authorization: `Bearer ${auth}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const res = await register(token, registration(tool.baseUrl));
    expect(res.status).toBe(200);
    const answer = (await res.json()) as any;
    expect(answer.client_id).toBe(lms.clientId);
    expect(answer['https://purl.imsglobal.org/spec/lti-tool-configuration'].deployment_id).toBe(
      lms.deploymentId,
    );
    expect(lms.registrations).toEqual([registration(tool.baseUrl)]);
    expect((await register(token, registration(tool.baseUrl))).status).toBe(401);

    const other = new URL(lms.dynamicRegistrationStart(`${tool.baseUrl}/lti/register/invite-2`));
    const offDomain = {
      ...registration(tool.baseUrl),
      initiate_login_uri: 'http://elsewhere.example/lti/login',
    };
    const off = await register(other.searchParams.get('registration_token')!, offDomain);
    expect(await off.json()).toMatchObject({ error: 'invalid_client_metadata' });
    expect(off.status).toBe(400);
  });
});

describe('course page', () => {
  it('frames the launch in an iframe that may use camera, microphone and screen', async () => {
    const launchUrl = lms.launchUrl({ user: student, kind: 'resource' });
    const res = await fetch(lms.pageUrl(launchUrl));
    const html = await res.text();
    const src = /<iframe[^>]*\bsrc="([^"]+)"/.exec(html)?.[1]?.replaceAll('&#38;', '&');
    expect(src).toBe(launchUrl);
    expect(html).toMatch(/allow="[^"]*camera[^"]*microphone[^"]*display-capture/);
  });
});
