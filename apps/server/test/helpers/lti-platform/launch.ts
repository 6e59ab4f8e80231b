import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import {
  courseOf,
  ensureMember,
  ensureResourceLink,
  lineItemsUrl,
  membershipsUrl,
} from './courses.js';
import { escapeHtml, htmlPage, pageError, readForm, sendHtml } from './http.js';
import { toolBase, type PlatformState } from './state.js';
import { CLAIM, LTI_SCOPES, type LaunchOptions } from './types.js';

const random = () => randomBytes(16).toString('base64url');

/** Product identity in the tool_platform claim and the platform configuration. */
export const PRODUCT = { family: 'invigil-test-lms', version: '1.0', name: 'Test LMS' } as const;

/**
 * Record a link click and answer the tool's login initiation URL for it (LTI 1.3 core 5.1.1:
 * iss, login_hint, target_link_uri, lti_message_hint, client_id, lti_deployment_id). The user
 * is enrolled in the course, and a resource link clicked for the first time is created.
 */
export function createLaunch(state: PlatformState, o: LaunchOptions): string {
  const base = toolBase(state);
  const course = courseOf(state, o.contextId ?? 'course-1');
  ensureMember(course, o.user);
  if (o.kind === 'resource') ensureResourceLink(state, course, o.resourceLinkId ?? 'link-1');
  const loginHint = random();
  const messageHint = random();
  const deepLinkData = o.kind === 'deep-link' ? newDeepLinkData(state, course.id) : null;
  state.launches.set(loginHint, { options: o, messageHint, deepLinkData });
  const params: Record<string, string> = {
    iss: state.issuer,
    login_hint: loginHint,
    target_link_uri: o.targetLinkUri ?? `${base}/lti/launch`,
    lti_message_hint: messageHint,
    client_id: state.clientId,
    lti_deployment_id: o.deploymentId ?? state.deploymentId,
  };
  for (const [k, v] of Object.entries(o.loginParams ?? {})) {
    if (v === null) delete params[k];
    else params[k] = v;
  }
  return `${base}/lti/login?${new URLSearchParams(params)}`;
}

/** A fresh `data` value for a deep-linking request of the course. */
export function newDeepLinkData(state: PlatformState, contextId: string): string {
  const data = `dl-${random()}`;
  state.deepLinkRequests.set(data, { contextId, used: false });
  return data;
}

/** The claims of the id_token for a launch (LTI 1.3 core 5.3–5.4, DL 2.0, AGS, NRPS). */
export function buildIdTokenClaims(
  state: PlatformState,
  o: LaunchOptions,
  nonce: string,
  deepLinkData: string | null,
): Record<string, unknown> {
  const base = toolBase(state);
  const course = courseOf(state, o.contextId ?? 'course-1');
  const now = Math.floor(Date.now() / 1000);
  const { user } = o;
  const [given, ...family] = (user.name ?? '').split(' ');
  const link =
    o.kind === 'resource' ? ensureResourceLink(state, course, o.resourceLinkId ?? 'link-1') : null;
  const custom = { ...link?.custom, ...o.custom };
  const claims: Record<string, unknown> = {
    iss: state.issuer,
    aud: state.clientId,
    azp: state.clientId,
    sub: user.sub,
    exp: now + 300,
    iat: now,
    nonce,
    ...(user.name ? { name: user.name } : {}),
    ...(user.email ? { email: user.email } : {}),
    ...(user.givenName || given ? { given_name: user.givenName ?? given } : {}),
    ...(user.familyName || family.length
      ? { family_name: user.familyName ?? family.join(' ') }
      : {}),
    [CLAIM.messageType]: link ? 'LtiResourceLinkRequest' : 'LtiDeepLinkingRequest',
    [CLAIM.version]: '1.3.0',
    [CLAIM.deploymentId]: o.deploymentId ?? state.deploymentId,
    [CLAIM.targetLinkUri]: o.targetLinkUri ?? `${base}/lti/launch`,
    [CLAIM.roles]: user.roles,
    [CLAIM.context]: {
      id: course.id,
      label: course.label,
      title: course.title,
      type: ['http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering'],
    },
    ...(Object.keys(custom).length ? { [CLAIM.custom]: custom } : {}),
    [CLAIM.toolPlatform]: {
      guid: state.url,
      name: PRODUCT.name,
      product_family_code: PRODUCT.family,
      version: PRODUCT.version,
    },
    [CLAIM.launchPresentation]: { document_target: 'iframe', locale: 'en' },
    [CLAIM.nrps]: {
      context_memberships_url: membershipsUrl(state, course.id),
      service_versions: ['2.0'],
    },
    [CLAIM.ags]: {
      scope: [LTI_SCOPES.lineItem, LTI_SCOPES.resultReadonly, LTI_SCOPES.score],
      lineitems: lineItemsUrl(state, course.id),
      ...(link?.lineItemId ? { lineitem: link.lineItemId } : {}),
    },
  };
  if (link) claims[CLAIM.resourceLink] = { id: link.id, title: link.title };
  else {
    claims[CLAIM.deepLinkingSettings] = {
      deep_link_return_url: `${state.url}/deep-link-return`,
      accept_types: ['ltiResourceLink'],
      accept_presentation_document_targets: ['iframe', 'window'],
      accept_multiple: false,
      auto_create: true,
      title: 'Add an Invigil exam',
      data: deepLinkData ?? newDeepLinkData(state, course.id),
    };
  }
  return claims;
}

/**
 * GET or POST /auth, the OIDC authorisation endpoint (LTI 1.3 core 5.1.1.2, Security
 * Framework 5.1.1.3): checks the request against the launch its login_hint names and answers
 * a page that form_posts id_token and state to the redirect_uri.
 */
export async function handleAuth(
  state: PlatformState,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  url: URL,
): Promise<void> {
  const p = req.method === 'POST' ? await readForm(req) : url.searchParams;
  const refuse = (why: string) => pageError(400, 'invalid_request', why);
  if (!(p.get('scope') ?? '').split(' ').includes('openid'))
    throw refuse('scope must include openid');
  if (p.get('response_type') !== 'id_token') throw refuse('response_type must be id_token');
  if (p.get('response_mode') !== 'form_post') throw refuse('response_mode must be form_post');
  if (p.get('prompt') !== 'none') throw refuse('prompt must be none');
  if (p.get('client_id') !== state.clientId) throw refuse('unknown client_id');
  const redirectUri = p.get('redirect_uri') ?? '';
  if (!redirectUri.startsWith(toolBase(state))) throw refuse('redirect_uri is not the tool’s');
  const launch = state.launches.get(p.get('login_hint') ?? '');
  if (!launch) throw refuse('unknown login_hint');
  if (p.get('lti_message_hint') !== launch.messageHint) throw refuse('wrong lti_message_hint');
  const nonce = p.get('nonce');
  if (!nonce) throw refuse('nonce is missing');

  const claims = buildIdTokenClaims(state, launch.options, nonce, launch.deepLinkData);
  for (const [k, v] of Object.entries(launch.options.idToken?.claims ?? {})) {
    if (v === undefined) delete claims[k];
    else claims[k] = v;
  }
  const idToken = await state.keys.sign(claims, launch.options.idToken?.sign);
  sendHtml(res, 200, formPostPage(redirectUri, { id_token: idToken, state: p.get('state') }));
}

/** A page that posts `fields` to `action` by itself, with a button if scripts are off. */
function formPostPage(action: string, fields: Record<string, string | null>): string {
  const inputs = Object.entries(fields)
    .filter((e): e is [string, string] => e[1] !== null)
    .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`)
    .join('');
  return htmlPage(
    'Launching',
    `<h1>Launching the tool</h1><form method="post" action="${escapeHtml(action)}">${inputs}` +
      `<button type="submit">Continue</button></form>` +
      `<script>document.forms[0].submit();</script>`,
  );
}
