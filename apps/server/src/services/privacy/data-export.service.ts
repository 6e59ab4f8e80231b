import type { Readable } from 'node:stream';
import { and, desc, eq, gt, inArray, ne } from 'drizzle-orm';
import { DATA_EXPORT_INTERVAL_MINUTES, type DataExport } from '@invigil/contracts';
import type { Db, DbOrTx } from '../../db/database.js';
import { dataExports, users } from '../../db/schema.js';
import { AppError, errors } from '../../errors.js';
import type { BlobStore } from '../../ports/blob-store.port.js';
import type { Clock } from '../../ports/clock.port.js';
import type { Actor } from '../accounts/actor.js';
import { appendAudit } from '../audit/audit.service.js';
import { readParts } from './export-parts.js';
import { toDataExport, type DataExportRow } from './data-export-view.js';

/** What `request` did: a new export (202) or the one already under way (200). */
export interface RequestedExport {
  created: boolean;
  export: DataExport;
}

/** A ready export opened for download. */
export interface ExportDownload {
  filename: string;
  sizeBytes: number;
  sha256: string;
  stream: Readable;
}

const INTERVAL_MS = DATA_EXPORT_INTERVAL_MINUTES * 60_000;
const LIST_LIMIT = 20;

/**
 * Data exports as people ask for them: a student for themselves, an admin on a student's
 * behalf. Only the subject and admins ever see an export; anyone else is told it does not
 * exist. The zip itself is written by the `privacy.export` job (`jobs/privacy-export.ts`).
 */
export class DataExportService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly blobs: BlobStore,
    /** Add the job of a committed export; a failure is for the sweep to mend. */
    private readonly dispatch: (exportId: string) => Promise<void>,
  ) {}

  /** A student asks for their own data. */
  requestOwn(actor: Actor): Promise<RequestedExport> {
    return this.request(actor, actor.userId);
  }

  /** An admin asks on a student's behalf (404 unless `userId` is a student). */
  async requestFor(actor: Actor, userId: string): Promise<RequestedExport> {
    const [subject] = await this.db
      .select({ role: users.role })
      .from(users)
      .where(eq(users.id, userId));
    if (subject?.role !== 'student') throw errors.notFound('Student');
    return this.request(actor, userId);
  }

  /** The caller's own exports, newest first. */
  async listOwn(actor: Actor): Promise<DataExport[]> {
    const rows = await this.db
      .select()
      .from(dataExports)
      .where(eq(dataExports.userId, actor.userId))
      .orderBy(desc(dataExports.createdAt))
      .limit(LIST_LIMIT);
    return rows.map(toDataExport);
  }

  /** One export, for its subject or an admin. */
  async get(actor: Actor, id: string): Promise<DataExport> {
    return toDataExport(await this.visible(actor, id));
  }

  /**
   * Open a ready export's zip for its subject or an admin, audited as `export.download`
   * before the first byte goes out.
   */
  async download(actor: Actor, id: string): Promise<ExportDownload> {
    const row = await this.visible(actor, id);
    const now = this.clock.now();
    const ready =
      row.status === 'ready' &&
      row.blobPrefix !== null &&
      row.sizeBytes !== null &&
      row.sha256 !== null &&
      (row.expiresAt === null || row.expiresAt > now);
    if (!ready || row.blobPrefix === null || row.sizeBytes === null || row.sha256 === null) {
      throw errors.conflict(
        'EXPORT_NOT_READY',
        row.status === 'expired' || row.status === 'ready'
          ? 'This export has expired; request a new one'
          : 'This export is not ready yet',
        { status: row.status },
      );
    }
    await this.db.transaction((tx) =>
      appendAudit(
        tx,
        {
          actorId: actor.userId,
          action: 'export.download',
          entityType: 'data_export',
          entityId: row.id,
          data: { subjectId: row.userId, sizeBytes: row.sizeBytes },
        },
        now,
      ),
    );
    return {
      filename: `invigil-data-${row.createdAt.toISOString().slice(0, 10)}.zip`,
      sizeBytes: row.sizeBytes,
      sha256: row.sha256,
      stream: readParts(this.blobs, row.blobPrefix, row.parts),
    };
  }

  private async visible(actor: Actor, id: string): Promise<DataExportRow> {
    const [row] = await this.db.select().from(dataExports).where(eq(dataExports.id, id));
    // Not the subject and not an admin: the same answer as for an export that does not exist.
    if (!row || (row.userId !== actor.userId && actor.role !== 'admin')) {
      throw errors.notFound('Export');
    }
    return row;
  }

  /**
   * One export per subject at a time: while one is queued or running it is returned; a new
   * one is refused for an hour after the last that did not fail. Audited as `export.request`
   * with who asked, in the transaction that creates it.
   */
  private async request(actor: Actor, userId: string): Promise<RequestedExport> {
    const now = this.clock.now();
    const outcome = await this.db.transaction(async (tx) => {
      const active = await activeExport(tx, userId);
      if (active) return { created: false, row: active };
      const [recent] = await tx
        .select({ createdAt: dataExports.createdAt })
        .from(dataExports)
        .where(
          and(
            eq(dataExports.userId, userId),
            ne(dataExports.status, 'failed'),
            gt(dataExports.createdAt, new Date(now.getTime() - INTERVAL_MS)),
          ),
        )
        .orderBy(desc(dataExports.createdAt))
        .limit(1);
      if (recent) throw tooSoon(recent.createdAt, now);
      const [row] = await tx
        .insert(dataExports)
        .values({ userId, requestedBy: actor.userId, createdAt: now })
        .onConflictDoNothing()
        .returning();
      // Another request for the same subject committed first: that one is under way.
      if (!row) return { created: false, row: undefined };
      await appendAudit(
        tx,
        {
          actorId: actor.userId,
          action: 'export.request',
          entityType: 'data_export',
          entityId: row.id,
          data: { subjectId: userId, requestedBy: actor.userId, onBehalf: actor.userId !== userId },
        },
        now,
      );
      return { created: true, row };
    });
    const row = outcome.row ?? (await activeExport(this.db, userId));
    if (!row) throw errors.conflict('CONFLICT', 'Another request changed this export; try again');
    if (outcome.created) await this.dispatch(row.id);
    return { created: outcome.created, export: toDataExport(row) };
  }
}

/** The subject's queued or running export, if any. */
async function activeExport(db: DbOrTx, userId: string): Promise<DataExportRow | undefined> {
  const [row] = await db
    .select()
    .from(dataExports)
    .where(and(eq(dataExports.userId, userId), inArray(dataExports.status, ['queued', 'running'])));
  return row;
}

/** 429 EXPORT_RATE_LIMITED with when the next request is allowed. */
function tooSoon(last: Date, now: Date): AppError {
  const retryAfter = Math.max(1, Math.ceil((last.getTime() + INTERVAL_MS - now.getTime()) / 1000));
  return new AppError(
    429,
    'EXPORT_RATE_LIMITED',
    `One data export per hour: the next can be requested in ${Math.ceil(retryAfter / 60)} minutes`,
    { retryAfterSeconds: retryAfter },
    { 'retry-after': String(retryAfter) },
  );
}
