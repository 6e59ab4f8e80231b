import { createHash } from 'node:crypto';
import { IDBFactory } from 'fake-indexeddb';
import { afterEach, describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff';
import { CaptureStore, type NewItem } from './capture-store';
import { sha256Hex } from './hash';
import { UploadQueue, type CsrfSource, type UploadQueueOptions } from './upload-queue';

const SESSION = '11111111-1111-4111-8111-111111111111';

interface Call {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: unknown;
}

type Reply = number | 'network' | { status: number; body: unknown };

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
    const { status, body: payload } =
      typeof reply === 'number' ? { status: reply, body: { stored: true } } : reply;
    return new Response(JSON.stringify(payload), {
      status,
      headers: { 'content-type': 'application/json' },
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
    const server = fakeFetch([
      { status: 409, body: { code: 'SESSION_NOT_RECORDING', message: 'not yet' } },
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
});
