import type http from 'node:http';
import { addLineItem, lineItemsUrl } from './courses.js';
import { oauthError, pageOf, readJsonObject, sendJson } from './http.js';
import type { PlatformState } from './state.js';
import {
  LTI_MEDIA,
  LTI_SCOPES,
  type AgsLineItem,
  type AgsScore,
  type EmulatorCourse,
} from './types.js';

const READ_SCOPES = [LTI_SCOPES.lineItem, LTI_SCOPES.lineItemReadonly];
const ACTIVITY = ['Initialized', 'Started', 'InProgress', 'Submitted', 'Completed'];
const GRADING = ['FullyGraded', 'Pending', 'PendingManual', 'Failed', 'NotReady'];
const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/;

const invalid = (why: string) => oauthError(400, 'invalid_request', why);

/** An AGS request: the course and, for item routes, the line item. */
interface AgsTarget {
  course: EmulatorCourse;
  item: AgsLineItem | null;
}

function target(state: PlatformState, contextId: string, itemId: string | null): AgsTarget {
  const course = state.courses.get(contextId);
  if (!course) throw oauthError(404, 'not_found', 'no such context');
  if (itemId === null) return { course, item: null };
  const id = `${lineItemsUrl(state, contextId)}/${itemId}`;
  const item = course.lineItems.find((i) => i.id === id);
  if (!item) throw oauthError(404, 'not_found', 'no such line item');
  return { course, item };
}

/**
 * The AGS 2.0 endpoints under /ags/:contextId/lineitems: the container (GET with
 * resource_link_id/resource_id/tag filters and paging, POST), one item (GET), its scores
 * (POST) and results (GET). `sub` is '', 'scores' or 'results'.
 */
export async function handleAgs(
  state: PlatformState,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  url: URL,
  route: { contextId: string; itemId: string | null; sub: string },
): Promise<void> {
  const { course, item } = target(state, route.contextId, route.itemId);
  const method = req.method ?? 'GET';
  if (!item && method === 'GET') return listLineItems(state, req, res, url, course);
  if (!item && method === 'POST') return createLineItem(state, req, res, course);
  if (item && route.sub === '' && method === 'GET') {
    state.tokens.require(req, READ_SCOPES);
    return sendJson(res, 200, item, LTI_MEDIA.lineItem);
  }
  if (item && route.sub === 'scores' && method === 'POST') {
    return postScore(state, req, res, course, item);
  }
  if (item && route.sub === 'results' && method === 'GET')
    return listResults(state, req, res, course, item);
  throw oauthError(405, 'invalid_request', 'method not allowed');
}

function listLineItems(
  state: PlatformState,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  url: URL,
  course: EmulatorCourse,
): void {
  state.tokens.require(req, READ_SCOPES);
  const q = url.searchParams;
  const items = course.lineItems.filter(
    (i) =>
      (!q.has('resource_link_id') || i.resourceLinkId === q.get('resource_link_id')) &&
      (!q.has('resource_id') || i.resourceId === q.get('resource_id')) &&
      (!q.has('tag') || i.tag === q.get('tag')),
  );
  const page = pageOf(items, url, state.pageSize);
  sendJson(res, 200, page.items, LTI_MEDIA.lineItemContainer, page.headers);
}

async function createLineItem(
  state: PlatformState,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  course: EmulatorCourse,
): Promise<void> {
  state.tokens.require(req, [LTI_SCOPES.lineItem]);
  const body = await readJsonObject(req, [LTI_MEDIA.lineItem, 'application/json']);
  if (typeof body.label !== 'string' || !body.label.trim()) throw invalid('label is required');
  const max = body.scoreMaximum;
  if (typeof max !== 'number' || !(max > 0)) throw invalid('scoreMaximum must be a number > 0');
  const optional = ['resourceId', 'tag', 'resourceLinkId', 'startDateTime', 'endDateTime'] as const;
  const extra: Partial<AgsLineItem> = {};
  for (const key of optional) {
    const v = body[key];
    if (v === undefined) continue;
    if (typeof v !== 'string') throw invalid(`${key} must be a string`);
    extra[key] = v;
  }
  if (extra.resourceLinkId && !course.resourceLinks.some((l) => l.id === extra.resourceLinkId)) {
    throw invalid('resourceLinkId is not a resource link of this context');
  }
  const item = addLineItem(state, course, { ...extra, label: body.label, scoreMaximum: max });
  sendJson(res, 201, item, LTI_MEDIA.lineItem);
}

/** POST …/scores (AGS 2.0 Score publish service). */
async function postScore(
  state: PlatformState,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  course: EmulatorCourse,
  item: AgsLineItem,
): Promise<void> {
  state.tokens.require(req, [LTI_SCOPES.score]);
  if (state.scoreFailures > 0) {
    state.scoreFailures -= 1;
    throw oauthError(503, 'temporarily_unavailable', 'the gradebook is down (failNextScores)');
  }
  const score = parseScore(await readJsonObject(req, [LTI_MEDIA.score]), item);
  if (!course.members.some((m) => m.sub === score.userId)) {
    throw oauthError(422, 'invalid_request', 'userId is not a member of this context');
  }
  const last = course.scores.findLast((s) => s.lineItemId === item.id && s.userId === score.userId);
  // AGS: a score older than the one on record must not replace it.
  if (last && Date.parse(last.timestamp) > Date.parse(score.timestamp)) {
    throw oauthError(409, 'conflict', 'a newer score is on record');
  }
  course.scores.push(score);
  res.writeHead(204).end();
}

/** A score body checked against AGS 2.0 (userId, progress values, timestamp, scores). */
function parseScore(body: Record<string, unknown>, item: AgsLineItem): AgsScore {
  const {
    userId,
    activityProgress,
    gradingProgress,
    timestamp,
    scoreGiven,
    scoreMaximum,
    comment,
  } = body;
  if (typeof userId !== 'string' || !userId) throw invalid('userId is required');
  if (typeof activityProgress !== 'string' || !ACTIVITY.includes(activityProgress)) {
    throw invalid(`activityProgress must be one of ${ACTIVITY.join(', ')}`);
  }
  if (typeof gradingProgress !== 'string' || !GRADING.includes(gradingProgress)) {
    throw invalid(`gradingProgress must be one of ${GRADING.join(', ')}`);
  }
  if (
    typeof timestamp !== 'string' ||
    !ISO_TIMESTAMP.test(timestamp) ||
    isNaN(Date.parse(timestamp))
  ) {
    throw invalid('timestamp must be an ISO 8601 date-time with a time zone');
  }
  if (scoreGiven !== undefined && (typeof scoreGiven !== 'number' || !(scoreGiven >= 0))) {
    throw invalid('scoreGiven must be a number >= 0');
  }
  if (scoreMaximum !== undefined && (typeof scoreMaximum !== 'number' || !(scoreMaximum > 0))) {
    throw invalid('scoreMaximum must be a number > 0');
  }
  if (scoreGiven !== undefined && scoreMaximum === undefined) {
    throw invalid('scoreMaximum is required with scoreGiven');
  }
  if (comment !== undefined && typeof comment !== 'string') throw invalid('comment must be text');
  return {
    lineItemId: item.id,
    userId,
    activityProgress,
    gradingProgress,
    timestamp,
    ...(scoreGiven === undefined ? {} : { scoreGiven: scoreGiven as number }),
    ...(scoreMaximum === undefined ? {} : { scoreMaximum: scoreMaximum as number }),
    ...(comment === undefined ? {} : { comment }),
    receivedAt: new Date(),
  };
}

/** GET …/results: the latest score of each user, as AGS results. */
function listResults(
  state: PlatformState,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  course: EmulatorCourse,
  item: AgsLineItem,
): void {
  state.tokens.require(req, [LTI_SCOPES.resultReadonly]);
  const latest = new Map<string, AgsScore>();
  for (const s of course.scores) if (s.lineItemId === item.id) latest.set(s.userId, s);
  const results = [...latest.values()].map((s) => ({
    id: `${item.id}/results/${encodeURIComponent(s.userId)}`,
    scoreOf: item.id,
    userId: s.userId,
    ...(s.scoreGiven === undefined
      ? {}
      : { resultScore: s.scoreGiven, resultMaximum: s.scoreMaximum ?? item.scoreMaximum }),
    ...(s.comment ? { comment: s.comment } : {}),
  }));
  sendJson(res, 200, results, LTI_MEDIA.resultContainer);
}
