import { UPLOAD_HEADERS } from '@invigil/contracts';
import type { StoredItem } from './capture-store';
import { isPermanentRefusal } from './upload-refusals';

/** How one upload ended. */
export type Outcome =
  | { kind: 'acked' }
  | { kind: 'dropped'; code: string; status: number }
  /** Try again after a backoff, or after `afterMs` when the server said when (429 retry-after). */
  | { kind: 'retry'; network: boolean; message: string; afterMs?: number }
  | { kind: 'hold'; code: string; message: string };

/**
 * Sends one stored item to the server (an event batch as JSON, a segment or snapshot as raw
 * bytes with its hash and times in headers) and says how it ended. Never throws: a network
 * failure is a retry.
 */
export async function sendItem(
  fetchFn: typeof fetch,
  item: StoredItem,
  csrf: string | null,
  signal: AbortSignal,
): Promise<Outcome> {
  const base = `/api/sessions/${encodeURIComponent(item.sessionId)}`;
  const headers: Record<string, string> = { accept: 'application/json' };
  if (csrf) headers['x-csrf-token'] = csrf;
  let url: string;
  let method: 'PUT' | 'POST';
  let body: BodyInit;
  if (item.kind === 'events') {
    url = `${base}/events`;
    method = 'POST';
    headers['content-type'] = 'application/json';
    body = JSON.stringify({ events: item.events ?? [] });
  } else {
    const segment = item.kind === 'media';
    url = `${base}/${segment ? 'media' : 'snapshots'}/${item.name}/${item.seq}`;
    method = 'PUT';
    headers['content-type'] = item.contentType;
    headers[UPLOAD_HEADERS.sha256] = item.sha256;
    if (segment) {
      headers[UPLOAD_HEADERS.startMs] = String(item.startMs ?? 0);
      headers[UPLOAD_HEADERS.endMs] = String(item.endMs ?? 0);
    } else {
      headers[UPLOAD_HEADERS.takenMs] = String(item.takenMs ?? 0);
    }
    body = item.bytes ?? new ArrayBuffer(0);
  }
  let response: Response;
  try {
    response = await fetchFn(url, {
      method,
      headers,
      body,
      credentials: 'same-origin',
      signal,
    });
  } catch {
    return {
      kind: 'retry',
      network: true,
      message: 'Cannot reach the server; recordings are kept on this computer.',
    };
  }
  if (response.status === 200 || response.status === 201) {
    await response.body?.cancel().catch(() => undefined);
    return { kind: 'acked' };
  }
  const code = await errorCode(response);
  if (isPermanentRefusal(response.status, code)) {
    return { kind: 'dropped', code, status: response.status };
  }
  const retryAfter = Number(response.headers.get('retry-after'));
  if (response.status === 429 && Number.isFinite(retryAfter) && retryAfter > 0) {
    // Rate limited: wait as long as the server says, then send the same item again.
    return {
      kind: 'retry',
      network: false,
      afterMs: Math.min(retryAfter, 600) * 1000,
      message: `The server asked to slow down; uploads resume in ${Math.ceil(retryAfter)} s.`,
    };
  }
  if (response.status >= 500 || response.status === 429 || response.status === 408) {
    return {
      kind: 'retry',
      network: false,
      message: `The server is not accepting uploads right now (HTTP ${response.status}).`,
    };
  }
  if (response.status === 401) {
    return {
      kind: 'retry',
      network: false,
      message: 'You are signed out. Sign in again to upload the recordings.',
    };
  }
  return {
    kind: 'hold',
    code,
    message: `The server refused an upload (${code}); it is kept and will be retried.`,
  };
}

async function errorCode(response: Response): Promise<string> {
  try {
    const body = (await response.json()) as { code?: unknown };
    if (typeof body.code === 'string') return body.code;
  } catch {
    // Not our JSON error body (a proxy page): fall back to the status.
  }
  return `HTTP_${response.status}`;
}
