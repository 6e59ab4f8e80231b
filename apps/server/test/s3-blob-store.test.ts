import { buffer } from 'node:stream/consumers';
import { createHash, randomBytes } from 'node:crypto';
import {
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MULTIPART_THRESHOLD,
  PART_SIZE,
  S3BlobStore,
  type S3BlobStoreOptions,
} from '../src/adapters/s3.blob-store.js';
import { blobStoreContract } from '../src/ports/blob-store.contract.js';
import { BlobIntegrityError } from '../src/ports/blob-store.port.js';
import {
  type CephServer,
  cephClient,
  cephSkipReason,
  createBucket,
  startCeph,
} from './helpers/ceph.js';

const skip = cephSkipReason();

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const meta = (b: Buffer) => ({ contentType: 'video/webm', sha256: sha(b) });

async function collect(keys: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const key of keys) out.push(key);
  return out;
}

describe.skipIf(skip !== null)('S3 blob store on a real Ceph RGW', () => {
  const bucket = 'invigil-blobs';
  let ceph: CephServer;
  let admin: S3Client;
  const stores: S3BlobStore[] = [];

  const options = (overrides: Partial<S3BlobStoreOptions> = {}): S3BlobStoreOptions => ({
    endpoint: ceph.endpoint,
    region: ceph.region,
    bucket,
    accessKeyId: ceph.accessKeyId,
    secretAccessKey: ceph.secretAccessKey,
    forcePathStyle: true,
    ...overrides,
  });
  const open = async (overrides: Partial<S3BlobStoreOptions> = {}) => {
    const store = await S3BlobStore.open(options(overrides));
    stores.push(store);
    return store;
  };

  beforeAll(async () => {
    ceph = await startCeph();
    console.log(`Ceph RGW started in ${(ceph.startMs / 1000).toFixed(1)} s on ${ceph.endpoint}`);
    admin = cephClient(ceph);
    await createBucket(ceph, bucket);
  }, 180_000);
  afterAll(async () => {
    for (const store of stores) store.close();
    admin?.destroy();
    await ceph?.stop();
  });

  blobStoreContract('S3 (Ceph RGW)', async () => ({
    store: await open({ prefix: 'contract' }),
    cleanup: async () => {},
  }));

  it('sends a large blob as a multipart upload and reads back the same bytes', async () => {
    const store = await open({ prefix: 'multipart' });
    const bytes = randomBytes(PART_SIZE + 1024 * 1024 + 123);
    expect(bytes.length).toBeGreaterThanOrEqual(MULTIPART_THRESHOLD);
    expect(await store.put('big/one.webm', bytes, meta(bytes))).toEqual({ size: bytes.length });

    // An ETag ending in -2 is how S3 marks an object assembled from two parts.
    const head = await admin.send(
      new HeadObjectCommand({ Bucket: bucket, Key: 'multipart/big/one.webm' }),
    );
    expect(head.ETag).toMatch(/-2"$/);
    expect(head.Metadata?.sha256).toBe(sha(bytes));
    expect(head.ContentType).toBe('video/webm');

    const read = await store.get('big/one.webm');
    expect(read?.size).toBe(bytes.length);
    expect(sha(await buffer(read!.stream))).toBe(sha(bytes));
    expect(await store.stat('big/one.webm')).toEqual({ size: bytes.length, sha256: sha(bytes) });
  });

  it('serves a byte range that crosses the boundary between two parts', async () => {
    const store = await open({ prefix: 'multipart' });
    const bytes = randomBytes(PART_SIZE + 2 * 1024 * 1024);
    await store.put('big/range.webm', bytes, meta(bytes));
    const start = PART_SIZE - 1000;
    const end = PART_SIZE + 999;
    const read = await store.get('big/range.webm', { start, end });
    expect(read?.size).toBe(bytes.length);
    expect(await buffer(read!.stream)).toEqual(bytes.subarray(start, end + 1));
    await expect(
      store.get('big/range.webm', { start: PART_SIZE, end: bytes.length }),
    ).rejects.toBeInstanceOf(RangeError);
  });

  it('writes nothing, not even a pending multipart upload, when the hash is wrong', async () => {
    const store = await open({ prefix: 'integrity' });
    const small = Buffer.from('small bytes');
    const large = randomBytes(MULTIPART_THRESHOLD + 1);
    for (const [key, bytes] of [
      ['small.webm', small],
      ['large.webm', large],
    ] as const) {
      await expect(
        store.put(key, bytes, { contentType: 'video/webm', sha256: sha(Buffer.from('other')) }),
      ).rejects.toBeInstanceOf(BlobIntegrityError);
      expect(await store.exists(key)).toBe(false);
    }
    const listed = await admin.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: 'integrity/' }),
    );
    expect(listed.KeyCount).toBe(0);
    const pending = await admin.send(
      new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: 'integrity/' }),
    );
    expect(pending.Uploads ?? []).toEqual([]);
  });

  it('refuses to open with wrong credentials, a missing bucket or an unreachable endpoint', async () => {
    const wrongSecret = 'not-the-secret-' + randomBytes(8).toString('hex');
    const denied = S3BlobStore.open(options({ secretAccessKey: wrongSecret }));
    await expect(denied).rejects.toThrow(
      /access denied \(SignatureDoesNotMatch\): the secret does not match the access key/,
    );
    const message = await denied.catch((err: Error) => err.message);
    expect(message).toContain(ceph.endpoint);
    expect(message).toContain(`"${bucket}"`);
    expect(message).not.toContain(wrongSecret);
    expect(message).not.toContain(ceph.secretAccessKey);

    await expect(S3BlobStore.open(options({ accessKeyId: 'NOSUCHKEY' }))).rejects.toThrow(
      /access denied \(InvalidAccessKeyId\)/,
    );
    await expect(S3BlobStore.open(options({ bucket: 'no-such-bucket' }))).rejects.toThrow(
      /"no-such-bucket" .* does not exist/,
    );
    await expect(S3BlobStore.open(options({ endpoint: 'http://127.0.0.1:1' }))).rejects.toThrow(
      /http:\/\/127\.0\.0\.1:1 is not usable: cannot reach/,
    );
    // `.invalid` never resolves (RFC 2606), with or without the bucket in front.
    await expect(
      S3BlobStore.open(options({ endpoint: 'http://s3.invalid:9000', forcePathStyle: false })),
    ).rejects.toThrow(/ENOTFOUND .*most self-hosted servers need path-style addressing/);
    await expect(S3BlobStore.open(options({ prefix: 'a/../b' }))).rejects.toThrow(
      /Invalid S3 prefix/,
    );
  });

  it('keeps stores with different prefixes in one bucket apart', async () => {
    const a = await open({ prefix: 'tenant-a' });
    const b = await open({ prefix: '/tenant-b/' });
    const whole = await open();
    const key = 'sessions/s1/media/webcam/0-x.webm';
    const bytesA = Buffer.from('tenant a');
    const bytesB = Buffer.from('tenant b, longer');
    await a.put(key, bytesA, meta(bytesA));
    await b.put(key, bytesB, meta(bytesB));

    expect(await buffer((await a.get(key))!.stream)).toEqual(bytesA);
    expect(await buffer((await b.get(key))!.stream)).toEqual(bytesB);
    expect(await collect(a.keys())).toEqual([key]);
    expect(await collect(b.keys('sessions/'))).toEqual([key]);
    expect(await collect(whole.keys('tenant-'))).toEqual([`tenant-a/${key}`, `tenant-b/${key}`]);
    expect(a.location).toBe(`s3://${bucket}/tenant-a at ${ceph.endpoint}`);

    await a.delete(key);
    expect(await a.exists(key)).toBe(false);
    expect(await b.exists(key)).toBe(true);
  });
});
