import type http from 'node:http';

/** A refusal: the status, why, the body and its media type. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    reason: string,
    readonly body: string,
    readonly contentType: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(reason);
  }
}

/** An OAuth 2 style error answer (`{ error, error_description }`). */
export const oauthError = (
  status: number,
  error: string,
  description: string,
  headers: Record<string, string> = {},
) =>
  new HttpError(
    status,
    `${error}: ${description}`,
    JSON.stringify({ error, error_description: description }),
    'application/json',
    headers,
  );

/** An error answered as a small HTML page (browser-facing endpoints). */
export const pageError = (status: number, error: string, description: string) =>
  new HttpError(
    status,
    `${error}: ${description}`,
    htmlPage(
      'Request refused',
      `<h1>Request refused</h1><p>${escapeHtml(`${error}: ${description}`)}</p>`,
    ),
    'text/html; charset=utf-8',
  );

/** Escape text for HTML content and attribute values. */
export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A complete HTML document. */
export const htmlPage = (title: string, body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body>${body}</body></html>`;

/** The request body as text (at most 1 MiB). */
export async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > 1024 * 1024) throw oauthError(413, 'invalid_request', 'body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The media type of the request, without parameters, lower case. */
export const mediaType = (req: http.IncomingMessage) =>
  (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();

/** A form body (application/x-www-form-urlencoded). */
export async function readForm(req: http.IncomingMessage): Promise<URLSearchParams> {
  if (mediaType(req) !== 'application/x-www-form-urlencoded') {
    throw oauthError(400, 'invalid_request', 'expected application/x-www-form-urlencoded');
  }
  return new URLSearchParams(await readBody(req));
}

/** A JSON object body of one of `types`. */
export async function readJsonObject(
  req: http.IncomingMessage,
  types: string[],
): Promise<Record<string, unknown>> {
  if (!types.includes(mediaType(req))) {
    throw oauthError(415, 'invalid_request', `expected ${types.join(' or ')}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(await readBody(req));
  } catch {
    throw oauthError(400, 'invalid_request', 'the body is not JSON');
  }
  if (!isRecord(value)) throw oauthError(400, 'invalid_request', 'expected a JSON object');
  return value;
}

/** A plain object (not an array, not null). */
export const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The bearer token of the Authorization header, if any. */
export function bearerToken(req: http.IncomingMessage): string | null {
  const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  return match ? match[1]! : null;
}

/** Answer JSON with `type` (application/json unless told). */
export function sendJson(
  res: http.ServerResponse,
  status: number,
  value: unknown,
  type = 'application/json',
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(value));
}

/** Answer an HTML page. */
export function sendHtml(res: http.ServerResponse, status: number, html: string): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
  });
  res.end(html);
}

/**
 * The first form of an HTML page: its action and its hidden/submitted fields. Made for
 * auto-submitting form_post pages (the emulator's and the tool's), so a test can do in one
 * fetch what the browser's script does.
 */
export function readAutoPostForm(html: string): { action: string; fields: Record<string, string> } {
  const form = /<form\b([^>]*)>([\s\S]*?)<\/form>/i.exec(html);
  if (!form) throw new Error('no <form> in the page');
  const action = attribute(form[1]!, 'action');
  if (action === null) throw new Error('the form has no action');
  const fields: Record<string, string> = {};
  for (const input of form[2]!.matchAll(/<input\b([^>]*)>/gi)) {
    const name = attribute(input[1]!, 'name');
    if (name !== null) fields[name] = attribute(input[1]!, 'value') ?? '';
  }
  return { action, fields };
}

function attribute(tag: string, name: string): string | null {
  const match = new RegExp(`\\b${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)')`, 'i').exec(tag);
  return match ? unescapeHtml(match[1] ?? match[2] ?? '') : null;
}

const unescapeHtml = (s: string) =>
  s
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCharCode(Number(d)))
    .replace(/&#x([0-9a-f]+);/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16)))
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

/**
 * One page of `items` by the `limit` and `page` query parameters (LTI services page with a
 * `Link: <…>; rel="next"` header), with that header when more follow.
 */
export function pageOf<T>(
  items: T[],
  requestUrl: URL,
  defaultLimit: number,
): { items: T[]; headers: Record<string, string> } {
  const limit = positiveInt(requestUrl.searchParams.get('limit')) ?? defaultLimit;
  const page = positiveInt(requestUrl.searchParams.get('page')) ?? 1;
  const slice = items.slice((page - 1) * limit, page * limit);
  if (page * limit >= items.length) return { items: slice, headers: {} };
  const next = new URL(requestUrl);
  next.searchParams.set('page', String(page + 1));
  next.searchParams.set('limit', String(limit));
  return { items: slice, headers: { link: `<${next.href}>; rel="next"` } };
}

const positiveInt = (v: string | null) => {
  const n = Number(v);
  return v !== null && Number.isInteger(n) && n > 0 ? n : null;
};
