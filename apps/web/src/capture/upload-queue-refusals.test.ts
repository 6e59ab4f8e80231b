import { IDBFactory } from 'fake-indexeddb';
import { afterEach, describe, expect, it } from 'vitest';
import type { NewItem } from './capture-store';
import { isPermanentRefusal, refusalMessage } from './upload-queue';
import { closeQueues, fakeFetch, media, SESSION, setup } from './upload-queue.fixtures';

/**
 * Proves the upload queue drops only what the server refuses for good: each dropped item is
 * logged as a `recording.error` event, the student is told when only a proctor can help, the
 * rest keeps flowing, and the API's 4xx codes are classified as final or passing.
 */

afterEach(closeQueues);

describe('UploadQueue', () => {
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
});
