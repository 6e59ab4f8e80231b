import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cipherSize, DEFAULT_CHUNK_BYTES } from '../src/crypto/chunked-cipher.js';
import { webmBytes } from './helpers/media-bytes.js';
import { blobFiles, checkedIn, getRaw, putSegment } from './helpers/recording.js';
import {
  type CephServer,
  cephClient,
  cephSkipReason,
  createBucket,
  startCeph,
} from './helpers/ceph.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';

const skip = cephSkipReason();

/** The whole server on an S3 bucket (BLOB_STORE=s3), against a real Ceph RGW. */
describe.skipIf(skip !== null)('a server storing its recordings in S3', () => {
  const bucket = 'invigil-server';
  let ceph: CephServer | undefined;
  let server: TestServer;

  beforeAll(async () => {
    ceph = await startCeph();
    await createBucket(ceph, bucket);
    server = await startTestServer('pglite', {
      blobStore: 's3',
      s3: {
        endpoint: ceph.endpoint,
        region: ceph.region,
        bucket,
        accessKeyId: ceph.accessKeyId,
        secretAccessKey: ceph.secretAccessKey,
        forcePathStyle: true,
        prefix: 'exams',
      },
    });
  }, 180_000);
  afterAll(async () => {
    await server?.close();
    await ceph?.stop();
  });

  it('stores an upload in the bucket, not on disk, and plays it back by byte range', async () => {
    const { student, proctor, sessionId } = await checkedIn(server);
    const bytes = Buffer.concat([webmBytes('').subarray(0, 4), Buffer.from('456789abcdef')]);
    const put = await putSegment(student, sessionId, 'webcam', 0, bytes);
    expect(put.status, JSON.stringify(put.body)).toBe(201);
    expect(await blobFiles(server, sessionId)).toEqual([]);
    const listed = await cephClient(ceph!).send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: `exams/sessions/${sessionId}/` }),
    );
    // Encrypted at rest: the bucket holds the header and the sealed chunk, never the bytes.
    expect(listed.Contents?.map((o) => o.Size)).toEqual([
      cipherSize(bytes.length, DEFAULT_CHUNK_BYTES),
    ]);
    const stored = await cephClient(ceph!).send(
      new GetObjectCommand({ Bucket: bucket, Key: listed.Contents![0]!.Key! }),
    );
    const raw = Buffer.from(await stored.Body!.transformToByteArray());
    expect(raw.subarray(0, 8).toString()).toBe('INVGENC1');
    expect(raw.includes(Buffer.from('456789abcdef'))).toBe(false);

    const url = `/api/sessions/${sessionId}/media/webcam/0`;
    const whole = await getRaw(proctor, url);
    expect(whole.status).toBe(200);
    expect(whole.bytes).toEqual(bytes);
    const part = await getRaw(proctor, url, { range: 'bytes=4-7' });
    expect(part.status).toBe(206);
    expect(part.bytes.toString()).toBe('4567');
    expect(part.headers.get('content-range')).toBe('bytes 4-7/16');
  });

  it('is ready while the bucket answers, and names the blob store when it does not', async () => {
    const ready = await server.anonymous().get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({
      status: 'ready',
      parts: [
        { name: 'database', ok: true },
        { name: 'blob store', ok: true },
        { name: 'job queue', ok: true },
      ],
    });
    await ceph?.stop();
    ceph = undefined;
    const down = await server.anonymous().get('/readyz');
    expect(down.status).toBe(503);
    expect(down.body.status).toBe('unavailable');
    expect(down.body.parts).toEqual([
      { name: 'database', ok: true },
      { name: 'blob store', ok: false, error: expect.any(String) },
      { name: 'job queue', ok: true },
    ]);
    expect(JSON.stringify(down.body)).not.toContain(server.instance.config.s3?.secretAccessKey);
    // Liveness is about this process: still up.
    expect((await server.anonymous().get('/healthz')).status).toBe(200);
  });
});
