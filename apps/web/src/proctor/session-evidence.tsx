import type { Flag, LatestSnapshot, RecordingManifest, Snapshot } from '@invigil/contracts';
import type { z } from 'zod';
import { recordingApi } from '../capture/api';
import { formatClock, latestSnapshot, snapshotAt } from '../player/timeline';
import { EmptyState } from '../ui/states';
import { FLAG_TYPE_LABEL, SEVERITY_LABEL } from './alert-model';

type Latest = z.infer<typeof LatestSnapshot>;

function Still({
  sessionId,
  kind,
  seq,
  label,
  caption,
}: {
  sessionId: string;
  kind: Snapshot['kind'];
  seq: number;
  label: string;
  caption?: string;
}) {
  return (
    <figure className="still evidence-still">
      <img src={recordingApi.snapshotUrl(sessionId, kind, seq)} alt={label} loading="lazy" />
      <figcaption>{caption ?? label}</figcaption>
    </figure>
  );
}

/** The enrolment photos beside the latest webcam snapshot, to compare faces. */
export function IdentityCompare({
  sessionId,
  manifest,
  latestWebcam,
}: {
  sessionId: string;
  manifest: RecordingManifest | undefined;
  /** From the live tile: newer than the manifest while the attempt runs. */
  latestWebcam: Latest | null;
}) {
  const snapshots = manifest?.snapshots ?? [];
  const face = latestSnapshot(snapshots, 'id_face');
  const document = latestSnapshot(snapshots, 'id_document');
  const manifestWebcam = latestSnapshot(snapshots, 'webcam');
  const webcamSeq = Math.max(latestWebcam?.seq ?? -1, manifestWebcam?.seq ?? -1);
  return (
    <div className="identity-compare">
      {face ? (
        <Still sessionId={sessionId} kind="id_face" seq={face.seq} label="Face photo at check-in" />
      ) : (
        <p className="still-missing">No face photo</p>
      )}
      {document ? (
        <Still
          sessionId={sessionId}
          kind="id_document"
          seq={document.seq}
          label="Identity document"
        />
      ) : (
        <p className="still-missing">No identity document</p>
      )}
      {webcamSeq >= 0 ? (
        <Still sessionId={sessionId} kind="webcam" seq={webcamSeq} label="Latest webcam snapshot" />
      ) : (
        <p className="still-missing">No webcam snapshot yet</p>
      )}
    </div>
  );
}

/**
 * The selected flag: what, when, and its evidence snapshots (or, when the flag names none,
 * the webcam and screen snapshots nearest its start).
 */
export function FlagEvidence({
  sessionId,
  flag,
  manifest,
}: {
  sessionId: string;
  flag: Flag | null;
  manifest: RecordingManifest | undefined;
}) {
  if (!flag) {
    return <EmptyState>Choose a flag in the timeline to see its evidence.</EmptyState>;
  }
  const snapshots = manifest?.snapshots ?? [];
  const named = flag.evidence.snapshotIds
    .map((id) => snapshots.find((s) => s.id === id))
    .filter((s): s is Snapshot => s !== undefined);
  const sorted = [...snapshots].sort((a, b) => a.takenMs - b.takenMs);
  const nearest = [
    snapshotAt(sorted, 'webcam', flag.startMs + 1000),
    snapshotAt(sorted, 'screen', flag.startMs + 1000),
  ].filter((s): s is Snapshot => s !== undefined);
  const shown = named.length > 0 ? named : nearest;
  const at = flag.startOffsetMs === null ? null : formatClock(flag.startOffsetMs);
  return (
    <div className="flag-evidence">
      <p>
        <span className={`pd-severity pd-severity-${flag.severity}`}>
          {SEVERITY_LABEL[flag.severity]}
        </span>{' '}
        <strong>{FLAG_TYPE_LABEL[flag.type]}</strong>
        {at ? ` at ${at}` : ''}
        {flag.endOffsetMs !== null && flag.startOffsetMs !== null
          ? ` for ${Math.max(1, Math.round((flag.endOffsetMs - flag.startOffsetMs) / 1000))} s`
          : ' (still going on)'}
        . {flag.message}{' '}
        <span className="muted small">
          Confidence {Math.round(flag.confidence * 100)} %, {flag.detector}.
        </span>
      </p>
      {shown.length === 0 ? (
        <p className="muted">No snapshot was taken near this moment.</p>
      ) : (
        <div className="evidence-grid">
          {shown.map((s) => (
            <Still
              key={s.id}
              sessionId={sessionId}
              kind={s.kind}
              seq={s.seq}
              label={`${s.kind === 'screen' ? 'Screen' : 'Webcam'} snapshot at ${formatClock(
                flag.startOffsetMs === null ? 0 : flag.startOffsetMs + (s.takenMs - flag.startMs),
              )}`}
              caption={`${named.length > 0 ? 'Evidence' : 'Nearest'}: ${
                s.kind === 'screen' ? 'screen' : 'webcam'
              }`}
            />
          ))}
        </div>
      )}
    </div>
  );
}
