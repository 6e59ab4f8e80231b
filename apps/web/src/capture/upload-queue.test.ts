import { createHash } from 'node:crypto';
import { IDBFactory } from 'fake-indexeddb';
import { afterEach, describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff';
import { CaptureStore, type NewItem } from './capture-store';
import { sha256Hex } from './hash';
import {
  isPermanentRefusal,
  refusalMessage,
  UploadQueue,
  type CsrfSource,
  type UploadQueueOptions,
} from './upload-queue';

const SESSION = '11111111-1111-4111-8111-111111111111';

interface Call {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: unknown;
}

type Reply =
  number | 'network' | { status: number; body: unknown; headers?: Record<string, string> };

/** A fake server: answers each call from `replies` in turn (201 once they run out). */
function fakeFetch(replies: Reply[] = []) {
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

async function media(track: 'webcam' | 'screen', startMs: number, fill = 1): Promise<NewItem> {
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
afterEach(async () => {
  for (const q of queues) await q.stop();
  for (const s of stores) await s.close();
  queues = [];
  stores = [];
});

function setup(factory: IDBFactory, options: Partial<UploadQueueOptions> = {}) {
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

describe('UploadQueue', () => {
  it('persists before uploading and uploads with the hash, times and CSRF headers', async () => {
    const factory = new IDBFactory();
    const server = fakeFetch();
    const { queue, store } = setup(factory, { fetch: server.fn });
    const item = await media('webcam', 1_000);
    const meta = await queue.add(item);
    expect(meta.seq).toBe(0);
    expect((await store.list(SESSION)).map((m) => m.key)).toEqual([meta.key]);

    queue.start();
    await queue.whenDrained();
    expect(await store.list(SESSION)).toEqual([]);
    expect(server.calls).toHaveLength(1);
    const [call] = server.calls;
    expect(call?.method).toBe('PUT');
    expect(call?.url).toBe(`/api/sessions/${SESSION}/media/webcam/0`);
    const expected = createHash('sha256').update(new Uint8Array(1000).fill(1)).digest('hex');
    expect(call?.headers).toMatchObject({
      'x-sha256': expected,
      'x-start-ms': '1000',
      'x-end-ms': '7000',
      'x-csrf-token': 'token-1',
      'content-type': 'video/webm;codecs=vp8,opus',
    });
    expect(queue.getStatus()).toMatchObject({ pending: 0, uploadedBytes: 1000, offline: false });
  });

  it('keeps items across a reload: a new queue on the same database drains them', async () => {
    const factory = new IDBFactory();
    // A frozen clock: items persisted in the same millisecond must keep their order.
    const first = setup(factory, {
      fetch: fakeFetch(['network', 'network', 'network']).fn,
      now: () => 5_000,
    });
    await first.queue.add(await media('webcam', 0));
    await first.queue.add(await media('screen', 0));
    await first.queue.addEvents([{ type: 'page.hidden', at: 5, data: {} }]);
    // The page goes away before anything is acknowledged.
    await first.queue.stop();
    await first.store.close();

    const server = fakeFetch();
    const second = setup(factory, { fetch: server.fn });
    second.queue.start();
    await second.queue.whenDrained();
    expect(server.calls.map((c) => c.url)).toEqual([
      `/api/sessions/${SESSION}/events`,
      `/api/sessions/${SESSION}/media/webcam/0`,
      `/api/sessions/${SESSION}/media/screen/0`,
    ]);
    expect(server.calls[0]?.body).toEqual({
      events: [{ seq: 0, type: 'page.hidden', at: 5, data: {} }],
    });
    expect(await second.store.list(SESSION)).toEqual([]);
  });

  it('never reuses a sequence number after a reload', async () => {
    const factory = new IDBFactory();
    const first = setup(factory);
    for (let i = 0; i < 3; i += 1) await first.queue.add(await media('webcam', i * 6000));
    await first.queue.addEvents([
      { type: 'window.blur', at: 1, data: {} },
      { type: 'window.focus', at: 2, data: {} },
    ]);
    await first.store.close();

    const second = setup(factory);
    expect((await second.queue.add(await media('webcam', 18_000))).seq).toBe(3);
    expect((await second.queue.add(await media('screen', 0))).seq).toBe(0);
    const batch = await second.queue.addEvents([{ type: 'page.load', at: 3, data: {} }]);
    expect(batch.seq).toBe(2);
    expect((await second.store.get(batch.key))?.events?.[0]?.seq).toBe(2);
  });

  it('retries network failures and 5xx with capped exponential backoff and jitter', async () => {
    const factory = new IDBFactory();
    const replies: Reply[] = [
      'network',
      'network',
      503,
      'network',
      'network',
      'network',
      'network',
    ];
    const server = fakeFetch(replies);
    const statuses: boolean[] = [];
    const { queue, sleeps } = setup(factory, { fetch: server.fn, random: () => 1 });
    queue.subscribe((s) => statuses.push(s.offline));
    await queue.add(await media('webcam', 0));
    queue.start();
    await queue.whenDrained();
    expect(server.calls).toHaveLength(8);
    // 500, 1000, 2000, … capped at 10 s.
    expect(sleeps).toEqual([500, 1000, 2000, 4000, 8000, 10_000, 10_000]);
    expect(statuses).toContain(true);
    expect(queue.getStatus().offline).toBe(false);
  });

  it('spreads retries with jitter between half and the whole step', () => {
    expect(backoffDelay(1, () => 0)).toBe(250);
    expect(backoffDelay(1, () => 1)).toBe(500);
    expect(backoffDelay(20, () => 0)).toBe(5000);
    expect(backoffDelay(20, () => 0.999)).toBeLessThanOrEqual(10_000);
  });

  it('removes an item on a 200 duplicate ack and on an event batch ack', async () => {
    const factory = new IDBFactory();
    const server = fakeFetch([
      { status: 200, body: { accepted: [], duplicates: [0] } },
      { status: 200, body: { stored: true, duplicate: true, sha256: 'x' } },
    ]);
    const { queue, store } = setup(factory, { fetch: server.fn });
    await queue.add(await media('screen', 0));
    await queue.addEvents([{ type: 'page.visible', at: 1, data: {} }]);
    queue.start();
    await queue.whenDrained();
    expect(await store.list(SESSION)).toEqual([]);
    expect(server.calls).toHaveLength(2);
  });

  it('drops a conflicting segment and a hash mismatch without retrying, and logs them as events', async () => {
    const factory = new IDBFactory();
    const dropped: string[] = [];
    const server = fakeFetch([
      { status: 409, body: { code: 'UPLOAD_CONFLICT', message: 'different bytes' } },
      // The recording.error event goes first (events before media).
      { status: 201, body: { accepted: [0], duplicates: [] } },
      { status: 400, body: { code: 'HASH_MISMATCH', message: 'bad hash' } },
    ]);
    const { queue, store } = setup(factory, {
      fetch: server.fn,
      onDropped: (item, code) => dropped.push(`${item.name}/${item.seq}:${code}`),
    });
    await queue.add(await media('webcam', 0));
    await queue.add({
      kind: 'snapshot',
      snapshotKind: 'webcam',
      bytes: new Uint8Array([1, 2, 3]).buffer,
      sha256: 'wrong',
      contentType: 'image/jpeg',
      takenMs: 42,
    });
    queue.start();
    await queue.whenDrained();
    expect(dropped).toEqual(['webcam/0:UPLOAD_CONFLICT', 'webcam/0:HASH_MISMATCH']);
    // Two failed uploads, then the two recording.error events, each exactly once.
    const urls = server.calls.map((c) => c.url);
    expect(urls.filter((u) => u.includes('/media/'))).toHaveLength(1);
    expect(urls.filter((u) => u.includes('/snapshots/webcam/0'))).toHaveLength(1);
    const events = server.calls
      .filter((c) => c.url.endsWith('/events'))
      .flatMap((c) => (c.body as { events: { type: string; data: unknown }[] }).events);
    expect(events.map((e) => [e.type, (e.data as { reason: string }).reason])).toEqual([
      ['recording.error', 'UPLOAD_CONFLICT'],
      ['recording.error', 'HASH_MISMATCH'],
    ]);
    expect(server.calls[2]?.headers['x-taken-ms']).toBe('42');
    expect(await store.list(SESSION)).toEqual([]);
  });

  it('keeps an item the server refuses for now and retries it later', async () => {
    const factory = new IDBFactory();
    // Another account is signed in in this browser for now: not a verdict on the item.
    const server = fakeFetch([
      { status: 403, body: { code: 'FORBIDDEN', message: 'only the student uploads' } },
    ]);
    let now = 1_000;
    // Time stands still here: only retryNow() brings the held item back.
    const { queue, store } = setup(factory, {
      fetch: server.fn,
      now: () => now,
      sleep: () => new Promise(() => undefined),
    });
    const meta = await queue.add(await media('room_scan' as 'webcam', 0));
    queue.start();
    await expect.poll(() => server.calls.length).toBe(1);
    expect(queue.isPending(meta.key)).toBe(true);
    expect((await store.list(SESSION)).length).toBe(1);
    now += 60_000;
    queue.retryNow();
    await queue.whenDrained();
    expect(server.calls).toHaveLength(2);
  });

  it('fetches a fresh CSRF token once when the server rejects the old one', async () => {
    const factory = new IDBFactory();
    const server = fakeFetch([{ status: 403, body: { code: 'CSRF_FAILED', message: 'stale' } }]);
    const { queue } = setup(factory, { fetch: server.fn });
    await queue.add(await media('webcam', 0));
    queue.start();
    await queue.whenDrained();
    expect(server.calls.map((c) => c.headers['x-csrf-token'])).toEqual(['token-1', 'token-2']);
  });

  it('reports the media backlog and logs upload.backlog once when it grows too long', async () => {
    const factory = new IDBFactory();
    const { queue, store } = setup(factory, { backlogWarnMs: 20_000 });
    for (let i = 0; i < 4; i += 1) await queue.add(await media('webcam', i * 6000));
    await queue.add(await media('screen', 0));
    expect(queue.getStatus()).toMatchObject({
      pending: 6,
      pendingMediaMs: 24_000,
      backlogWarning: true,
    });
    await queue.add(await media('webcam', 24_000));
    const metas = await store.list(SESSION);
    expect(metas.filter((m) => m.kind === 'events')).toHaveLength(1);
  });

  it('drops only an item the server refuses for good, tells the student, and keeps the rest', async () => {
    const factory = new IDBFactory();
    const dropped: string[] = [];
    const server = fakeFetch([
      // The first segment is over the exam's allowance.
      {
        status: 413,
        body: { code: 'QUOTA_EXCEEDED', message: 'over', details: { limit: 'bytes' } },
      },
      // Its recording.error event goes first (events before media), then the next segment.
      { status: 200, body: { accepted: [0], duplicates: [] } },
      201,
    ]);
    const { queue, store } = setup(factory, {
      fetch: server.fn,
      onDropped: (item, code) => dropped.push(`${item.name}/${item.seq}:${code}`),
    });
    await queue.add(await media('webcam', 0));
    await queue.add(await media('webcam', 6000, 2));
    queue.start();
    await queue.whenDrained();
    expect(dropped).toEqual(['webcam/0:QUOTA_EXCEEDED']);
    expect(server.calls.map((c) => c.url)).toEqual([
      `/api/sessions/${SESSION}/media/webcam/0`,
      `/api/sessions/${SESSION}/events`,
      `/api/sessions/${SESSION}/media/webcam/1`,
    ]);
    const [event] = (server.calls[1]?.body as { events: { type: string; data: unknown }[] }).events;
    expect(event).toMatchObject({
      type: 'recording.error',
      data: { reason: 'QUOTA_EXCEEDED', status: 413, item: 'media', name: 'webcam', seq: 0 },
    });
    expect(await store.list(SESSION)).toEqual([]);
    // The message stays after later successes: only the proctor can sort it out.
    expect(queue.getStatus()).toMatchObject({ pending: 0, lastError: null });
    expect(queue.getStatus().refusal).toMatch(/allowance.*proctor/);
  });

  it('treats a closed session, bytes that are no recording and an oversized image as refusals', async () => {
    for (const [code, status] of [
      ['SESSION_CLOSED', 409],
      ['CONTENT_MISMATCH', 415],
      ['IMAGE_TOO_LARGE', 413],
    ] as const) {
      const factory = new IDBFactory();
      const server = fakeFetch([{ status, body: { code, message: 'refused' } }]);
      const { queue, store } = setup(factory, { fetch: server.fn });
      // An event batch refused for good is dropped without logging another event about it.
      await queue.addEvents([{ type: 'page.visible', at: 1, data: {} }]);
      queue.start();
      await queue.whenDrained();
      expect(server.calls, code).toHaveLength(1);
      expect(await store.list(SESSION)).toEqual([]);
      expect(queue.getStatus().refusal, code).toBe(refusalMessage(code));
      expect(refusalMessage(code)).toMatch(/proctor/);
      await queue.stop();
    }
    expect(refusalMessage('UPLOAD_CONFLICT')).toBeNull();
  });

  it('drops identity photos refused for good, a session not recording and any other permanent 4xx, keeping the rest', async () => {
    const factory = new IDBFactory();
    const dropped: string[] = [];
    const refused = (status: number, code: string) => ({ status, body: { code, message: code } });
    const server = fakeFetch([
      refused(409, 'IDENTITY_LOCKED'),
      201, // its recording.error event
      refused(409, 'SESSION_NOT_RECORDING'),
      201,
      refused(409, 'EXAM_TIME_OVER'),
      201,
      // Not the API's own error body (a proxy's page): kept, as is a server error.
      { status: 404, body: 'Not Found' },
      503,
      201,
      201,
    ]);
    let now = 1_000;
    const { queue, store } = setup(factory, {
      fetch: server.fn,
      now: () => now,
      onDropped: (item, code) => dropped.push(`${item.name}/${item.seq}:${code}`),
    });
    const photo = (snapshotKind: 'id_face' | 'webcam', fill: number): NewItem => ({
      kind: 'snapshot',
      snapshotKind,
      bytes: new Uint8Array(10).fill(fill).buffer,
      sha256: 'x',
      contentType: 'image/jpeg',
      takenMs: 42,
    });
    await queue.add(photo('id_face', 1));
    await queue.add(await media('webcam', 0));
    await queue.add(await media('screen', 0));
    await queue.add(photo('webcam', 2));
    queue.start();
    await expect.poll(() => dropped.length).toBe(3);
    expect(dropped).toEqual([
      'id_face/0:IDENTITY_LOCKED',
      'webcam/0:SESSION_NOT_RECORDING',
      'screen/0:EXAM_TIME_OVER',
    ]);
    // The proxy's 404 is held, not dropped: a retry delivers it.
    now += 60_000;
    queue.retryNow();
    await queue.whenDrained();
    expect(await store.list(SESSION)).toEqual([]);
    const events = server.calls
      .filter((c) => c.url.endsWith('/events'))
      .flatMap((c) => (c.body as { events: { type: string; data: unknown }[] }).events);
    expect(events.map((e) => [e.type, (e.data as { reason: string }).reason])).toEqual([
      ['recording.error', 'IDENTITY_LOCKED'],
      ['recording.error', 'SESSION_NOT_RECORDING'],
      ['recording.error', 'EXAM_TIME_OVER'],
    ]);
    expect(server.calls.filter((c) => c.url.endsWith('/snapshots/webcam/0'))).toHaveLength(3);
    expect(refusalMessage('IDENTITY_LOCKED')).toMatch(/identity photos.*proctor/);
    expect(refusalMessage('SESSION_NOT_RECORDING')).toMatch(/not recording.*proctor/);
    expect(refusalMessage('EXAM_TIME_OVER')).toMatch(/for good \(EXAM_TIME_OVER\).*proctor/);
    expect(queue.getStatus().refusal).toBe(refusalMessage('EXAM_TIME_OVER'));
  });

  it('classifies refusals: the API’s 4xx codes are final, unless they depend on the moment', () => {
    for (const [status, code] of [
      [409, 'IDENTITY_LOCKED'],
      [409, 'SESSION_NOT_RECORDING'],
      [409, 'SESSION_CLOSED'],
      [413, 'QUOTA_EXCEEDED'],
      [409, 'UPLOAD_CONFLICT'],
      [400, 'VALIDATION_FAILED'],
    ] as const) {
      expect(isPermanentRefusal(status, code), code).toBe(true);
    }
    for (const [status, code] of [
      [401, 'UNAUTHENTICATED'],
      [403, 'CSRF_FAILED'],
      [403, 'FORBIDDEN'],
      [404, 'NOT_FOUND'],
      [409, 'CONFLICT'],
      [429, 'RATE_LIMITED'],
      [404, 'HTTP_404'],
      [500, 'INTERNAL'],
    ] as const) {
      expect(isPermanentRefusal(status, code), code).toBe(false);
    }
  });

  it('tells whether items of a kind are still waiting, identity photos included', async () => {
    const factory = new IDBFactory();
    const isIdentity = (i: { kind: string; name: string }) =>
      i.kind === 'snapshot' && i.name.startsWith('id_');
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const base = fakeFetch();
    const { queue } = setup(factory, {
      fetch: (async (...args: Parameters<typeof fetch>) => {
        if (String(args[0]).includes('/snapshots/id_')) await gate;
        return base.fn(...args);
      }) as typeof fetch,
    });
    // Before what an earlier page left is read, nothing can be said to have arrived.
    expect(queue.hasPending(isIdentity)).toBe(true);
    queue.start();
    await expect.poll(() => queue.getStatus().ready).toBe(true);
    expect(queue.hasPending(isIdentity)).toBe(false);
    await queue.add({
      kind: 'snapshot',
      snapshotKind: 'id_document',
      bytes: new Uint8Array(4).buffer,
      sha256: 'x',
      contentType: 'image/jpeg',
      takenMs: 1,
    });
    await queue.add(await media('webcam', 0));
    expect(queue.hasPending(isIdentity)).toBe(true);
    release();
    await queue.whenDrained();
    expect(queue.hasPending(isIdentity)).toBe(false);
  });

  it('waits as long as a 429 says and sends the same item again, never dropping it', async () => {
    const factory = new IDBFactory();
    const server = fakeFetch([
      {
        status: 429,
        body: { code: 'RATE_LIMITED', message: 'slow down' },
        headers: { 'retry-after': '7' },
      },
      { status: 429, body: { code: 'RATE_LIMITED', message: 'slow down' } },
      201,
    ]);
    const dropped: string[] = [];
    const { queue, sleeps, store } = setup(factory, {
      fetch: server.fn,
      random: () => 1,
      onDropped: (_item, code) => dropped.push(code),
    });
    const meta = await queue.add(await media('screen', 0));
    queue.start();
    await queue.whenDrained();
    // retry-after: 7 s; without one, the usual backoff (second failure: 1 s).
    expect(sleeps).toEqual([7000, 1000]);
    expect(server.calls.map((c) => c.url)).toEqual(
      Array.from({ length: 3 }, () => `/api/sessions/${SESSION}/media/screen/${meta.seq}`),
    );
    expect(dropped).toEqual([]);
    expect(await store.list(SESSION)).toEqual([]);
    expect(queue.getStatus()).toMatchObject({ offline: false, refusal: null, uploadedBytes: 1000 });
  });
});
