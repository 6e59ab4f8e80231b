import { and, eq, inArray, lte } from 'drizzle-orm';
import type { Db } from '../../db/database.js';
import { dataExports } from '../../db/schema.js';
import type { BlobStore } from '../../ports/blob-store.port.js';
import type { Clock } from '../../ports/clock.port.js';
import { DATA_EXPORT_KEEP_DAYS, type DataExportRow } from './data-export-view.js';
import { deleteParts, PartSink, type PartsWritten } from './export-parts.js';
import { writeSubjectZip } from './export-writer.js';

const DAY_MS = 24 * 3_600_000;
/** Progress is written at most this often (a file a millisecond would be a write each). */
const PROGRESS_EVERY_MS = 500;

/**
 * The job's side of data exports: run one (idempotently: a rerun deletes what an earlier
 * run stored and starts again), record progress, the result or the failure, and the sweep
 * that deletes expired files and finds exports whose job was lost.
 */
export class ExportRuns {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly blobs: BlobStore,
  ) {}

  /**
   * Write export `id` unless it is already finished. Throws what failed; the caller decides
   * whether that was the last attempt (`fail`) or not (`retryLater`).
   */
  async run(id: string, signal?: AbortSignal): Promise<'written' | 'skipped'> {
    const row = await this.begin(id);
    if (!row) return 'skipped';
    const prefix = row.blobPrefix ?? `exports/${row.id}`;
    const sink = new PartSink(this.blobs, prefix, (parts) => this.set(id, { parts }));
    let last = 0;
    await writeSubjectZip({ db: this.db, blobs: this.blobs }, row.userId, sink, {
      now: this.clock.now(),
      signal,
      progress: async (done, total) => {
        const at = performance.now();
        if (done !== 0 && done !== total && at - last < PROGRESS_EVERY_MS) return;
        last = at;
        await this.set(id, { progressDone: done, progressTotal: total });
      },
    });
    await this.finish(id, prefix, sink.written);
    return 'written';
  }

  /**
   * The last attempt failed, or its job died: delete what was stored and say why in words.
   * An export already finished is left as it is.
   */
  async fail(id: string, message: string): Promise<void> {
    const row = await this.clear(id);
    if (!row) return;
    await this.db
      .update(dataExports)
      .set({ status: 'failed', error: message, finishedAt: this.clock.now() })
      .where(and(eq(dataExports.id, id), inArray(dataExports.status, ['queued', 'running'])));
  }

  /** An attempt failed and another will come: queued again, its partial file deleted. */
  async retryLater(id: string): Promise<void> {
    const row = await this.clear(id);
    if (!row) return;
    await this.db
      .update(dataExports)
      .set({ status: 'queued', progressDone: 0 })
      .where(and(eq(dataExports.id, id), eq(dataExports.status, 'running')));
  }

  /**
   * Delete the files of ready exports past `expires_at` (the rows stay, `expired`), and
   * return the ids of exports queued for over `lostAfterMs` (their job may have been lost).
   */
  async sweep(lostAfterMs: number): Promise<string[]> {
    const now = this.clock.now();
    const due = await this.db
      .select()
      .from(dataExports)
      .where(and(eq(dataExports.status, 'ready'), lte(dataExports.expiresAt, now)))
      .limit(100);
    for (const row of due) {
      if (row.blobPrefix) await deleteParts(this.blobs, row.blobPrefix, row.parts);
      await this.db
        .update(dataExports)
        .set({ status: 'expired', parts: 0, blobPrefix: null })
        .where(and(eq(dataExports.id, row.id), eq(dataExports.status, 'ready')));
    }
    const queued = await this.db
      .select({ id: dataExports.id })
      .from(dataExports)
      .where(
        and(
          eq(dataExports.status, 'queued'),
          lte(dataExports.createdAt, new Date(now.getTime() - lostAfterMs)),
        ),
      )
      .limit(100);
    return queued.map((r) => r.id);
  }

  /** Mark the export running, deleting the parts of an earlier interrupted run. */
  private async begin(id: string): Promise<DataExportRow | undefined> {
    const [row] = await this.db.select().from(dataExports).where(eq(dataExports.id, id));
    if (!row || !['queued', 'running'].includes(row.status)) return undefined;
    if (row.blobPrefix && row.parts > 0) await deleteParts(this.blobs, row.blobPrefix, row.parts);
    const [started] = await this.db
      .update(dataExports)
      .set({
        status: 'running',
        startedAt: this.clock.now(),
        blobPrefix: `exports/${row.id}`,
        parts: 0,
        progressDone: 0,
        error: null,
      })
      .where(and(eq(dataExports.id, id), inArray(dataExports.status, ['queued', 'running'])))
      .returning();
    return started;
  }

  private async finish(id: string, prefix: string, written: PartsWritten): Promise<void> {
    const now = this.clock.now();
    const done = await this.db
      .update(dataExports)
      .set({
        status: 'ready',
        parts: written.parts,
        sizeBytes: written.sizeBytes,
        sha256: written.sha256,
        finishedAt: now,
        expiresAt: new Date(now.getTime() + DATA_EXPORT_KEEP_DAYS * DAY_MS),
      })
      .where(and(eq(dataExports.id, id), eq(dataExports.status, 'running')))
      .returning({ id: dataExports.id });
    // Cancelled while it was written (the student's data was erased): nothing may stay.
    if (done.length === 0) await deleteParts(this.blobs, prefix, written.parts);
  }

  /** Delete an unfinished export's stored parts; the row as it was, or undefined. */
  private async clear(id: string): Promise<DataExportRow | undefined> {
    const [row] = await this.db.select().from(dataExports).where(eq(dataExports.id, id));
    if (!row || (row.status !== 'running' && row.status !== 'queued')) return undefined;
    if (row.blobPrefix && row.parts > 0) await deleteParts(this.blobs, row.blobPrefix, row.parts);
    await this.set(id, { parts: 0 });
    return row;
  }

  private async set(
    id: string,
    values: Partial<Pick<DataExportRow, 'parts' | 'progressDone' | 'progressTotal'>>,
  ): Promise<void> {
    await this.db.update(dataExports).set(values).where(eq(dataExports.id, id));
  }
}
