import { createHash } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { buffer } from 'node:stream/consumers';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import {
  BlobDecryptError,
  BlobNotEncryptedError,
  cipherRangeFor,
  createDecryptStream,
  decodeHeader,
  decryptChunks,
  DEFAULT_CHUNK_BYTES,
  encryptBlob,
  HEADER_BYTES,
  isEncryptedBlob,
  newHeader,
  plainSize,
  type CipherHeader,
} from '../crypto/chunked-cipher.js';
import { newDataKey, type Keyring } from '../crypto/master-keys.js';
import {
  BlobIntegrityError,
  type BlobInfo,
  type BlobMeta,
  type BlobRead,
  type BlobStore,
  type ByteRange,
} from '../ports/blob-store.port.js';
import type { DataKeyStore } from '../ports/data-key-store.port.js';

/** A blob whose data key was deleted (the blob was erased or replaced): it cannot be read. */
export class DataKeyMissingError extends Error {
  constructor(readonly objectId: string) {
    super(`The data key of stored object ${objectId} is gone: the blob was erased or replaced`);
    this.name = 'DataKeyMissingError';
  }
}

/** Unwrapped data keys kept for repeated reads of the same objects (playback's ranges). */
const KEY_CACHE_SIZE = 1000;

/**
 * Encryption at rest over any blob store (local disk, S3): each object gets a random data
 * key, its bytes are encrypted in independently authenticated AES-256-GCM chunks
 * (`crypto/chunked-cipher.ts`), and the data key, wrapped by the newest master key, is kept
 * in the key store under the random object id the blob's header carries. A ranged read
 * fetches and decrypts only the chunks it covers; every chunk is authenticated before any of
 * its bytes are served, so a modified blob is an error (BlobDecryptError), never garbage.
 * The inner store sees only ciphertext; the declared SHA-256 is checked on the plaintext.
 */
export class EncryptedBlobStore implements BlobStore {
  private readonly keys = new Map<string, Buffer>();

  constructor(
    private readonly inner: BlobStore,
    private readonly keyStore: DataKeyStore,
    private readonly keyring: Keyring,
    private readonly chunkBytes = DEFAULT_CHUNK_BYTES,
  ) {}

  async put(key: string, bytes: Buffer, meta: BlobMeta): Promise<BlobInfo> {
    const actual = createHash('sha256').update(bytes).digest('hex');
    if (actual !== meta.sha256.toLowerCase()) throw new BlobIntegrityError(meta.sha256, actual);
    const previous = await this.header(key).catch(() => undefined);
    const header = newHeader(this.chunkBytes);
    const dataKey = newDataKey();
    // The key first: a reader that finds the blob always finds its key.
    await this.keyStore.save(objectIdOf(header), this.keyring.wrap(dataKey));
    const sealed = encryptBlob(dataKey, header, bytes);
    const sha256 = createHash('sha256').update(sealed).digest('hex');
    await this.inner.put(key, sealed, { contentType: meta.contentType, sha256 });
    this.remember(objectIdOf(header), dataKey);
    if (previous) await this.forget(objectIdOf(previous));
    return { size: bytes.length };
  }

  async get(key: string, range?: ByteRange): Promise<BlobRead | undefined> {
    try {
      return await this.read(key, range);
    } catch (error) {
      // A read racing a replacement may find the old header and then no key: read again.
      if (!(error instanceof DataKeyMissingError)) throw error;
      return this.read(key, range);
    }
  }

  async head(key: string): Promise<BlobInfo | undefined> {
    const info = await this.inner.head(key);
    if (!info) return undefined;
    const header = await this.header(key);
    if (!header) return undefined;
    return { size: plainSize(info.size, header.chunkBytes) };
  }

  async delete(key: string): Promise<void> {
    const header = await this.header(key).catch(() => undefined);
    await this.inner.delete(key);
    if (header) await this.forget(objectIdOf(header));
  }

  exists(key: string): Promise<boolean> {
    return this.inner.exists(key);
  }

  async close(): Promise<void> {
    this.keys.clear();
    await this.inner.close?.();
  }

  private async read(key: string, range?: ByteRange): Promise<BlobRead | undefined> {
    const first = await this.inner.get(key, { start: 0, end: HEADER_BYTES - 1 });
    if (!first) return undefined;
    const start = await buffer(first.stream);
    if (!isEncryptedBlob(start)) {
      throw new BlobNotEncryptedError(
        `Stored blob ${key} is not encrypted (stored before encryption at rest, or replaced by hand): run \`invigil keys encrypt-existing\``,
      );
    }
    const header = decodeHeader(start);
    const size = plainSize(first.size, header.chunkBytes);
    const dataKey = await this.dataKey(header);
    if (range) {
      const span = cipherRangeFor(range, size, header.chunkBytes);
      const body = await this.inner.get(key, { start: span.start, end: span.end });
      if (!body) return undefined;
      const plain = decryptChunks(
        dataKey,
        header,
        await buffer(body.stream),
        span.firstChunk,
        size,
      );
      const from = range.start - span.firstChunk * header.chunkBytes;
      const part = plain.subarray(from, from + (range.end - range.start + 1));
      return { size, stream: Readable.from([part]) };
    }
    const body = await this.inner.get(key, { start: HEADER_BYTES, end: first.size - 1 });
    if (!body) return undefined;
    const plain = createDecryptStream(dataKey, header, size);
    // The failure is the reader's to see (it stays on the stream, for-await and pipe throw
    // it); until a reader attaches, an unheard 'error' would crash the process.
    plain.on('error', () => undefined);
    void pipeline(body.stream, plain).catch(() => undefined);
    await firstBytesVerified(plain);
    return { size, stream: plain };
  }

  /** The header of the blob under `key`, or undefined when there is none. */
  private async header(key: string): Promise<CipherHeader | undefined> {
    const first = await this.inner.get(key, { start: 0, end: HEADER_BYTES - 1 });
    return first && decodeHeader(await buffer(first.stream));
  }

  private async dataKey(header: CipherHeader): Promise<Buffer> {
    const objectId = objectIdOf(header);
    const cached = this.keys.get(objectId);
    if (cached) return cached;
    const wrapped = await this.keyStore.load(objectId);
    if (!wrapped) {
      throw new DataKeyMissingError(objectId);
    }
    const dataKey = this.keyring.unwrap(wrapped.kid, wrapped.wrapped);
    this.remember(objectId, dataKey);
    return dataKey;
  }

  private remember(objectId: string, dataKey: Buffer): void {
    this.keys.delete(objectId);
    this.keys.set(objectId, dataKey);
    for (const old of this.keys.keys()) {
      if (this.keys.size <= KEY_CACHE_SIZE) break;
      this.keys.delete(old);
    }
  }

  private async forget(objectId: string): Promise<void> {
    this.keys.delete(objectId);
    await this.keyStore.delete(objectId);
  }
}

/** The object id of a header, as the key store names it (a UUID). */
export function objectIdOf(header: CipherHeader): string {
  const hex = header.objectId.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * Wait until the stream has its first verified bytes (or ended, or failed), so that a blob
 * whose first chunk fails its check is an error of `get`, answered cleanly, rather than a
 * response cut off after its headers went out.
 */
async function firstBytesVerified(stream: Readable): Promise<void> {
  try {
    await once(stream, 'readable');
  } catch (error) {
    throw error instanceof BlobDecryptError ? error : new BlobDecryptError(String(error));
  }
}
