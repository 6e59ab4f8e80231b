import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createRemoteJWKSet,
  exportJWK,
  generateKeyPair,
  jwtVerify,
  SignJWT,
  type CryptoKey,
  type JWK,
  type JWTVerifyResult,
} from 'jose';
import { afterAll, beforeAll, expect } from 'vitest';
import {
  LTI_ROLES,
  readAutoPostForm,
  startLtiPlatform,
  type EmulatorUser,
  type LaunchOptions,
  type LtiPlatformEmulator,
} from './lti-platform.js';

/** A stand-in for the tool: only its JWKS, served at /lti/jwks like Invigil's. */
export interface FakeTool {
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

/** The learner of the emulator tests. */
export const student: EmulatorUser = {
  sub: 'student-1',
  name: 'Ada Lovelace',
  email: 'ada@uni.example',
  roles: [LTI_ROLES.learner],
};

/** The instructor of the emulator tests. */
export const teacher: EmulatorUser = {
  sub: 'teacher-1',
  name: 'Tom Teacher',
  email: 'tom@uni.example',
  roles: [LTI_ROLES.instructor],
};

/** The emulator and a fake tool it knows, and the tool's side of the protocol. */
export interface EmulatorWithTool {
  readonly lms: LtiPlatformEmulator;
  readonly tool: FakeTool;
  /** Do what the tool's /lti/login does: answer the platform's auth request for a launch. */
  authorise(
    launchUrl: string,
    change?: Record<string, string>,
  ): Promise<{ res: Response; nonce: string; html: string }>;
  /** A launch through the auth endpoint, answering the id_token's verified payload. */
  launch(o: LaunchOptions): Promise<JWTVerifyResult & { nonce: string; idToken: string }>;
  /** A client assertion as the tool signs one (Security Framework 4.1). */
  assertion(o?: { key?: CryptoKey; kid?: string; aud?: string; jti?: string }): Promise<string>;
  /** A request to the platform's token endpoint. */
  requestToken(
    clientAssertion: string,
    scope: string,
    grant?: string,
  ): Promise<{ status: number; body: any }>;
  /** An access token for `scopes` (the request must succeed). */
  accessToken(scopes: string[]): Promise<string>;
}

/**
 * Start the emulator and a fake tool for one test file (closed after its tests); the
 * emulator knows the tool.
 */
export function useEmulatorWithTool(): EmulatorWithTool {
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

  async function requestToken(
    clientAssertion: string,
    scope: string,
    grant = 'client_credentials',
  ) {
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

  return {
    get lms() {
      return lms;
    },
    get tool() {
      return tool;
    },
    authorise,
    async launch(o) {
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
    },
    assertion,
    requestToken,
    async accessToken(scopes) {
      const { status, body } = await requestToken(await assertion(), scopes.join(' '));
      expect(status).toBe(200);
      return body.access_token as string;
    },
  };
}
