import { and, eq } from 'drizzle-orm';
import type { Db } from '../../db/database.js';
import { dataExports } from '../../db/schema.js';
import type { BlobStore } from '../../ports/blob-store.port.js';
import { deleteParts } from './export-parts.js';

/**
 * Delete every stored export of `userId` (for an erasure: a zip holds copies of the
 * recordings). Ready exports become `expired`, unfinished ones `failed`; an export being
 * written at that moment deletes its own file when it finishes (it is no longer running).
 * Returns how many exports had files deleted.
 */
export async function eraseSubjectExports(
  db: Db,
  blobs: BlobStore,
  userId: string,
): Promise<number> {
  const rows = await db.select().from(dataExports).where(eq(dataExports.userId, userId));
  let erased = 0;
  for (const row of rows) {
    if (row.blobPrefix && row.parts > 0) {
      await deleteParts(blobs, row.blobPrefix, row.parts);
      erased += 1;
    }
    const unfinished = row.status === 'queued' || row.status === 'running';
    await db
      .update(dataExports)
      .set(
        unfinished
          ? { status: 'failed', error: 'The data was erased', parts: 0 }
          : { status: row.status === 'ready' ? 'expired' : row.status, parts: 0, blobPrefix: null },
      )
      .where(and(eq(dataExports.id, row.id), eq(dataExports.status, row.status)));
  }
  return erased;
}
