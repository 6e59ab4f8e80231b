import type { Readable } from 'node:stream';

/** What a blob store knows about a stored blob. The database row stays the source of truth. */
export interface BlobInfo {
  /** Size in bytes of the whole blob. */
  size: number;
}

/** A blob being read: its total size and a stream of the requested bytes. */
export interface BlobRead extends BlobInfo {
  stream: Readable;
}

/** An inclusive byte range `[start, end]` within a blob, as HTTP `Range` requests name it. */
export interface ByteRange {
  start: number;
  end: number;
}

/** Metadata stored with a blob; `sha256` (hex) must match the bytes or `put` refuses them. */
export interface BlobMeta {
  contentType: string;
  sha256: string;
}

/**
 * Where recording bytes live (local disk by default, S3-compatible storage when configured).
 * Keys are relative paths the server generates (`sessions/<id>/media/webcam/…`); every
 * method refuses keys that are absolute, contain `..`, or use characters outside
 * `[A-Za-z0-9._-]` and `/` (see `assertBlobKey`). Adapters hold no business rules.
 */
export interface BlobStore {
  /**
   * Store `bytes` under `key`, replacing any previous blob. Atomic: readers see either the
   * old blob, the whole new one, or nothing — never part of it. Refuses (and stores nothing)
   * when the SHA-256 of `bytes` differs from `meta.sha256`.
   */
  put(key: string, bytes: Buffer, meta: BlobMeta): Promise<BlobInfo>;
  /** Read a blob, optionally one byte range of it (validated by the caller); undefined when absent. */
  get(key: string, range?: ByteRange): Promise<BlobRead | undefined>;
  /** Size of a blob without reading it; undefined when absent. */
  head(key: string): Promise<BlobInfo | undefined>;
  /** Remove a blob; removing an absent blob is not an error. */
  delete(key: string): Promise<void>;
  /** Whether a blob is stored under `key`. */
  exists(key: string): Promise<boolean>;
  /** Release connections, where the store holds any (S3); the store is not used after. */
  close?(): Promise<void>;
}

/** Thrown by `put` when the bytes do not hash to the declared SHA-256. */
export class BlobIntegrityError extends Error {
  constructor(
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`Blob SHA-256 mismatch: expected ${expected}, got ${actual}`);
    this.name = 'BlobIntegrityError';
  }
}

const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * Refuse keys that could escape the store or collide with an adapter's own files: each
 * `/`-separated segment starts with a letter or digit (so no `.`, `..` or hidden names),
 * uses only `[A-Za-z0-9._-]`, and the whole key is at most 512 characters.
 */
export function assertBlobKey(key: string): void {
  const ok =
    key.length > 0 && key.length <= 512 && key.split('/').every((part) => SEGMENT.test(part));
  if (!ok) throw new Error(`Invalid blob key: ${JSON.stringify(key.slice(0, 100))}`);
}
