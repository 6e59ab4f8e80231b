import type { EvidenceSnapshot, ReviewFlag } from '@invigil/contracts';
import { reviewApi } from '../api/endpoints';
import { DETECTOR_INFO, SEVERITY_LABEL } from '../exams/detectors';
import { formatClock, spokenClock } from '../player/timeline';
import { DECISION_LABEL, duringCallText, flagSpan } from './review-model';

const KIND_LABEL: Record<EvidenceSnapshot['kind'], string> = {
  webcam: 'Webcam',
  screen: 'Screen',
  id_face: 'Identity photo',
  id_document: 'Identity document',
};

/** Snapshot thumbnails, each opening the full image; alt text says what and when. */
export function SnapshotStrip({
  sessionId,
  snapshots,
  startMs,
}: {
  sessionId: string;
  snapshots: readonly EvidenceSnapshot[];
  /** The attempt's start (epoch ms) to say when each was taken; null shows the clock time. */
  startMs: number | null;
}) {
  if (snapshots.length === 0) return null;
  return (
    <ul className="snapshot-strip" aria-label="Evidence snapshots">
      {snapshots.map((s) => {
        const url = reviewApi.snapshotUrl(sessionId, s.kind, s.seq);
        const when =
          startMs === null
            ? new Date(s.takenMs).toLocaleTimeString()
            : spokenClock(s.takenMs - startMs);
        const label = `${KIND_LABEL[s.kind]} snapshot ${s.seq}, ${startMs === null ? 'taken' : 'at'} ${when}`;
        return (
          <li key={s.id}>
            <a href={url} target="_blank" rel="noreferrer">
              <img src={url} alt={label} loading="lazy" width={160} height={120} />
            </a>
          </li>
        );
      })}
    </ul>
  );
}

/**
 * What a flag says: its kind, severity, time in the attempt, message and decision, and for a
 * voice flag, the call with a proctor it overlapped.
 */
export function FlagSummary({ flag, headingId }: { flag: ReviewFlag; headingId: string }) {
  const span = flagSpan(flag, formatClock);
  const call = duringCallText(flag);
  return (
    <div className="flag-summary">
      <h3 id={headingId} className="flag-title">
        {DETECTOR_INFO[flag.type].label}{' '}
        <span className={`badge badge-severity-${flag.severity}`}>
          {SEVERITY_LABEL[flag.severity]} severity
        </span>{' '}
        <span className={`badge badge-decision-${flag.decision}`}>
          {DECISION_LABEL[flag.decision]}
        </span>
      </h3>
      <p className="muted small">
        {flag.startOffsetMs === null ? (
          'Time unknown'
        ) : (
          <>
            <span aria-hidden="true">{span}</span>
            <span className="sr-only">
              From {spokenClock(flag.startOffsetMs)}
              {flag.endOffsetMs === null ? '' : ` to ${spokenClock(flag.endOffsetMs)}`} into the
              exam
            </span>
          </>
        )}
      </p>
      <p>{flag.message}</p>
      {call ? (
        <p className="flag-during-call">
          <strong>{call}.</strong> The voice heard may be the student talking to the proctor.
        </p>
      ) : null}
      {flag.comment ? (
        <p className="flag-comment">
          <strong>Reviewer’s comment:</strong> {flag.comment}
        </p>
      ) : null}
    </div>
  );
}
