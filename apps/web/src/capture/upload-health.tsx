import type { QueueStatus } from './upload-queue';

/** Upload health in a few words: the part screen readers hear when it changes. */
export function healthHeadline(status: QueueStatus): string {
  if (status.offline) {
    return "Offline — recordings are kept on this computer and will upload when you're back online";
  }
  if (!status.ready) return 'Checking saved recordings…';
  // Something was refused for good: "all uploaded" would not be true.
  if (status.pending === 0) return status.refusal ? 'Upload refused' : 'All uploaded';
  return status.pending === 1 ? 'Uploading 1 item' : `Uploading ${status.pending} items`;
}

/** "1.2 MB", "350 KB". */
export function formatBytes(bytes: number): string {
  if (bytes >= 1_000_000) return `${(bytes / 1_000_000).toFixed(1)} MB`;
  return `${Math.max(1, Math.round(bytes / 1000))} KB`;
}

/** The category of the status, for the live region (announced only when it changes). */
function announcement(status: QueueStatus): string {
  if (status.refusal) return status.refusal;
  if (status.offline) return healthHeadline(status);
  if (status.backlogWarning) return 'Uploads are falling behind';
  if (status.ready && status.pending === 0) return 'All uploaded';
  return '';
}

/**
 * The upload-health indicator: all uploaded, uploading N items, or offline (recordings kept on
 * this computer); warns when more than a minute of recording is waiting, and says so when the
 * server refused an item for good (over the allowance, uploads closed): the student should
 * tell the proctor.
 */
export function UploadHealth({
  status,
  compact = false,
}: {
  status: QueueStatus;
  compact?: boolean;
}) {
  const tone =
    status.offline || status.backlogWarning || status.refusal
      ? 'warn'
      : status.pending === 0
        ? 'ok'
        : 'busy';
  const minutes = Math.round(status.pendingMediaMs / 60_000);
  return (
    <div className={`upload-health upload-health-${tone}${compact ? ' compact' : ''}`}>
      <span className="upload-health-dot" aria-hidden="true" />
      <span className="upload-health-text">
        {healthHeadline(status)}
        {status.pending > 0 && !compact ? (
          <span className="muted small"> ({formatBytes(status.pendingBytes)})</span>
        ) : null}
        {status.backlogWarning ? (
          <span className="upload-health-warning">
            {' '}
            — about {minutes < 1 ? 'a minute' : `${minutes} min`} of recording is waiting. Keep this
            page open; check your connection.
          </span>
        ) : null}
        {status.refusal ? <span className="upload-health-warning"> — {status.refusal}</span> : null}
      </span>
      <span className="sr-only" role="status" aria-live="polite">
        {announcement(status)}
      </span>
    </div>
  );
}
