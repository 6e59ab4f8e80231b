import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  type GetObjectCommandOutput,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import {
  assertBlobKey,
  BlobIntegrityError,
  type BlobInfo,
  type BlobMeta,
  type BlobRead,
  type BlobStore,
  type ByteRange,
} from '../ports/blob-store.port.js';

/** Where and how to reach an S3-compatible bucket (AWS S3, Ceph RGW, MinIO, …). */
export interface S3BlobStoreOptions {
  /** Base URL of the service; omitted for AWS S3, which is found from the region. */
  endpoint?: string;
  region: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** `bucket` in the path instead of the host name: what most self-hosted servers need. */
  forcePathStyle: boolean;
  /** Folder inside the bucket for every key, so several deployments can share one bucket. */
  prefix?: string;
}

/** Blobs at least this large are sent as a multipart upload (parts retried and sent in parallel). */
export const MULTIPART_THRESHOLD = 8 * 1024 * 1024;
/** Size of every part but the last; S3 requires at least 5 MiB. */
export const PART_SIZE = 8 * 1024 * 1024;
/** Parts in flight at once for one blob. */
const PART_CONCURRENCY = 4;

/** What `stat` reports: the size, and the SHA-256 recorded when the blob was stored. */
export interface S3BlobStat extends BlobInfo {
  /** Lower-case hex, or undefined for an object this store did not write. */
  sha256: string | undefined;
}

const sha256Hex = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

interface SdkError {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

const statusOf = (err: unknown) => (err as SdkError).$metadata?.httpStatusCode;

/** The S3 error code, or the HTTP status when there is none (answers to HEAD have no body). */
function codeOf(e: SdkError): string {
  if (e.name && e.name !== 'Unknown' && e.name !== 'Error') return e.name;
  const status = e.$metadata?.httpStatusCode;
  return status ? `HTTP ${status}` : (e.code ?? 'Error');
}

/** What the 403 answers mean; HEAD answers carry no code, so `open` asks again to get one. */
const ACCESS_DENIED: Record<string, string> = {
  InvalidAccessKeyId: 'the service does not know this access key',
  SignatureDoesNotMatch: 'the secret does not match the access key',
  AccessDenied: 'the key may not use this bucket',
  RequestTimeTooSkewed: "this machine's clock is too far from the service's",
};

/** Why a request failed, in words an operator can act on; never holds a credential. */
function describeFailure(err: unknown): string {
  if (typeof err === 'string') return err;
  const e = err as SdkError;
  const status = statusOf(err);
  const code = codeOf(e);
  const network = ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'ETIMEDOUT'];
  if (e.name === 'TimeoutError' || (e.code && network.includes(e.code))) {
    return `cannot reach the service (${e.code ?? e.name}: ${e.message})`;
  }
  if (e.name === 'NoSuchBucket' || (status === 404 && e.name === 'NotFound')) {
    return 'the bucket does not exist';
  }
  if (status === 403) {
    const why =
      ACCESS_DENIED[code] ??
      'the access key or secret is wrong, or the key may not use this bucket';
    return `access denied (${code}): ${why}`;
  }
  if (status === 301 || code === 'PermanentRedirect' || code === 'AuthorizationHeaderMalformed') {
    return `the bucket is in another region or needs another endpoint (${code})`;
  }
  return status ? `${code}: ${e.message}` : `${code}: ${e.message ?? String(err)}`;
}

/** `prefix` without surrounding slashes, checked like a key so it cannot climb or hide. */
function normalisePrefix(prefix: string | undefined): string {
  const trimmed = (prefix ?? '').replace(/^\/+|\/+$/g, '');
  if (trimmed === '') return '';
  try {
    assertBlobKey(trimmed);
  } catch {
    throw new Error(
      `Invalid S3 prefix ${JSON.stringify(prefix)}: use folders of letters, digits, '.', '_' and '-'`,
    );
  }
  return trimmed;
}

const isRange = ({ start, end }: ByteRange) =>
  Number.isSafeInteger(start) && Number.isSafeInteger(end) && 0 <= start && start <= end;

/** Total size from a `Content-Range: bytes a-b/total` header. */
function totalOf(contentRange: string | undefined): number | undefined {
  const match = /\/(\d+)$/.exec(contentRange ?? '');
  return match ? Number(match[1]) : undefined;
}

/**
 * Blobs as objects in an S3-compatible bucket, so several servers share one store. A key maps
 * to `<prefix>/<key>`. A PUT (and the completion of a multipart upload) replaces an object
 * in one step, so readers never see part of a blob. The SHA-256 travels as object metadata.
 */
export class S3BlobStore implements BlobStore {
  /** `s3://bucket/prefix at endpoint`, for logs and error messages. */
  readonly location: string;

  private constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly prefix: string,
    endpoint: string,
  ) {
    this.location = `s3://${bucket}${prefix ? `/${prefix}` : ''} at ${endpoint}`;
  }

  /**
   * Connect and check that the bucket is reachable with these credentials, so a wrong
   * setting fails at start-up rather than at the first upload. The bucket is not created.
   */
  static async open(opts: S3BlobStoreOptions): Promise<S3BlobStore> {
    const prefix = normalisePrefix(opts.prefix);
    const client = new S3Client({
      ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
      region: opts.region,
      forcePathStyle: opts.forcePathStyle,
      credentials: { accessKeyId: opts.accessKeyId, secretAccessKey: opts.secretAccessKey },
      // Since 3.729 the SDK adds a CRC32 to every upload: as a header for a buffer, which
      // Ceph RGW 16 ignores, and as an aws-chunked trailer for a stream, which RGW 16 refuses
      // (411 MissingContentLength), as do several other S3-compatible servers. Only what S3
      // requires is sent; single PUTs carry Content-MD5 instead, which RGW checks (BadDigest).
      // Responses are not checked by the SDK: the SHA-256 in the metadata is the check.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: 3,
      // An unreachable endpoint fails in seconds instead of the system's TCP timeout; a
      // stalled transfer is abandoned after two idle minutes.
      requestHandler: { connectionTimeout: 10_000, socketTimeout: 120_000 },
    });
    const where = opts.endpoint ?? `AWS S3 (${opts.region})`;
    try {
      await client.send(new HeadBucketCommand({ Bucket: opts.bucket }));
    } catch (headError) {
      // A refused listing says why (wrong secret, unknown key, clock); a refused HEAD cannot.
      const err =
        statusOf(headError) === 403
          ? await client.send(new ListObjectsV2Command({ Bucket: opts.bucket, MaxKeys: 1 })).then(
              () => headError,
              (listError: unknown) => listError,
            )
          : headError;
      client.destroy();
      // Virtual-host addressing puts the bucket in the host name, which self-hosted servers
      // rarely resolve: say so rather than leave a bare ENOTFOUND.
      const hint =
        opts.endpoint && !opts.forcePathStyle && (err as SdkError).code === 'ENOTFOUND'
          ? '; the bucket was addressed as a host name, most self-hosted servers need path-style addressing'
          : '';
      throw new Error(
        `S3 bucket "${opts.bucket}" at ${where} is not usable: ${describeFailure(err)}${hint}`,
        { cause: err },
      );
    }
    return new S3BlobStore(client, opts.bucket, prefix, where);
  }

  /** Release the connection pool. */
  async close(): Promise<void> {
    this.client.destroy();
  }

  private objectKey(key: string): string {
    assertBlobKey(key);
    return this.prefix ? `${this.prefix}/${key}` : key;
  }

  private failure(action: string, key: string, err: unknown): Error {
    return new Error(
      `S3 ${action} of "${key}" in ${this.location} failed: ${describeFailure(err)}`,
      { cause: err },
    );
  }

  async put(key: string, bytes: Buffer, meta: BlobMeta): Promise<BlobInfo> {
    const Key = this.objectKey(key);
    const actual = sha256Hex(bytes);
    if (actual !== meta.sha256.toLowerCase()) throw new BlobIntegrityError(meta.sha256, actual);
    const params = {
      Bucket: this.bucket,
      Key,
      Body: bytes,
      ContentType: meta.contentType,
      Metadata: { sha256: actual },
    };
    try {
      if (bytes.length >= MULTIPART_THRESHOLD) {
        // The object appears only when the upload completes; a failed upload is aborted,
        // which removes its parts.
        const upload = new Upload({
          client: this.client,
          params,
          partSize: PART_SIZE,
          queueSize: PART_CONCURRENCY,
          leavePartsOnError: false,
        });
        await upload.done();
      } else {
        const md5 = createHash('md5').update(bytes).digest('base64');
        await this.client.send(new PutObjectCommand({ ...params, ContentMD5: md5 }));
      }
    } catch (err) {
      throw this.failure('upload', key, err);
    }
    return { size: bytes.length };
  }

  async get(key: string, range?: ByteRange): Promise<BlobRead | undefined> {
    const Key = this.objectKey(key);
    if (range && !isRange(range)) {
      throw new RangeError(`Byte range ${range.start}-${range.end} is not a range`);
    }
    let res: GetObjectCommandOutput;
    try {
      res = await this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key,
          ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}),
        }),
      );
    } catch (err) {
      if ((err as SdkError).name === 'NoSuchKey') return undefined;
      if (range && statusOf(err) === 416) {
        throw new RangeError(`Byte range ${range.start}-${range.end} is outside the blob`);
      }
      throw this.failure('read', key, err);
    }
    const stream = res.Body;
    if (!(stream instanceof Readable)) {
      throw this.failure('read', key, 'the answer has no body stream');
    }
    // S3 shortens a range that runs past the end instead of refusing it; the port refuses.
    const size = range
      ? (totalOf(res.ContentRange) ?? (range.start === 0 ? res.ContentLength : undefined))
      : res.ContentLength;
    if (size === undefined) {
      stream.destroy();
      throw this.failure('read', key, 'the response gives no size');
    }
    if (range && range.end >= size) {
      stream.destroy();
      throw new RangeError(`Byte range ${range.start}-${range.end} is outside 0-${size - 1}`);
    }
    return { size, stream };
  }

  /** Size and recorded SHA-256 of a blob without reading it; undefined when absent. */
  async stat(key: string): Promise<S3BlobStat | undefined> {
    const Key = this.objectKey(key);
    try {
      const res = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key }));
      return { size: res.ContentLength ?? 0, sha256: res.Metadata?.sha256?.toLowerCase() };
    } catch (err) {
      // A HEAD answer has no body, so a missing bucket looks the same: `open` ruled it out.
      if (statusOf(err) === 404) return undefined;
      throw this.failure('lookup', key, err);
    }
  }

  async head(key: string): Promise<BlobInfo | undefined> {
    const info = await this.stat(key);
    return info && { size: info.size };
  }

  async delete(key: string): Promise<void> {
    const Key = this.objectKey(key);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key }));
    } catch (err) {
      if ((err as SdkError).name === 'NoSuchKey') return;
      throw this.failure('delete', key, err);
    }
  }

  async exists(key: string): Promise<boolean> {
    return (await this.stat(key)) !== undefined;
  }

  /**
   * Every blob key in the store (below `under`, a key prefix such as `sessions/`), page by
   * page. Objects under the store's prefix whose names are not valid keys are passed over.
   */
  async *keys(under = ''): AsyncGenerator<string> {
    const base = this.prefix ? `${this.prefix}/` : '';
    let token: string | undefined;
    do {
      let page;
      try {
        page = await this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: base + under,
            ...(token ? { ContinuationToken: token } : {}),
          }),
        );
      } catch (err) {
        throw this.failure('listing', base + under, err);
      }
      for (const object of page.Contents ?? []) {
        const key = object.Key?.slice(base.length);
        if (key && isBlobKey(key)) yield key;
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }
}

function isBlobKey(key: string): boolean {
  try {
    assertBlobKey(key);
    return true;
  } catch {
    return false;
  }
}
