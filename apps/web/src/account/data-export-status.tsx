import type { DataExport } from '@invigil/contracts';
import { dataExportsApi } from '../api/data-exports-api';
import {
  exportActive,
  exportPercent,
  exportShortText,
  exportSize,
  exportStatusText,
} from './data-export-model';
import './data-export.css';

/**
 * One export's state: a progress bar while it is made (announced politely as it moves), a
 * download link once ready. Shared by the account page and the admin's user list.
 */
export function ExportStatus({
  exp,
  label,
  compact = false,
}: {
  exp: DataExport;
  label: string;
  /** In a table row: a short status line and small controls. */
  compact?: boolean;
}) {
  const active = exportActive(exp);
  const percent = exportPercent(exp);
  return (
    <div className={compact ? 'export-status compact' : 'export-status'}>
      <p role="status" aria-live="polite" aria-atomic="true">
        {compact ? exportShortText(exp) : exportStatusText(exp)}
      </p>
      {active ? (
        <div className="export-progress">
          <div
            className="export-progress-track"
            role="progressbar"
            aria-label={label}
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={percent}
            aria-valuetext={
              exp.progressTotal > 0
                ? `${exp.progressDone} of ${exp.progressTotal} files`
                : 'Starting'
            }
          >
            <div className="export-progress-bar" style={{ width: `${percent}%` }} />
          </div>
        </div>
      ) : null}
      {exp.status === 'ready' ? (
        <a
          className={compact ? 'button secondary small' : 'button primary'}
          href={dataExportsApi.downloadUrl(exp.id)}
          download
        >
          Download zip{exp.sizeBytes !== null ? ` (${exportSize(exp.sizeBytes)})` : ''}
        </a>
      ) : null}
    </div>
  );
}
