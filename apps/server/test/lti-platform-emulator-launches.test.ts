import { randomUUID } from 'node:crypto';
import {
  createRemoteJWKSet,
  decodeProtectedHeader,
  generateKeyPair,
  jwtVerify,
  SignJWT,
  type JWK,
} from 'jose';
import { describe, expect, it } from 'vitest';
import { student, teacher, useEmulatorWithTool } from './helpers/lti-emulator-fixture.js';
import { CLAIM, LTI_ROLES, LTI_SCOPES, readAutoPostForm } from './helpers/lti-platform.js';

/**
 * The LTI platform emulator's browser-facing endpoints, checked against a fake tool: its
 * signing keys, the launch (login initiation and the auth endpoint), the deep-linking return
 * and the course page that frames a launch.
 */
const emulator = useEmulatorWithTool();
const { authorise, launch } = emulator;

describe('JWKS and signing keys', () => {
  it('publishes RS256 public keys, and keeps the old key after a rotation', async () => {
    const first = (await (await fetch(emulator.lms.jwksUrl)).json()) as { keys: JWK[] };
    expect(first.keys).toHaveLength(1);
    expect(first.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
    expect(first.keys[0]).not.toHaveProperty('d');

    const newKid = await emulator.lms.rotateKey();
    const second = (await (await fetch(emulator.lms.jwksUrl)).json()) as { keys: JWK[] };
    expect(second.keys.map((k) => k.kid)).toEqual([first.keys[0]!.kid, newKid]);
    const { protectedHeader } = await launch({ user: student, kind: 'resource' });
    expect(protectedHeader.kid).toBe(newKid);
  });

  it('signs chosen claims with a published key of another algorithm, a rogue key or none', async () => {
    const jwks = createRemoteJWKSet(new URL(emulator.lms.jwksUrl));
    const es = await emulator.lms.signIdToken(
      { iss: emulator.lms.issuer, sub: 'x' },
      { alg: 'ES256' },
    );
    await expect(jwtVerify(es, jwks)).resolves.toMatchObject({ payload: { sub: 'x' } });

    const kid = decodeProtectedHeader(await emulator.lms.signIdToken({})).kid;
    const rogue = await emulator.lms.signIdToken({ sub: 'x' }, { key: 'rogue' });
    expect(decodeProtectedHeader(rogue).kid).toBe(kid);
    await expect(jwtVerify(rogue, jwks)).rejects.toThrow(/signature verification failed/);

    const unsigned = await emulator.lms.signIdToken({ sub: 'x' }, { alg: 'none' });
    expect(decodeProtectedHeader(unsigned).alg).toBe('none');
  });
});

describe('launches', () => {
  it('points the link at the tool login with the LTI login initiation parameters', () => {
    const url = new URL(emulator.lms.launchUrl({ user: student, kind: 'resource' }));
    expect(`${url.origin}${url.pathname}`).toBe(`${emulator.tool.baseUrl}/lti/login`);
    const p = Object.fromEntries(url.searchParams);
    expect(p).toMatchObject({
      iss: emulator.lms.issuer,
      target_link_uri: `${emulator.tool.baseUrl}/lti/launch`,
      client_id: emulator.lms.clientId,
      lti_deployment_id: emulator.lms.deploymentId,
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
      aud: emulator.lms.clientId,
      azp: emulator.lms.clientId,
      sub: 'student-1',
      nonce,
      name: 'Ada Lovelace',
      given_name: 'Ada',
      family_name: 'Lovelace',
      email: 'ada@uni.example',
      [CLAIM.messageType]: 'LtiResourceLinkRequest',
      [CLAIM.version]: '1.3.0',
      [CLAIM.deploymentId]: emulator.lms.deploymentId,
      [CLAIM.targetLinkUri]: `${emulator.tool.baseUrl}/lti/launch`,
      [CLAIM.resourceLink]: { id: 'exam-a' },
      [CLAIM.roles]: [LTI_ROLES.learner],
      [CLAIM.context]: { id: 'maths', label: 'MATHS' },
      [CLAIM.custom]: { invigil_exam_id: 'e-1' },
      [CLAIM.nrps]: {
        context_memberships_url: `${emulator.lms.url}/nrps/maths`,
        service_versions: ['2.0'],
      },
    });
    expect(payload.exp! - payload.iat!).toBe(300);
    const ags = payload[CLAIM.ags] as any;
    expect(ags.scope).toContain(LTI_SCOPES.score);
    expect(ags.lineitems).toBe(`${emulator.lms.url}/ags/maths/lineitems`);
    expect(emulator.lms.course('maths').lineItems.find((i) => i.id === ags.lineitem)).toMatchObject(
      {
        resourceLinkId: 'exam-a',
      },
    );
    expect(emulator.lms.course('maths').members.map((m) => m.sub)).toEqual(['student-1']);
  });

  it('answers a deep-linking launch with its settings and no resource link', async () => {
    const { payload } = await launch({ user: teacher, kind: 'deep-link' });
    expect(payload[CLAIM.messageType]).toBe('LtiDeepLinkingRequest');
    expect(payload[CLAIM.resourceLink]).toBeUndefined();
    expect(payload[CLAIM.deepLinkingSettings]).toMatchObject({
      deep_link_return_url: `${emulator.lms.url}/deep-link-return`,
      accept_types: ['ltiResourceLink'],
      accept_presentation_document_targets: ['iframe', 'window'],
      accept_multiple: false,
    });
  });

  it('applies id_token changes asked for by the launch', async () => {
    const { res, html } = await authorise(
      emulator.lms.launchUrl({
        user: student,
        kind: 'resource',
        idToken: { claims: { [CLAIM.version]: '1.1', email: undefined }, sign: { key: 'rogue' } },
      }),
    );
    expect(res.status).toBe(200);
    const token = readAutoPostForm(html).fields.id_token!;
    const jwks = createRemoteJWKSet(new URL(emulator.lms.jwksUrl));
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
      emulator.lms.launchUrl({ user: student, kind: 'resource' }),
      change,
    );
    expect(res.status).toBe(400);
    expect(html).toContain('invalid_request');
  });
});

describe('deep-linking return', () => {
  async function response(data: unknown, items: unknown[], nonce = randomUUID()) {
    return new SignJWT({
      nonce,
      [CLAIM.messageType]: 'LtiDeepLinkingResponse',
      [CLAIM.version]: '1.3.0',
      [CLAIM.deploymentId]: emulator.lms.deploymentId,
      [CLAIM.deepLinkData]: data,
      [CLAIM.contentItems]: items,
    })
      .setProtectedHeader({ alg: 'RS256', kid: emulator.tool.kid })
      .setIssuer(emulator.lms.clientId)
      .setAudience(emulator.lms.issuer)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(emulator.tool.key);
  }
  const postReturn = (jwt: string) =>
    fetch(`${emulator.lms.url}/deep-link-return`, {
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
      url: `${emulator.tool.baseUrl}/lti/launch`,
      custom: { invigil_exam_id: 'exam-9' },
      lineItem: { scoreMaximum: 50, label: 'Final exam' },
    };
    const jwt = await response(data, [item]);
    const res = await postReturn(jwt);
    const html = await res.text();
    expect(res.status).toBe(200);
    expect(html).toContain('Content added');
    expect(html).toContain('Final exam');
    expect(emulator.lms.deepLinkReturns.at(-1)).toMatchObject({ jwt, contextId: 'dl-course' });

    const [linkId] = emulator.lms.deepLinkReturns.at(-1)!.resourceLinkIds;
    const link = emulator.lms.course('dl-course').resourceLinks.find((l) => l.id === linkId)!;
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
      .setProtectedHeader({ alg: 'RS256', kid: emulator.tool.kid })
      .setIssuer(emulator.lms.clientId)
      .setAudience(emulator.lms.issuer)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(privateKey);
    expect((await postReturn(forged)).status).toBe(400);
  });
});

describe('course page', () => {
  it('frames the launch in an iframe that may use camera, microphone and screen', async () => {
    const launchUrl = emulator.lms.launchUrl({ user: student, kind: 'resource' });
    const res = await fetch(emulator.lms.pageUrl(launchUrl));
    const html = await res.text();
    const src = /<iframe[^>]*\bsrc="([^"]+)"/.exec(html)?.[1]?.replaceAll('&#38;', '&');
    expect(src).toBe(launchUrl);
    expect(html).toMatch(/allow="[^"]*camera[^"]*microphone[^"]*display-capture/);
  });
});
