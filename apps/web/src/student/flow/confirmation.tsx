import { useEffect, type ReactNode } from 'react';
import { Link } from 'react-router-dom';
import type { ExamSession } from '@invigil/contracts';
import type { CaptureSession } from '../../capture/capture-session';
import { formatBytes, healthHeadline } from '../../capture/upload-health';
import { useQueueStatus } from '../../capture/use-capture';
import { formatDateTime } from '../../lib/datetime';
import { Page } from '../../ui/page';
import { noteRecordingEnded } from './recording-off';

/**
 * After the attempt: submitted (or ended by a proctor). Recording is stopped; the recordings
 * still on this computer keep uploading, with progress, until "All recordings uploaded".
 */
export function Confirmation({
  title,
  session,
  capture,
  children,
}: {
  title: string;
  session: ExamSession;
  capture: CaptureSession;
  /**
   * The outcome in place of the standard notice (an ended attempt's reason, or the new
   * attempt staff granted, which must come first).
   */
  children?: ReactNode;
}) {
  const status = useQueueStatus(capture);
  const terminated = session.state === 'terminated';

  useEffect(() => {
    // Recording ends with the attempt; the queue keeps draining (also after a reload).
    noteRecordingEnded(capture);
    void capture.stopRecording().then(() => capture.events.detach());
    capture.startUploads(false);
  }, [capture]);

  const done = status.ready && status.pending === 0;
  useEffect(() => {
    if (done) return;
    const warn = (event: BeforeUnloadEvent) => event.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [done]);

  // Progress: what this page uploaded against that plus what is left.
  const total = status.uploadedBytes + status.pendingBytes;
  const percent = total > 0 ? Math.min(100, Math.round((status.uploadedBytes / total) * 100)) : 100;

  return (
    <Page title={terminated ? 'Your exam was ended' : 'Exam submitted'}>
      <section className="card" aria-labelledby="result-heading">
        <h2 id="result-heading">{title}</h2>
        {children ??
          (terminated ? (
            <p className="notice notice-error">
              A proctor ended this exam
              {session.endedAt ? ` at ${formatDateTime(session.endedAt)}` : ''}. You can no longer
              answer. Contact your instructor if you have questions about why.
            </p>
          ) : (
            <p className="notice notice-success">
              Your answers were submitted
              {session.endedAt ? ` at ${formatDateTime(session.endedAt)}` : ''}. Recording has
              stopped.
            </p>
          ))}
        {session.state === 'under_review' || session.state === 'reviewed' ? (
          <p>
            Status:{' '}
            {session.state === 'under_review' ? 'being reviewed by the exam staff' : 'reviewed'}.
          </p>
        ) : null}
      </section>
      <section className="card" aria-labelledby="uploads-heading">
        <h2 id="uploads-heading">Recordings</h2>
        <div role="status" aria-live="polite" className="upload-summary">
          {/* A refusal first, in the live region: the student must tell the proctor. */}
          {status.refusal ? <p className="notice notice-error">{status.refusal}</p> : null}
          {done ? (
            status.refusal ? (
              <p className="notice">Everything else is uploaded. You can close this page.</p>
            ) : (
              <p className="notice notice-success">
                All recordings uploaded. You can close this page.
              </p>
            )
          ) : status.offline ? (
            <p className="notice notice-error">{healthHeadline(status)}. Keep this page open.</p>
          ) : (
            <p>
              {status.ready
                ? `Uploading recordings: ${status.pending} item${status.pending === 1 ? '' : 's'} left (${formatBytes(status.pendingBytes)}).`
                : 'Checking for recordings on this computer…'}{' '}
              Keep this page open until they are all uploaded.
            </p>
          )}
        </div>
        {!done ? (
          <label className="upload-progress">
            Upload progress
            <progress max={100} value={percent}>
              {percent}%
            </progress>
          </label>
        ) : null}
        {status.lastError && !status.offline && !done ? (
          <p className="muted small">{status.lastError}</p>
        ) : null}
      </section>
      <p>
        <Link to="/student">Back to My exams</Link>
      </p>
    </Page>
  );
}
