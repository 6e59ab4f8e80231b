import { generateKeyPair } from 'jose';
import { describe, expect, it } from 'vitest';
import { student, teacher, useEmulatorWithTool } from './helpers/lti-emulator-fixture.js';
import { CLAIM, LTI_MEDIA, LTI_ROLES, LTI_SCOPES } from './helpers/lti-platform.js';

/**
 * The LTI platform emulator's endpoints a tool calls from its server, checked against a fake
 * tool: the token endpoint, names and roles (NRPS), assignment and grades (AGS), and dynamic
 * registration.
 */
const emulator = useEmulatorWithTool();
const { launch, assertion, requestToken, accessToken } = emulator;

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
    const wrongAud = await requestToken(
      await assertion({ aud: emulator.lms.url }),
      LTI_SCOPES.nrps,
    );
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
    const roster = emulator.lms.course('nrps-course');
    roster.members.push(
      student,
      teacher,
      { sub: 's2', name: 'Bo Student', roles: [LTI_ROLES.learner] },
      { sub: 's3', roles: [LTI_ROLES.learner], status: 'Inactive' },
    );
    const token = await accessToken([LTI_SCOPES.nrps]);
    const seen: any[] = [];
    let next: string | null = `${emulator.lms.url}/nrps/nrps-course`;
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
    emulator.lms.course('nrps-course');
    expect((await fetch(`${emulator.lms.url}/nrps/nrps-course`)).status).toBe(401);
    const scoreOnly = await accessToken([LTI_SCOPES.score]);
    const res = await fetch(`${emulator.lms.url}/nrps/nrps-course`, {
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
    expect(emulator.lms.course('ags-course').scores).toEqual([
      expect.objectContaining({ lineItemId: lineitem, userId: 'student-1', scoreGiven: 8 }),
    ]);
  });

  it('refuses invalid scores', async () => {
    const lineitem = emulator.lms.course('ags-course').lineItems[0]!.id;
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
    const lineitem = emulator.lms.course('ags-course').lineItems[0]!.id;
    const token = await accessToken([LTI_SCOPES.score]);
    emulator.lms.failNextScores(2);
    expect((await post(`${lineitem}/scores`, token, score('student-1'))).status).toBe(503);
    expect((await post(`${lineitem}/scores`, token, score('student-1'))).status).toBe(503);
    expect((await post(`${lineitem}/scores`, token, score('student-1'))).status).toBe(204);
  });

  it('lists and creates line items', async () => {
    const token = await accessToken([LTI_SCOPES.lineItem]);
    const container = `${emulator.lms.url}/ags/ags-course/lineitems`;
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
    const start = new URL(
      emulator.lms.dynamicRegistrationStart(`${emulator.tool.baseUrl}/lti/register/invite-1`),
    );
    expect(start.pathname).toBe('/lti/register/invite-1');
    const configUrl = start.searchParams.get('openid_configuration')!;
    const token = start.searchParams.get('registration_token')!;
    const config = (await (await fetch(configUrl)).json()) as any;
    expect(config).toMatchObject({
      issuer: emulator.lms.issuer,
      authorization_endpoint: emulator.lms.authLoginUrl,
      token_endpoint: emulator.lms.authTokenUrl,
      jwks_uri: emulator.lms.jwksUrl,
      registration_endpoint: `${emulator.lms.url}/register`,
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
    const res = await register(token, registration(emulator.tool.baseUrl));
    expect(res.status).toBe(200);
    const answer = (await res.json()) as any;
    expect(answer.client_id).toBe(emulator.lms.clientId);
    expect(answer['https://purl.imsglobal.org/spec/lti-tool-configuration'].deployment_id).toBe(
      emulator.lms.deploymentId,
    );
    expect(emulator.lms.registrations).toEqual([registration(emulator.tool.baseUrl)]);
    expect((await register(token, registration(emulator.tool.baseUrl))).status).toBe(401);

    const other = new URL(
      emulator.lms.dynamicRegistrationStart(`${emulator.tool.baseUrl}/lti/register/invite-2`),
    );
    const offDomain = {
      ...registration(emulator.tool.baseUrl),
      initiate_login_uri: 'http://elsewhere.example/lti/login',
    };
    const off = await register(other.searchParams.get('registration_token')!, offDomain);
    expect(await off.json()).toMatchObject({ error: 'invalid_client_metadata' });
    expect(off.status).toBe(400);
  });
});
