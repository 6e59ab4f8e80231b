import type http from 'node:http';
import { addLineItem, courseOf } from './courses.js';
import { escapeHtml, htmlPage, isRecord, pageError, readForm, sendHtml } from './http.js';
import type { PlatformState } from './state.js';
import { CLAIM, type EmulatorCourse } from './types.js';

const refuse = (why: string) => pageError(400, 'invalid_request', why);

/**
 * POST /deep-link-return (Deep Linking 2.0, 4.2): the tool's LtiDeepLinkingResponse in the
 * form field JWT. Verified against the tool's JWKS (iss = client_id, aud = platform issuer),
 * with its nonce, version, deployment and the request's `data` echoed. Each ltiResourceLink
 * item becomes a resource link of the course (with a line item when the item asks for one),
 * as an LMS adds the chosen content.
 */
export async function handleDeepLinkReturn(
  state: PlatformState,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<void> {
  const jwt = (await readForm(req)).get('JWT');
  if (!jwt) throw refuse('the JWT form field is missing');
  let payload: Record<string, unknown>;
  try {
    payload = await state.toolJwt.verify(jwt, {
      issuer: state.clientId,
      audience: state.issuer,
      required: ['nonce'],
    });
  } catch (err) {
    throw refuse(`the response JWT does not verify: ${(err as Error).message}`);
  }
  const contextId = checkMessage(state, payload);
  const items = contentItems(payload);
  const course = courseOf(state, contextId);
  const resourceLinkIds = items.map((item) => addLink(state, course, item));
  state.deepLinkReturns.push({ jwt, payload, contextId, resourceLinkIds });
  const titles = items.map((i) => `<li>${escapeHtml(String(i.title ?? 'Untitled'))}</li>`);
  const msg = payload[CLAIM.deepLinkMsg] ?? payload[CLAIM.deepLinkErrorMsg];
  sendHtml(
    res,
    200,
    htmlPage(
      'Content added',
      `<h1>Content added</h1><ul>${titles.join('')}</ul>` +
        (typeof msg === 'string' ? `<p>${escapeHtml(msg)}</p>` : ''),
    ),
  );
}

/** Checks the message claims; answers the course the request was for. */
function checkMessage(state: PlatformState, payload: Record<string, unknown>): string {
  if (payload[CLAIM.messageType] !== 'LtiDeepLinkingResponse') {
    throw refuse('message_type must be LtiDeepLinkingResponse');
  }
  if (payload[CLAIM.version] !== '1.3.0') throw refuse('version must be 1.3.0');
  if (payload[CLAIM.deploymentId] !== state.deploymentId) throw refuse('unknown deployment_id');
  const nonce = String(payload.nonce);
  if (state.deepLinkNonces.has(nonce)) throw refuse('nonce already used');
  const data = payload[CLAIM.deepLinkData];
  const request = typeof data === 'string' ? state.deepLinkRequests.get(data) : undefined;
  if (!request) throw refuse('the data claim does not echo a deep-linking request');
  if (request.used) throw refuse('this deep-linking request was already answered');
  request.used = true;
  state.deepLinkNonces.add(nonce);
  return request.contextId;
}

/** The content items, checked against the request's settings (ltiResourceLink, one at most). */
function contentItems(payload: Record<string, unknown>): Record<string, unknown>[] {
  const items = payload[CLAIM.contentItems] ?? [];
  if (!Array.isArray(items) || !items.every(isRecord)) {
    throw refuse('content_items must be an array of objects');
  }
  if (items.length > 1) throw refuse('accept_multiple is false: one item at most');
  for (const item of items) {
    if (item.type !== 'ltiResourceLink') throw refuse('only ltiResourceLink items are accepted');
    if (item.custom !== undefined) {
      const custom = item.custom;
      if (!isRecord(custom) || !Object.values(custom).every((v) => typeof v === 'string')) {
        throw refuse('custom must map names to strings');
      }
    }
  }
  return items;
}

/** A resource link for `item` (and its line item, if it has `lineItem`); answers its id. */
function addLink(
  state: PlatformState,
  course: EmulatorCourse,
  item: Record<string, unknown>,
): string {
  const id = `dl-link-${course.resourceLinks.length + 1}`;
  const title = typeof item.title === 'string' ? item.title : 'Untitled';
  let lineItemId: string | null = null;
  const li = item.lineItem;
  if (isRecord(li)) {
    const max = typeof li.scoreMaximum === 'number' && li.scoreMaximum > 0 ? li.scoreMaximum : 100;
    const label = typeof li.label === 'string' ? li.label : title;
    lineItemId = addLineItem(state, course, {
      label,
      scoreMaximum: max,
      resourceLinkId: id,
      ...(typeof li.resourceId === 'string' ? { resourceId: li.resourceId } : {}),
      ...(typeof li.tag === 'string' ? { tag: li.tag } : {}),
    }).id;
  }
  const custom = (isRecord(item.custom) ? item.custom : {}) as Record<string, string>;
  course.resourceLinks.push({ id, title, custom, lineItemId });
  return id;
}
