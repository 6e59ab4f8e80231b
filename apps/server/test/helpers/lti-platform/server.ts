import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleAgs } from './ags.js';
import { courseOf } from './courses.js';
import { handleDeepLinkReturn } from './deep-linking.js';
import { escapeHtml, htmlPage, HttpError, oauthError, sendHtml, sendJson } from './http.js';
import { PlatformKeys } from './keys.js';
import { buildIdTokenClaims, createLaunch, handleAuth, newDeepLinkData } from './launch.js';
import { handleMemberships } from './nrps.js';
import { handleOpenidConfiguration, handleRegister, startRegistration } from './registration.js';
import type { PlatformState } from './state.js';
import { AccessTokens, handleToken } from './token-endpoint.js';
import { ToolJwtVerifier } from './tool-jwt.js';
import type { LaunchOptions, LtiPlatformEmulator, StartOptions } from './types.js';

/** Route one request; `url` is absolute (on the emulator's base). */
async function route(
  state: PlatformState,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  url: URL,
): Promise<void> {
  const { pathname } = url;
  const method = req.method ?? 'GET';
  if (pathname === '/jwks' && method === 'GET') return sendJson(res, 200, state.keys.jwks());
  if (pathname === '/auth' && (method === 'GET' || method === 'POST')) {
    return handleAuth(state, req, res, url);
  }
  if (pathname === '/token' && method === 'POST') return handleToken(state, req, res);
  if (pathname === '/deep-link-return' && method === 'POST') {
    return handleDeepLinkReturn(state, req, res);
  }
  if (pathname === '/.well-known/openid-configuration' && method === 'GET') {
    return handleOpenidConfiguration(state, res);
  }
  if (pathname === '/register' && method === 'POST') return handleRegister(state, req, res);
  const nrps = /^\/nrps\/([^/]+)$/.exec(pathname);
  if (nrps && method === 'GET') {
    return handleMemberships(state, req, res, url, decodeURIComponent(nrps[1]!));
  }
  const ags = /^\/ags\/([^/]+)\/lineitems(?:\/([^/]+)(?:\/(scores|results))?)?$/.exec(pathname);
  if (ags) {
    const [, contextId, itemId, sub] = ags;
    return handleAgs(state, req, res, url, {
      contextId: decodeURIComponent(contextId!),
      itemId: itemId ?? null,
      sub: sub ?? '',
    });
  }
  const page = /^\/page\/([^/]+)$/.exec(pathname);
  if (page && method === 'GET') return coursePage(state, res, page[1]!);
  throw oauthError(404, 'not_found', `${method} ${pathname} is not an endpoint of the emulator`);
}

/** GET /page/:key — a course page framing a launch, like an LMS showing a tool in an iframe. */
function coursePage(state: PlatformState, res: http.ServerResponse, key: string): void {
  const src = state.pages.get(key);
  if (!src) throw oauthError(404, 'not_found', 'no such page');
  // A proctoring tool needs the camera, microphone and screen inside the frame.
  const allow = 'camera *; microphone *; display-capture *; fullscreen *';
  sendHtml(
    res,
    200,
    htmlPage(
      'Course page',
      `<h1>Course page</h1><iframe id="lti-frame" title="Invigil" src="${escapeHtml(src)}" ` +
        `allow="${allow}" style="width:100%;height:80vh;border:1px solid #888"></iframe>`,
    ),
  );
}

function listener(state: PlatformState): http.RequestListener {
  return (req, res) => {
    const url = new URL(req.url ?? '/', state.url);
    route(state, req, res, url).catch((err: unknown) => {
      if (res.headersSent) return void res.destroy();
      if (err instanceof HttpError) {
        state.refusals.push({ path: url.pathname, status: err.status, reason: err.message });
        res.writeHead(err.status, { 'content-type': err.contentType, ...err.headers });
        return void res.end(err.body);
      }
      state.refusals.push({ path: url.pathname, status: 500, reason: String(err) });
      res.writeHead(500, { 'content-type': 'text/plain' }).end(String(err));
    });
  };
}

/**
 * Start an LTI 1.3 Advantage platform (a test LMS) on 127.0.0.1 and a free port: OIDC
 * authorisation endpoint, JWKS, OAuth token endpoint, NRPS, AGS, deep-linking return and
 * dynamic registration. Call `setTool` (or register dynamically) before launching.
 */
export async function startLtiPlatform(opts: StartOptions = {}): Promise<LtiPlatformEmulator> {
  let handler: http.RequestListener = (_req, res) => void res.writeHead(503).end();
  const server = http.createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const state: PlatformState = {
    url,
    issuer: opts.issuer ?? url,
    clientId: opts.clientId ?? `client-${randomBytes(6).toString('hex')}`,
    deploymentId: opts.deploymentId ?? `deployment-${randomUUID()}`,
    tokenAudience: opts.tokenAudience ?? `${url}/token`,
    pageSize: opts.pageSize ?? 2,
    toolBaseUrl: opts.toolBaseUrl?.replace(/\/$/, '') ?? null,
    keys: await PlatformKeys.create(),
    toolJwt: new ToolJwtVerifier(() => state.toolBaseUrl),
    tokens: new AccessTokens(),
    courses: new Map(),
    launches: new Map(),
    deepLinkRequests: new Map(),
    assertionJtis: new Set(),
    deepLinkNonces: new Set(),
    pages: new Map(),
    registrationTokens: new Set(),
    scoreFailures: 0,
    deepLinkReturns: [],
    tokenRequests: [],
    registrations: [],
    refusals: [],
  };
  handler = listener(state);
  return emulator(state, server, opts);
}

function emulator(
  state: PlatformState,
  server: http.Server,
  opts: StartOptions,
): LtiPlatformEmulator {
  const { url } = state;
  return {
    url,
    issuer: state.issuer,
    clientId: state.clientId,
    deploymentId: state.deploymentId,
    authLoginUrl: `${url}/auth`,
    authTokenUrl: `${url}/token`,
    jwksUrl: `${url}/jwks`,
    platformInput: () => ({
      name: 'Test LMS',
      issuer: state.issuer,
      clientId: state.clientId,
      authLoginUrl: `${url}/auth`,
      authTokenUrl: `${url}/token`,
      tokenAudience: opts.tokenAudience ?? null,
      jwksUrl: `${url}/jwks`,
      deploymentIds: [state.deploymentId],
      instructorRole: 'instructor',
      adminRole: 'instructor',
    }),
    get toolBaseUrl() {
      return state.toolBaseUrl;
    },
    setTool: (baseUrl) => void (state.toolBaseUrl = baseUrl.replace(/\/$/, '')),
    launchUrl: (o) => createLaunch(state, o),
    idTokenClaims: (o: LaunchOptions, nonce: string) =>
      buildIdTokenClaims(
        state,
        o,
        nonce,
        o.kind === 'deep-link' ? newDeepLinkData(state, o.contextId ?? 'course-1') : null,
      ),
    signIdToken: (claims, o) => state.keys.sign(claims, o),
    rotateKey: () => state.keys.rotate(),
    course: (contextId) => courseOf(state, contextId),
    failNextScores: (n) => void (state.scoreFailures = n),
    deepLinkReturns: state.deepLinkReturns,
    tokenRequests: state.tokenRequests,
    registrations: state.registrations,
    refusals: state.refusals,
    pageUrl: (launch) => {
      const key = randomBytes(12).toString('base64url');
      state.pages.set(key, typeof launch === 'string' ? launch : createLaunch(state, launch));
      return `${url}/page/${key}`;
    },
    dynamicRegistrationStart: (toolRegisterUrl) => startRegistration(state, toolRegisterUrl),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
