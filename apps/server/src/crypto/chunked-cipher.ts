import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

/**
 * Encrypted blobs, format version 1: a 32-byte header, then the plaintext in chunks of
 * `chunkBytes`, each sealed on its own with AES-256-GCM under the object's data key and followed
 * by its 16-byte tag. Chunks decrypt independently, so a byte-range read touches only the chunks
 * it needs. Every chunk's AAD binds the header, its index and whether it is the last one, so
 * reordered, swapped, spliced or dropped chunks fail authentication like modified bytes do.
 */

/** Bytes of the header: magic (8), object id (16), chunk size (4, big-endian), reserved (4). */
export const HEADER_BYTES = 32;
/** Plaintext bytes per chunk for new objects: small enough for cheap range reads. */
export const DEFAULT_CHUNK_BYTES = 65_536;
/** Bytes of the GCM tag after each chunk. */
export const TAG_BYTES = 16;
/** Largest chunk size a header may declare, so a damaged header cannot make us buffer gigabytes. */
export const MAX_CHUNK_BYTES = 16 * 1024 * 1024;

const MAGIC = Buffer.from('INVGENC1', 'ascii');
const OBJECT_ID_BYTES = 16;
const KEY_BYTES = 32;
const NONCE_BYTES = 12;

/** Thrown when stored encrypted bytes (or a wrapped key) fail authentication or are malformed. */
export class BlobDecryptError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BlobDecryptError';
  }
}

/**
 * A stored blob in plaintext where an encrypted one was expected: stored before encryption at
 * rest (the operator's `invigil keys encrypt-existing` fixes it), or replaced by hand.
 */
export class BlobNotEncryptedError extends BlobDecryptError {
  constructor(message: string) {
    super(message);
    this.name = 'BlobNotEncryptedError';
  }
}

const chunkFailed = (index: number) =>
  new BlobDecryptError(
    `Stored blob failed its integrity check (chunk ${index}): it was modified or is damaged`,
  );

/** What the header of an encrypted object says. */
export interface CipherHeader {
  /** 16 random bytes naming the object's data key in the key table. */
  objectId: Buffer;
  /** Plaintext bytes per chunk; every chunk but the last holds exactly this many. */
  chunkBytes: number;
}

function assertChunkBytes(chunkBytes: number): void {
  if (!Number.isInteger(chunkBytes) || chunkBytes < 1 || chunkBytes > MAX_CHUNK_BYTES) {
    throw new RangeError(`Chunk size must be an integer from 1 to ${MAX_CHUNK_BYTES}`);
  }
}

function assertDataKey(dataKey: Buffer): void {
  if (dataKey.length !== KEY_BYTES) throw new RangeError(`A data key must be ${KEY_BYTES} bytes`);
}

/** A header for a new object, with a fresh random object id. */
export function newHeader(chunkBytes = DEFAULT_CHUNK_BYTES): CipherHeader {
  assertChunkBytes(chunkBytes);
  return { objectId: randomBytes(OBJECT_ID_BYTES), chunkBytes };
}

/** The 32 header bytes that start the stored object (and are part of every chunk's AAD). */
export function encodeHeader(h: CipherHeader): Buffer {
  assertChunkBytes(h.chunkBytes);
  if (h.objectId.length !== OBJECT_ID_BYTES) {
    throw new RangeError(`An object id must be ${OBJECT_ID_BYTES} bytes`);
  }
  const out = Buffer.alloc(HEADER_BYTES); // zero-filled, so the reserved bytes are zero
  MAGIC.copy(out, 0);
  h.objectId.copy(out, 8);
  out.writeUInt32BE(h.chunkBytes, 24);
  return out;
}

/** Read a header from the first bytes of a stored object, refusing anything not version 1. */
export function decodeHeader(buf: Buffer): CipherHeader {
  if (buf.length < HEADER_BYTES || !isEncryptedBlob(buf)) {
    throw new BlobDecryptError('Stored blob has no valid encryption header');
  }
  const chunkBytes = buf.readUInt32BE(24);
  if (chunkBytes === 0 || chunkBytes > MAX_CHUNK_BYTES || buf.readUInt32BE(28) !== 0) {
    throw new BlobDecryptError('Stored blob has a damaged or unsupported encryption header');
  }
  return { objectId: Buffer.from(buf.subarray(8, 24)), chunkBytes };
}

/** Whether bytes start like an encrypted object (magic only; blobs stored before are plain). */
export function isEncryptedBlob(firstBytes: Buffer): boolean {
  return firstBytes.length >= MAGIC.length && firstBytes.subarray(0, MAGIC.length).equals(MAGIC);
}

/** How many chunks `plainSize` bytes make: an empty object is still one (empty) final chunk. */
export function chunkCount(plainSize: number, chunkBytes: number): number {
  return plainSize === 0 ? 1 : Math.ceil(plainSize / chunkBytes);
}

/** Plaintext bytes in chunk `index` of an object of `plainSize` bytes. */
function chunkPlainBytes(index: number, plainSize: number, chunkBytes: number): number {
  return Math.min(chunkBytes, plainSize - index * chunkBytes);
}

/** Stored size of an object of `plainSize` plaintext bytes. */
export function cipherSize(plainSize: number, chunkBytes: number): number {
  return HEADER_BYTES + plainSize + chunkCount(plainSize, chunkBytes) * TAG_BYTES;
}

/** Plaintext size of a stored object of `cipherSize` bytes; throws for sizes no object has. */
export function plainSize(cipherSize: number, chunkBytes: number): number {
  const impossible = () =>
    new BlobDecryptError(
      `Stored blob is truncated or damaged: ${cipherSize} bytes is not a valid size`,
    );
  assertChunkBytes(chunkBytes);
  const body = cipherSize - HEADER_BYTES;
  if (!Number.isInteger(cipherSize) || body < TAG_BYTES) throw impossible();
  const stored = chunkBytes + TAG_BYTES;
  const full = Math.floor(body / stored);
  const rest = body % stored;
  if (rest === 0) return full * chunkBytes;
  // A partial final chunk holds at least its tag, and is empty only when it is the only chunk.
  if (rest < TAG_BYTES || (rest === TAG_BYTES && full > 0)) throw impossible();
  return full * chunkBytes + rest - TAG_BYTES;
}

/** Nonce of chunk `index`: 4 zero bytes and the index; safe because each object has its own key. */
function nonceOf(index: number): Buffer {
  const nonce = Buffer.alloc(NONCE_BYTES);
  nonce.writeBigUInt64BE(BigInt(index), 4);
  return nonce;
}

/** AAD of chunk `index`: the header, the index, and 1 when it is the final chunk. */
function aadOf(headerBytes: Buffer, index: number, final: boolean): Buffer {
  const aad = Buffer.alloc(HEADER_BYTES + 9);
  headerBytes.copy(aad, 0);
  aad.writeBigUInt64BE(BigInt(index), HEADER_BYTES);
  aad[HEADER_BYTES + 8] = final ? 1 : 0;
  return aad;
}

/** Encrypt a whole object: header followed by all its chunks. */
export function encryptBlob(dataKey: Buffer, header: CipherHeader, plaintext: Buffer): Buffer {
  assertDataKey(dataKey);
  const headerBytes = encodeHeader(header);
  const { chunkBytes } = header;
  const count = chunkCount(plaintext.length, chunkBytes);
  const out = Buffer.allocUnsafe(cipherSize(plaintext.length, chunkBytes));
  headerBytes.copy(out, 0);
  let offset = HEADER_BYTES;
  for (let i = 0; i < count; i++) {
    const cipher = createCipheriv('aes-256-gcm', dataKey, nonceOf(i), { authTagLength: TAG_BYTES });
    cipher.setAAD(aadOf(headerBytes, i, i === count - 1));
    const part = plaintext.subarray(i * chunkBytes, (i + 1) * chunkBytes);
    offset += cipher.update(part).copy(out, offset);
    offset += cipher.final().copy(out, offset);
    offset += cipher.getAuthTag().copy(out, offset);
  }
  return out;
}

/**
 * The stored bytes (inclusive, absolute offsets, header counted) holding the chunks that cover
 * the inclusive plaintext `range`. Decrypt them with `decryptChunks(…, firstChunk, …)`; the
 * requested bytes then start at `range.start - firstChunk * chunkBytes` of the result.
 */
export function cipherRangeFor(
  range: { start: number; end: number },
  plainSize: number,
  chunkBytes: number,
): { firstChunk: number; lastChunk: number; start: number; end: number } {
  const { start, end } = range;
  if (!(Number.isInteger(start) && Number.isInteger(end) && start >= 0 && start <= end)) {
    throw new RangeError(`Byte range ${start}-${end} is not a valid range`);
  }
  if (end >= plainSize) {
    throw new RangeError(`Byte range ${start}-${end} is outside 0-${plainSize - 1}`);
  }
  assertChunkBytes(chunkBytes);
  const stored = chunkBytes + TAG_BYTES;
  const firstChunk = Math.floor(start / chunkBytes);
  const lastChunk = Math.floor(end / chunkBytes);
  const lastBytes = chunkPlainBytes(lastChunk, plainSize, chunkBytes) + TAG_BYTES;
  return {
    firstChunk,
    lastChunk,
    start: HEADER_BYTES + firstChunk * stored,
    end: HEADER_BYTES + lastChunk * stored + lastBytes - 1,
  };
}

/** Decrypts and verifies one chunk at a time; shared by `decryptChunks` and the stream. */
class ChunkOpener {
  private readonly headerBytes: Buffer;
  private readonly chunkBytes: number;
  readonly count: number;

  constructor(
    private readonly dataKey: Buffer,
    header: CipherHeader,
    private readonly plainSize: number,
  ) {
    assertDataKey(dataKey);
    if (!Number.isInteger(plainSize) || plainSize < 0) {
      throw new RangeError('Plaintext size must be a non-negative integer');
    }
    this.headerBytes = encodeHeader(header);
    this.chunkBytes = header.chunkBytes;
    this.count = chunkCount(plainSize, header.chunkBytes);
  }

  /** Stored bytes (plaintext and tag) of chunk `index`. */
  storedBytes(index: number): number {
    return chunkPlainBytes(index, this.plainSize, this.chunkBytes) + TAG_BYTES;
  }

  /** Plaintext of chunk `index`, whose stored bytes are exactly `sealed`; throws on tampering. */
  open(index: number, sealed: Buffer): Buffer {
    const tagAt = sealed.length - TAG_BYTES;
    const decipher = createDecipheriv('aes-256-gcm', this.dataKey, nonceOf(index), {
      authTagLength: TAG_BYTES,
    });
    decipher.setAAD(aadOf(this.headerBytes, index, index === this.count - 1));
    decipher.setAuthTag(sealed.subarray(tagAt));
    const body = decipher.update(sealed.subarray(0, tagAt));
    try {
      decipher.final();
    } catch {
      throw chunkFailed(index);
    }
    return body;
  }
}

/**
 * Plaintext of the contiguous chunks `firstChunk…` given as their stored bytes (e.g. the bytes
 * `cipherRangeFor` named). Throws BlobDecryptError when any chunk fails authentication or the
 * bytes do not end exactly at a chunk boundary.
 */
export function decryptChunks(
  dataKey: Buffer,
  header: CipherHeader,
  chunks: Buffer,
  firstChunk: number,
  plainSize: number,
): Buffer {
  const opener = new ChunkOpener(dataKey, header, plainSize);
  const wrongLength = () =>
    new BlobDecryptError(
      `Stored blob is truncated or damaged: ${chunks.length} bytes from chunk ${firstChunk} do not end at a chunk boundary`,
    );
  if (!Number.isInteger(firstChunk) || firstChunk < 0 || firstChunk >= opener.count) {
    throw new RangeError(`Chunk ${firstChunk} is outside 0-${opener.count - 1}`);
  }
  if (chunks.length === 0) throw wrongLength();
  const parts: Buffer[] = [];
  let offset = 0;
  for (let i = firstChunk; offset < chunks.length; i++) {
    const size = i < opener.count ? opener.storedBytes(i) : Infinity;
    if (offset + size > chunks.length) throw wrongLength();
    parts.push(opener.open(i, chunks.subarray(offset, offset + size)));
    offset += size;
  }
  return Buffer.concat(parts);
}

/**
 * A stream turning the stored bytes after the header into plaintext. Input may arrive in pieces
 * of any size; at most about one chunk is buffered, and a chunk's bytes are pushed only once its
 * tag verified. The stream is destroyed with BlobDecryptError on a failed chunk, bytes after the
 * final chunk, or input that ends before it.
 */
export function createDecryptStream(
  dataKey: Buffer,
  header: CipherHeader,
  plainSize: number,
): Transform {
  const opener = new ChunkOpener(dataKey, header, plainSize);
  let index = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;

  const trailing = () =>
    new BlobDecryptError('Stored blob is damaged: it has bytes after its final chunk');

  return new Transform({
    transform(piece: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      if (piece.length === 0) return callback();
      if (index >= opener.count) return callback(trailing());
      pending.push(piece);
      pendingBytes += piece.length;
      // Join only once a whole chunk is here, so tiny pieces do not cost a copy each.
      if (pendingBytes < opener.storedBytes(index)) return callback();
      const joined = pending.length === 1 ? piece : Buffer.concat(pending, pendingBytes);
      let offset = 0;
      try {
        while (index < opener.count && joined.length - offset >= opener.storedBytes(index)) {
          const size = opener.storedBytes(index);
          this.push(opener.open(index, joined.subarray(offset, offset + size)));
          offset += size;
          index++;
        }
      } catch (err) {
        return callback(err as Error);
      }
      if (index >= opener.count && offset < joined.length) return callback(trailing());
      // Copy the remainder so a large input piece is not kept alive for a few bytes of it.
      const rest = offset < joined.length ? Buffer.from(joined.subarray(offset)) : undefined;
      pending = rest ? [rest] : [];
      pendingBytes = rest?.length ?? 0;
      callback();
    },
    flush(callback: TransformCallback) {
      if (index < opener.count) {
        return callback(
          new BlobDecryptError(
            `Stored blob is truncated: it ended in chunk ${index} of ${opener.count}`,
          ),
        );
      }
      callback();
    },
  });
}
