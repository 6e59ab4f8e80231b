import type { DataExport } from '@invigil/contracts';
import type { dataExports } from '../../db/schema.js';

/** A data_exports row. */
export type DataExportRow = typeof dataExports.$inferSelect;

/** Days a ready export can be downloaded before its file is deleted. */
export const DATA_EXPORT_KEEP_DAYS = 7;

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** A row as the API shows it: never where the file is stored. */
export function toDataExport(r: DataExportRow): DataExport {
  return {
    id: r.id,
    userId: r.userId,
    requestedBy: r.requestedBy,
    status: r.status as DataExport['status'],
    progressDone: r.progressDone,
    progressTotal: r.progressTotal,
    sizeBytes: r.sizeBytes,
    sha256: r.sha256,
    error: r.error,
    createdAt: r.createdAt.toISOString(),
    finishedAt: iso(r.finishedAt),
    expiresAt: iso(r.expiresAt),
  };
}
