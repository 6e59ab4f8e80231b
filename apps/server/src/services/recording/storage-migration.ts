import { buffer } from 'node:stream/consumers';
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { BlobInfo, BlobStore } from '../../ports/blob-store.port.js';

/** The store blobs are copied from: any blob store that can list its keys (local disk). */
export interface MigrationSource extends BlobStore {
  keys(): AsyncIterable<string>;
}

/** The store blobs are copied to: it must report the SHA-256 it recorded (S3). */
export interface MigrationTarget extends BlobStore {
  stat(key: string): Promise<(BlobInfo & { sha256: string | undefined }) | undefined>;
}

/** Where progress goes: `console` and the server's logger both fit. */
export interface MigrationLog {
  info(message: string): void;
  warn(message: string): void;
}

/** What a run did; a blob is in exactly one of copied (then verified or failed), skipped, failed. */
export interface MigrationReport {
  /** Blobs written to the target in this run. */
  copied: number;
  /** Blobs the target already held with the same size and SHA-256. */
  skipped: number;
  /** Copied blobs read back from the target with the right SHA-256. */
  verified: number;
  failed: { key: string; reason: string }[];
}

/** How a run goes about it. */
export interface MigrationOptions {
  log: MigrationLog;
  /** Blobs copied at once; each is held in memory whole (segments are at most 32 MiB). */
  concurrency?: number;
  /** A progress line every this many blobs. */
  progressEvery?: number;
}

const CONTENT_TYPES: Record<string, string> = {
  webm: 'video/webm',
  mp4: 'video/mp4',
  jpg: 'image/jpeg',
  png: 'image/png',
};

/**
 * The stored type, from the extension the server gave the key. Playback takes the type from
 * the database row, never from the store, so `audio/webm` stored as `video/webm` is harmless.
 */
function contentTypeOf(key: string): string {
  const ext = /\.([a-z0-9]+)$/i.exec(key)?.[1]?.toLowerCase() ?? '';
  return CONTENT_TYPES[ext] ?? 'application/octet-stream';
}

/**
 * Blobs are read whole: the server writes at most 32 MiB at a time, so anything far larger
 * was put there by hand and would only exhaust memory.
 */
const MAX_BLOB_BYTES = 256 * 1024 * 1024;

/** Recording keys carry the SHA-256 the upload declared: `<seq>-<sha256>-<random>.<ext>`. */
const NAMED_SHA256 = /(?:^|\/)\d+-([0-9a-f]{64})-[^/]*$/i;

async function hashStream(stream: Readable): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of stream) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), size };
}

const sha256Hex = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const reasonOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

type Outcome =
  { copied: { sha256: string; size: number } } | { skipped: true } | { failed: string };

/**
 * Copy every blob of `from` to `to` (local disk to S3 when a deployment moves to shared
 * storage). A blob the target already holds with the same size and SHA-256 is skipped, so an
 * interrupted run is resumed by running it again; every copied blob is read back from the
 * target and hashed. Nothing is ever deleted from `from`; a copy that reads back wrong is
 * removed from `to` so that the next run copies it again instead of skipping it.
 */
export async function migrateStorage(
  from: MigrationSource,
  to: MigrationTarget,
  opts: MigrationOptions,
): Promise<MigrationReport> {
  const { log } = opts;
  const concurrency = Math.max(1, opts.concurrency ?? 4);
  const progressEvery = Math.max(1, opts.progressEvery ?? 1000);
  const report: MigrationReport = { copied: 0, skipped: 0, verified: 0, failed: [] };
  let seen = 0;

  const fail = (key: string, reason: string) => {
    report.failed.push({ key, reason });
    log.warn(`failed ${key}: ${reason}`);
  };

  const copyOne = async (key: string): Promise<Outcome> => {
    const read = await from.get(key);
    if (!read) return { failed: 'removed from the source during the copy' };
    if (read.size > MAX_BLOB_BYTES) {
      read.stream.destroy();
      return { failed: `${read.size} bytes is more than a blob the server writes; not copied` };
    }
    const bytes = await buffer(read.stream);
    const sha256 = sha256Hex(bytes);
    // A recording whose bytes no longer match its name was damaged on disk: copying it would
    // give the damage a fresh, matching hash in the target.
    const named = NAMED_SHA256.exec(key)?.[1]?.toLowerCase();
    if (named && named !== sha256) {
      return { failed: `the bytes on disk do not match the SHA-256 in the name (${sha256})` };
    }
    const existing = await to.stat(key);
    if (existing && existing.size === bytes.length && existing.sha256 === sha256) {
      return { skipped: true };
    }
    await to.put(key, bytes, { contentType: contentTypeOf(key), sha256 });
    return { copied: { sha256, size: bytes.length } };
  };

  const verify = async (key: string, expected: string, size: number): Promise<string | null> => {
    const back = await to.get(key);
    if (!back) return 'not found in the target after the copy';
    const got = await hashStream(back.stream);
    if (got.sha256 === expected && got.size === size) return null;
    await to.delete(key);
    return `read back ${got.size} bytes with SHA-256 ${got.sha256}, expected ${size} bytes with ${expected}`;
  };

  const handle = async (key: string) => {
    try {
      const outcome = await copyOne(key);
      if ('skipped' in outcome) report.skipped++;
      else if ('failed' in outcome) fail(key, outcome.failed);
      else {
        report.copied++;
        const problem = await verify(key, outcome.copied.sha256, outcome.copied.size).catch(
          async (err: unknown) => {
            // Unverified, it must not pass for a good copy on the next run.
            await to.delete(key).catch(() => {});
            return `copied but not read back: ${reasonOf(err)}`;
          },
        );
        if (problem) fail(key, problem);
        else report.verified++;
      }
    } catch (err) {
      fail(key, reasonOf(err));
    } finally {
      if (++seen % progressEvery === 0) {
        log.info(
          `${seen} blobs: ${report.copied} copied, ${report.skipped} already there, ${report.failed.length} failed`,
        );
      }
    }
  };

  // A fixed number of workers pull keys from the one listing, so memory stays bounded. A
  // listing that fails ends the run with an error once the blobs in hand are done.
  const keys = from.keys()[Symbol.asyncIterator]();
  let listingError: unknown;
  const worker = async () => {
    for (;;) {
      let next;
      try {
        next = await keys.next();
      } catch (err) {
        listingError ??= err;
        return;
      }
      if (next.done) return;
      await handle(next.value);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  if (listingError) {
    throw new Error(`Listing the source failed after ${seen} blobs: ${reasonOf(listingError)}`, {
      cause: listingError,
    });
  }

  log.info(
    `done: ${seen} blobs, ${report.copied} copied (${report.verified} verified), ` +
      `${report.skipped} already there, ${report.failed.length} failed`,
  );
  return report;
}
