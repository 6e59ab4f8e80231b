import { createHash } from 'node:crypto';
import { buffer } from 'node:stream/consumers';
import { asc, gt } from 'drizzle-orm';
import type { Db } from '../../db/database.js';
import { mediaSegments, snapshots } from '../../db/schema.js';
import { HEADER_BYTES, isEncryptedBlob } from '../../crypto/chunked-cipher.js';
import type { BlobStore } from '../../ports/blob-store.port.js';

/** What `encryptExistingBlobs` did. */
export interface EncryptionReport {
  /** Blobs that were plaintext and are now encrypted. */
  encrypted: number;
  /** Blobs already encrypted. */
  already: number;
  /** Rows whose blob is not in the store. */
  missing: number;
  /** Plaintext blobs whose bytes no longer match their row's SHA-256: left as they are. */
  mismatched: string[];
}

const BATCH = 200;

/**
 * Encrypt the blobs an installation stored before encryption at rest: every segment and
 * snapshot row's blob that is still plaintext in the store (`raw`) is checked against the
 * SHA-256 its row recorded and written again through `encrypted` (the same store, encrypting),
 * which replaces it whole. Safe to run again and while serving.
 */
export async function encryptExistingBlobs(
  db: Db,
  raw: BlobStore,
  encrypted: BlobStore,
  progress: (message: string) => void = () => undefined,
): Promise<EncryptionReport> {
  const report: EncryptionReport = { encrypted: 0, already: 0, missing: 0, mismatched: [] };
  for (const table of [mediaSegments, snapshots]) {
    let after = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const rows = await db
        .select({
          id: table.id,
          blobKey: table.blobKey,
          sha256: table.sha256,
          contentType: table.contentType,
        })
        .from(table)
        .where(gt(table.id, after))
        .orderBy(asc(table.id))
        .limit(BATCH);
      if (rows.length === 0) break;
      after = rows.at(-1)!.id;
      for (const row of rows) await encryptOne(row, raw, encrypted, report);
      progress(
        `${report.encrypted} encrypted, ${report.already} already encrypted, ${report.missing} missing`,
      );
    }
  }
  return report;
}

async function encryptOne(
  row: { blobKey: string; sha256: string; contentType: string },
  raw: BlobStore,
  encrypted: BlobStore,
  report: EncryptionReport,
): Promise<void> {
  const head = await raw.head(row.blobKey);
  if (!head) {
    report.missing += 1;
    return;
  }
  const first = head.size === 0 ? Buffer.alloc(0) : await readRange(raw, row.blobKey, head.size);
  if (isEncryptedBlob(first)) {
    report.already += 1;
    return;
  }
  const whole = await raw.get(row.blobKey);
  if (!whole) {
    report.missing += 1;
    return;
  }
  const bytes = await buffer(whole.stream);
  if (createHash('sha256').update(bytes).digest('hex') !== row.sha256.toLowerCase()) {
    report.mismatched.push(row.blobKey);
    return;
  }
  await encrypted.put(row.blobKey, bytes, { contentType: row.contentType, sha256: row.sha256 });
  report.encrypted += 1;
}

/** The first bytes of a blob, as many as a header has (or the whole blob if shorter). */
async function readRange(store: BlobStore, key: string, size: number): Promise<Buffer> {
  const read = await store.get(key, { start: 0, end: Math.min(size, HEADER_BYTES) - 1 });
  return read ? buffer(read.stream) : Buffer.alloc(0);
}
