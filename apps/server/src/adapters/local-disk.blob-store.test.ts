import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { blobStoreContract } from '../ports/blob-store.contract.js';
import { LocalDiskBlobStore } from './local-disk.blob-store.js';

const tempRoot = () => mkdtemp(path.join(os.tmpdir(), 'invigil-blobs-'));

blobStoreContract('local disk', async () => {
  const root = await tempRoot();
  return {
    store: await LocalDiskBlobStore.open(root),
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
});

describe('local disk blob store', () => {
  const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

  it('maps a key to the same relative path and leaves no temp file behind', async () => {
    const root = await tempRoot();
    const store = await LocalDiskBlobStore.open(root);
    const bytes = Buffer.from('hello');
    await store.put('sessions/s1/media/webcam/0-abc.webm', bytes, {
      contentType: 'video/webm',
      sha256: sha(bytes),
    });
    expect(await readdir(path.join(root, 'sessions/s1/media/webcam'))).toEqual(['0-abc.webm']);
    await expect(
      store.put('sessions/s1/bad.webm', bytes, {
        contentType: 'video/webm',
        sha256: sha(bytes.subarray(1)),
      }),
    ).rejects.toThrow(/mismatch/);
    expect(await readdir(path.join(root, '.tmp'))).toEqual([]);
    await rm(root, { recursive: true, force: true });
  });

  it('creates a folder again when it was removed after the store last wrote there', async () => {
    const root = await tempRoot();
    const store = await LocalDiskBlobStore.open(root);
    const bytes = Buffer.from('again');
    const meta = { contentType: 'video/webm', sha256: sha(bytes) };
    await store.put('sessions/s2/media/webcam/0-a.webm', bytes, meta);
    await rm(path.join(root, 'sessions/s2'), { recursive: true });
    await store.put('sessions/s2/media/webcam/1-a.webm', bytes, meta);
    expect(await readdir(path.join(root, 'sessions/s2/media/webcam'))).toEqual(['1-a.webm']);
    expect(await readdir(path.join(root, '.tmp'))).toEqual([]);
    await rm(root, { recursive: true, force: true });
  });

  it('removes stale temp files a crash left behind when it opens, keeping recent ones', async () => {
    const root = await tempRoot();
    await LocalDiskBlobStore.open(root);
    const stale = path.join(root, '.tmp', 'stale.part');
    const fresh = path.join(root, '.tmp', 'fresh.part');
    await writeFile(stale, 'half a segment');
    await writeFile(fresh, 'being written');
    const twoDaysAgo = new Date(Date.now() - 48 * 3_600_000);
    await utimes(stale, twoDaysAgo, twoDaysAgo);
    await LocalDiskBlobStore.open(root);
    expect(await readdir(path.join(root, '.tmp'))).toEqual(['fresh.part']);
    await rm(root, { recursive: true, force: true });
  });
});
