import { createHash } from 'node:crypto';
import { IDBFactory } from 'fake-indexeddb';
import { afterEach, describe, expect, it } from 'vitest';
import { closeQueues, fakeFetch, media, SESSION, setup } from './upload-queue.fixtures';

/**
 * Proves the upload queue delivers what the page records: items are persisted before they are
 * sent, survive a reload without reusing a sequence number, leave on the server's ack (a
 * duplicate included), and the queue reports its backlog and what is still waiting.
 */

afterEach(closeQueues);

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
});
