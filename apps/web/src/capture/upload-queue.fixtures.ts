import { CaptureStore, type NewItem } from './capture-store';
import { sha256Hex } from './hash';
import { UploadQueue, type CsrfSource, type UploadQueueOptions } from './upload-queue';

/**
 * Shared set-up of the upload queue's unit tests: a fake server, media items and a queue over
 * fake IndexedDB whose timers never wait. Each test file closes what it opened with
 * `afterEach(closeQueues)`.
 */

/** The session every item of these tests belongs to. */
export const SESSION = '11111111-1111-4111-8111-111111111111';

/** One request the fake server received, its JSON body parsed. */
export interface Call {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: unknown;
}

/** How the fake server answers one request: a status, a network failure, or a full reply. */
export type Reply =
  number | 'network' | { status: number; body: unknown; headers?: Record<string, string> };

/** A fake server: answers each call from `replies` in turn (201 once they run out). */
export function fakeFetch(replies: Reply[] = []) {
  const calls: Call[] = [];
  const fn = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const body = init?.body;
    calls.push({
      url: String(input),
      method: init?.method ?? 'GET',
      headers: { ...(init?.headers as Record<string, string>) },
      body: typeof body === 'string' ? JSON.parse(body) : body,
    });
    const reply = replies.shift() ?? 201;
    if (reply === 'network') throw new TypeError('Failed to fetch');
    const {
      status,
      body: payload,
      headers = {},
    } = typeof reply === 'number' ? { status: reply, body: { stored: true } } : reply;
    return new Response(JSON.stringify(payload), {
      status,
      headers: { 'content-type': 'application/json', ...headers },
    });
  }) as typeof fetch;
  return { fn, calls };
}

const csrf: CsrfSource = { get: async () => 'token-1', refresh: async () => 'token-2' };

/** A six-second recording segment of 1000 bytes, all `fill`, starting at `startMs`. */
export async function media(
  track: 'webcam' | 'screen',
  startMs: number,
  fill = 1,
): Promise<NewItem> {
  const bytes = new Uint8Array(1000).fill(fill).buffer;
  return {
    kind: 'media',
    track,
    bytes,
    sha256: await sha256Hex(bytes),
    contentType: 'video/webm;codecs=vp8,opus',
    startMs,
    endMs: startMs + 6000,
  };
}

let stores: CaptureStore[] = [];
let queues: UploadQueue[] = [];

/** Stops every queue and closes every store `setup` opened since the last call. */
export async function closeQueues(): Promise<void> {
  for (const q of queues) await q.stop();
  for (const s of stores) await s.close();
  queues = [];
  stores = [];
}

/**
 * A queue over its own store on `factory` (pass the same factory to simulate a reload), with a
 * server that accepts everything, a sleep that records its delay and returns at once, and a
 * fixed jitter; `options` replaces any of these.
 */
export function setup(factory: IDBFactory, options: Partial<UploadQueueOptions> = {}) {
  const store = new CaptureStore(factory);
  stores.push(store);
  const sleeps: number[] = [];
  const queue = new UploadQueue(SESSION, {
    store,
    csrf,
    fetch: fakeFetch().fn,
    sleep: async (ms) => {
      sleeps.push(ms);
      await new Promise((resolve) => setTimeout(resolve, 0));
    },
    random: () => 0.5,
    isOnline: () => true,
    ...options,
  });
  queues.push(queue);
  return { store, queue, sleeps };
}
