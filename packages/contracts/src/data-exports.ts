import { z } from 'zod';
import { Id, Timestamp } from './common.js';

/**
 * Where a data export (everything held about one student, as one zip) stands: waiting for
 * the job, being written, ready to download until it expires, failed, or expired (its file
 * deleted).
 */
export const DataExportStatus = z.enum(['queued', 'running', 'ready', 'failed', 'expired']);
export type DataExportStatus = z.infer<typeof DataExportStatus>;

/** One data export as its subject and admins see it (never the stored file's location). */
export const DataExport = z.object({
  id: Id,
  /** The student the export is about. */
  userId: Id,
  /** Who asked for it: the student, or an admin on their behalf (null once that account is gone). */
  requestedBy: Id.nullable(),
  status: DataExportStatus,
  /** Files written so far and in all (0 of 0 until the job has counted them). */
  progressDone: z.number().int().nonnegative(),
  progressTotal: z.number().int().nonnegative(),
  /** The zip's size and SHA-256 (hex), once ready. */
  sizeBytes: z.number().int().nonnegative().nullable(),
  sha256: z.string().nullable(),
  /** Why it failed, in words (no internals). */
  error: z.string().nullable(),
  createdAt: Timestamp,
  finishedAt: Timestamp.nullable(),
  /** When the file is deleted (set once ready). */
  expiresAt: Timestamp.nullable(),
});
export type DataExport = z.infer<typeof DataExport>;

/** How long a subject waits between two requested exports (a running one is returned instead). */
export const DATA_EXPORT_INTERVAL_MINUTES = 60;
