import { IDBFactory } from 'fake-indexeddb';
import { afterEach, describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff';
import { closeQueues, fakeFetch, media, SESSION, setup, type Reply } from './upload-queue.fixtures';

/**
 * Proves the upload queue never loses an item to a passing failure: network errors, 5xx and
 * 429 are retried with backoff and jitter (or as long as the server says), a refusal that
 * depends on the moment is held for later, and a stale CSRF token is refreshed once.
 */

afterEach(closeQueues);

describe('UploadQueue', () => {
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
