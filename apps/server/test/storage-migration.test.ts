import { buffer } from 'node:stream/consumers';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LocalDiskBlobStore } from '../src/adapters/local-disk.blob-store.js';
import { MULTIPART_THRESHOLD, S3BlobStore } from '../src/adapters/s3.blob-store.js';
import {
  migrateStorage,
  type MigrationTarget,
} from '../src/services/recording/storage-migration.js';
import { type CephServer, cephSkipReason, createBucket, startCeph } from './helpers/ceph.js';

const skip = cephSkipReason();

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function collect(keys: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const key of keys) out.push(key);
  return out.sort();
}

/** A recording key as the server names it: `<seq>-<sha256>-<random>.<ext>`. */
const segmentKey = (session: string, seq: number, bytes: Buffer, ext = 'webm') =>
  `sessions/${session}/media/webcam/${seq}-${sha(bytes)}-${randomBytes(4).toString('hex')}.${ext}`;

function collectingLog() {
  const lines: string[] = [];
  return {
    lines,
    log: { info: (m: string) => void lines.push(m), warn: (m: string) => void lines.push(m) },
  };
}

describe.skipIf(skip !== null)('storage migration from local disk to a real Ceph RGW', () => {
  const bucket = 'invigil-migration';
  let ceph: CephServer;
  const cleanups: (() => Promise<void> | void)[] = [];

  beforeAll(async () => {
    ceph = await startCeph();
    console.log(`Ceph RGW started in ${(ceph.startMs / 1000).toFixed(1)} s on ${ceph.endpoint}`);
    await createBucket(ceph, bucket);
  }, 180_000);
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });
  afterAll(async () => ceph?.stop());

  /** A fresh local store and an S3 store under its own prefix, removed after the test. */
  async function stores() {
    const root = await mkdtemp(path.join(os.tmpdir(), 'invigil-migrate-'));
    const local = await LocalDiskBlobStore.open(root);
    const s3 = await S3BlobStore.open({
      endpoint: ceph.endpoint,
      region: ceph.region,
      bucket,
      accessKeyId: ceph.accessKeyId,
      secretAccessKey: ceph.secretAccessKey,
      forcePathStyle: true,
      prefix: `run-${randomBytes(4).toString('hex')}`,
    });
    cleanups.push(
      () => s3.close(),
      () => rm(root, { recursive: true, force: true }),
    );
    return { root, local, s3 };
  }

  /** Store `bytes` locally under a server-style key and return the key. */
  async function putLocal(local: LocalDiskBlobStore, key: string, bytes: Buffer) {
    await local.put(key, bytes, { contentType: 'video/webm', sha256: sha(bytes) });
    return key;
  }

  it('copies every blob, verifies each, skips the temp folder, and a second run copies nothing', async () => {
    const { root, local, s3 } = await stores();
    const blobs = new Map<string, Buffer>();
    for (let seq = 0; seq < 5; seq++) {
      const bytes = randomBytes(1000 + seq * 4096);
      blobs.set(await putLocal(local, segmentKey('s1', seq, bytes), bytes), bytes);
    }
    const big = randomBytes(MULTIPART_THRESHOLD + 4096);
    blobs.set(await putLocal(local, segmentKey('s2', 0, big), big), big);
    const photo = randomBytes(2048);
    blobs.set(await putLocal(local, segmentKey('s2', 1, photo, 'jpg'), photo), photo);
    const empty = Buffer.alloc(0);
    blobs.set(await putLocal(local, 'sessions/s3/notes/empty.bin', empty), empty);
    // Not blobs: a half-written temp file and a file someone left by hand.
    await writeFile(path.join(root, '.tmp', 'left-over.part'), 'half a segment');
    await writeFile(path.join(root, 'sessions', '.DS_Store'), 'finder');

    expect(await collect(local.keys())).toEqual([...blobs.keys()].sort());

    const first = collectingLog();
    const report = await migrateStorage(local, s3, { log: first.log });
    expect(report).toEqual({ copied: 8, skipped: 0, verified: 8, failed: [] });
    expect(first.lines.at(-1)).toBe(
      'done: 8 blobs, 8 copied (8 verified), 0 already there, 0 failed',
    );

    expect(await collect(s3.keys())).toEqual([...blobs.keys()].sort());
    for (const [key, bytes] of blobs) {
      const read = await s3.get(key);
      expect(read?.size, key).toBe(bytes.length);
      expect(sha(await buffer(read!.stream)), key).toBe(sha(bytes));
      expect((await s3.stat(key))?.sha256, key).toBe(sha(bytes));
      // The local copy stays.
      expect(sha(await readFile(path.join(root, ...key.split('/')))), key).toBe(sha(bytes));
    }

    const second = await migrateStorage(local, s3, { log: collectingLog().log });
    expect(second).toEqual({ copied: 0, skipped: 8, verified: 0, failed: [] });
  });

  it('resumes an interrupted run and replaces a target object whose bytes differ', async () => {
    const { local, s3 } = await stores();
    const keys: string[] = [];
    const bytesOf = new Map<string, Buffer>();
    for (let seq = 0; seq < 6; seq++) {
      const bytes = randomBytes(3000);
      const key = await putLocal(local, segmentKey('s1', seq, bytes), bytes);
      keys.push(key);
      bytesOf.set(key, bytes);
    }
    // An earlier run got through three blobs; a fourth object has stale bytes of the same size.
    for (const key of keys.slice(0, 3)) {
      const bytes = bytesOf.get(key)!;
      await s3.put(key, bytes, { contentType: 'video/webm', sha256: sha(bytes) });
    }
    const stale = randomBytes(3000);
    await s3.put(keys[3]!, stale, { contentType: 'video/webm', sha256: sha(stale) });

    const report = await migrateStorage(local, s3, { log: collectingLog().log, concurrency: 2 });
    expect(report).toEqual({ copied: 3, skipped: 3, verified: 3, failed: [] });
    const back = await buffer((await s3.get(keys[3]!))!.stream);
    expect(sha(back)).toBe(sha(bytesOf.get(keys[3]!)!));
  });

  it('refuses to copy a recording damaged on disk and reports it, copying the rest', async () => {
    const { root, local, s3 } = await stores();
    const good = randomBytes(500);
    const goodKey = await putLocal(local, segmentKey('s1', 0, good), good);
    const original = randomBytes(500);
    const damagedKey = await putLocal(local, segmentKey('s1', 1, original), original);
    const damaged = Buffer.from(original);
    damaged[10] = damaged[10]! ^ 0xff;
    await writeFile(path.join(root, ...damagedKey.split('/')), damaged);

    const { lines, log } = collectingLog();
    const report = await migrateStorage(local, s3, { log });
    expect(report.copied).toBe(1);
    expect(report.verified).toBe(1);
    expect(report.failed).toEqual([
      {
        key: damagedKey,
        reason: `the bytes on disk do not match the SHA-256 in the name (${sha(damaged)})`,
      },
    ]);
    expect(lines).toContain(`failed ${damagedKey}: ${report.failed[0]!.reason}`);
    expect(await s3.exists(goodKey)).toBe(true);
    expect(await s3.exists(damagedKey)).toBe(false);
  });

  it('leaves out a file far larger than any blob instead of reading it into memory', async () => {
    const { root, local, s3 } = await stores();
    const key = 'sessions/s1/export.bin';
    const file = path.join(root, ...key.split('/'));
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, '');
    await truncate(file, 300 * 1024 * 1024); // sparse: costs no disk
    const report = await migrateStorage(local, s3, { log: collectingLog().log });
    expect(report.failed).toEqual([
      {
        key,
        reason: `${300 * 1024 * 1024} bytes is more than a blob the server writes; not copied`,
      },
    ]);
    expect(await s3.exists(key)).toBe(false);
  });

  it('reports a copy that reads back wrong, removes it from the target, and copies it next time', async () => {
    const { local, s3 } = await stores();
    const bytes = randomBytes(4000);
    const key = await putLocal(local, segmentKey('s1', 0, bytes), bytes);
    // The real bucket behind a reader that flips one byte on the way back, as a faulty
    // gateway or disk would.
    const faulty: MigrationTarget = {
      put: (k, b, m) => s3.put(k, b, m),
      head: (k) => s3.head(k),
      stat: (k) => s3.stat(k),
      delete: (k) => s3.delete(k),
      exists: (k) => s3.exists(k),
      get: async (k, range) => {
        const read = await s3.get(k, range);
        if (!read) return read;
        const wrong = await buffer(read.stream);
        wrong[0] = wrong[0]! ^ 1;
        return { size: read.size, stream: Readable.from([wrong]) };
      },
    };

    const report = await migrateStorage(local, faulty, { log: collectingLog().log });
    expect(report.copied).toBe(1);
    expect(report.verified).toBe(0);
    expect(report.failed).toHaveLength(1);
    expect(report.failed[0]!.key).toBe(key);
    expect(report.failed[0]!.reason).toMatch(
      /^read back 4000 bytes with SHA-256 [0-9a-f]{64}, expected 4000 bytes with /,
    );
    expect(await s3.exists(key)).toBe(false);

    const retry = await migrateStorage(local, s3, { log: collectingLog().log });
    expect(retry).toEqual({ copied: 1, skipped: 0, verified: 1, failed: [] });
  });

  it('migrates an empty store as nothing', async () => {
    const { local, s3 } = await stores();
    expect(await collect(local.keys())).toEqual([]);
    expect(await migrateStorage(local, s3, { log: collectingLog().log })).toEqual({
      copied: 0,
      skipped: 0,
      verified: 0,
      failed: [],
    });
  });
});
