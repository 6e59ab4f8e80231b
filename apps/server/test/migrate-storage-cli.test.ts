import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalDiskBlobStore } from '../src/adapters/local-disk.blob-store.js';
import {
  type CephServer,
  cephClient,
  cephSkipReason,
  createBucket,
  startCeph,
} from './helpers/ceph.js';

const skip = cephSkipReason();
const cli = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cli.js');
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** `invigil migrate-storage --to s3` as an operator runs it, into a real Ceph RGW bucket. */
describe.skipIf(skip !== null)('invigil migrate-storage', () => {
  const bucket = 'invigil-migrated';
  let ceph: CephServer;
  let dataDir: string;
  let env: Record<string, string>;
  const run = (args: string[], extra: Record<string, string> = {}) =>
    spawnSync(process.execPath, [cli, 'migrate-storage', ...args], {
      encoding: 'utf8',
      env: { ...process.env, DATA_DIR: dataDir, ...env, ...extra },
      timeout: 120_000,
    });

  beforeAll(async () => {
    ceph = await startCeph();
    await createBucket(ceph, bucket);
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'invigil-migrate-'));
    env = {
      S3_ENDPOINT: ceph.endpoint,
      S3_BUCKET: bucket,
      S3_ACCESS_KEY_ID: ceph.accessKeyId,
      S3_SECRET_ACCESS_KEY: ceph.secretAccessKey,
    };
    const local = await LocalDiskBlobStore.open(path.join(dataDir, 'blobs'));
    for (const [key, text] of [
      ['sessions/a/media/webcam/0.webm', 'first segment'],
      ['sessions/a/snapshots/webcam/0.jpg', 'a snapshot'],
      ['sessions/b/media/screen/3.webm', 'another session'],
    ] as const) {
      const bytes = Buffer.from(text);
      await local.put(key, bytes, { contentType: 'video/webm', sha256: sha(bytes) });
    }
  }, 180_000);
  afterAll(async () => {
    await ceph?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('copies every local blob into the bucket, verifies it, and copies nothing twice', async () => {
    const first = run(['--to', 's3']);
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/Copied 3 \(verified 3\), already there 0, failed 0/);
    expect(first.stdout).toMatch(/Set BLOB_STORE=s3 and restart/);
    expect(first.stdout + first.stderr).not.toContain(ceph.secretAccessKey);
    const listed = await cephClient(ceph).send(new ListObjectsV2Command({ Bucket: bucket }));
    expect(listed.Contents?.map((o) => o.Key).sort()).toEqual([
      'sessions/a/media/webcam/0.webm',
      'sessions/a/snapshots/webcam/0.jpg',
      'sessions/b/media/screen/3.webm',
    ]);
    const again = run(['--to', 's3']);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/Copied 0 \(verified 0\), already there 3, failed 0/);
  });

  it('says what is missing: the target, or the bucket settings', () => {
    const noTarget = run(['--to', 'tape']);
    expect(noTarget.status).toBe(2);
    expect(noTarget.stderr).toMatch(/Usage: invigil migrate-storage --to s3/);
    const noBucket = run(['--to', 's3'], { S3_BUCKET: '' });
    expect(noBucket.status).toBe(2);
    expect(noBucket.stderr).toMatch(/S3_BUCKET/);
  });

  it('fails without switching when the bucket cannot be reached', () => {
    const wrong = run(['--to', 's3'], { S3_SECRET_ACCESS_KEY: 'not-the-secret' });
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toMatch(/invigil-migrated/);
    expect(wrong.stderr).not.toContain('not-the-secret');
  });
});
