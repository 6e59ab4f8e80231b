import type { Flag, LatestSnapshot, RecordingManifest, Snapshot } from '@invigil/contracts';
import type { z } from 'zod';
import { recordingApi } from '../capture/api';
import { formatClock, latestSnapshot, snapshotAt } from '../player/timeline';
import { EmptyState } from '../ui/states';
import { formatDateTime } from '../lib/datetime';
import { FLAG_TYPE_LABEL, SEVERITY_LABEL } from './alert-model';
import { identityPhotos } from './detail-model';
import { evidenceFacts, type EvidenceFacts } from './evidence-facts';

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

/**
 * The identity photos beside the latest webcam snapshot, to compare faces: the newest face
 * photo and ID document, then every earlier one (taken again at check-in, or before a
 * proctor asked for new photos), marked replaced.
 */
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
  const { current, replaced } = identityPhotos(snapshots);
  const face = current.id_face?.snapshot;
  const document = current.id_document?.snapshot;
  const faceReplaced = replaced.some((p) => p.snapshot.kind === 'id_face');
  const documentReplaced = replaced.some((p) => p.snapshot.kind === 'id_document');
  const manifestWebcam = latestSnapshot(snapshots, 'webcam');
  const webcamSeq = Math.max(latestWebcam?.seq ?? -1, manifestWebcam?.seq ?? -1);
  const taken = (s: Snapshot) => formatDateTime(new Date(s.takenMs).toISOString());
  return (
    <>
      <div className="identity-compare">
        {face ? (
          <Still
            sessionId={sessionId}
            kind="id_face"
            seq={face.seq}
            label={faceReplaced ? 'Newest face photo' : 'Face photo at check-in'}
            caption={`${faceReplaced ? 'Newest face photo' : 'Face photo'}, ${taken(face)}`}
          />
        ) : (
          <p className="still-missing">No face photo</p>
        )}
        {document ? (
          <Still
            sessionId={sessionId}
            kind="id_document"
            seq={document.seq}
            label={documentReplaced ? 'Newest identity document' : 'Identity document'}
            caption={`${documentReplaced ? 'Newest identity document' : 'Identity document'}, ${taken(
              document,
            )}`}
          />
        ) : (
          <p className="still-missing">No identity document</p>
        )}
        {webcamSeq >= 0 ? (
          <Still
            sessionId={sessionId}
            kind="webcam"
            seq={webcamSeq}
            label="Latest webcam snapshot"
          />
        ) : (
          <p className="still-missing">No webcam snapshot yet</p>
        )}
      </div>
      {replaced.length > 0 ? (
        <details className="identity-replaced">
          <summary>Earlier identity photos ({replaced.length}, replaced by newer ones)</summary>
          <div className="identity-compare">
            {replaced.map((p) => (
              <Still
                key={p.snapshot.id}
                sessionId={sessionId}
                kind={p.snapshot.kind}
                seq={p.snapshot.seq}
                label={p.label}
                caption={`${p.label}, ${taken(p.snapshot)}`}
              />
            ))}
          </div>
        </details>
      ) : null}
    </>
  );
}

const STILL_KIND: Record<Snapshot['kind'], string> = {
  webcam: 'Webcam snapshot',
  screen: 'Screen snapshot',
  id_face: 'Face photo',
  id_document: 'Identity document',
};

/** The facts the server kept with a flag about the evidence itself, and its items. */
function Facts({ facts, table }: EvidenceFacts) {
  return (
    <>
      {facts.length > 0 ? (
        <dl className="facts evidence-facts">
          {facts.map((f, i) => (
            <div key={`${i}-${f.term}`}>
              <dt>{f.term}</dt>
              <dd>{f.value}</dd>
            </div>
          ))}
        </dl>
      ) : null}
      {table ? (
        <div className="table-wrap evidence-table">
          <table className="table">
            <caption>{table.caption}</caption>
            <thead>
              <tr>
                {table.columns.map((c) => (
                  <th key={c} scope="col">
                    {c}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {table.rows.map((row) => (
                <tr key={row.key}>
                  {row.cells.map((cell, i) => (
                    <td key={i} data-label={table.columns[i]}>
                      {cell}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </>
  );
}

/**
 * The selected flag: what, when, the facts the server kept when the flag is about the
 * evidence itself (a gap's track, start and end; late events; the clock's offset), and its
 * evidence snapshots (or, when the flag names none, the webcam and screen snapshots nearest
 * its start).
 */
export function FlagEvidence({
  sessionId,
  flag,
  manifest,
  startMs,
}: {
  sessionId: string;
  flag: Flag | null;
  manifest: RecordingManifest | undefined;
  /** The attempt's start (epoch ms), to write times as the timeline does; null: clock times. */
  startMs: number | null;
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
  // A single finding (a refused upload, a clock sample) has no duration worth saying.
  const lasting = flag.endOffsetMs === null || flag.endOffsetMs !== flag.startOffsetMs;
  return (
    <div className="flag-evidence">
      <p>
        <span className={`pd-severity pd-severity-${flag.severity}`}>
          {SEVERITY_LABEL[flag.severity]}
        </span>{' '}
        <strong>{FLAG_TYPE_LABEL[flag.type]}</strong>
        {at ? ` at ${at}` : ''}
        {!lasting
          ? ''
          : flag.endOffsetMs !== null && flag.startOffsetMs !== null
            ? ` for ${Math.max(1, Math.round((flag.endOffsetMs - flag.startOffsetMs) / 1000))} s`
            : ' (still going on)'}
        . {flag.message}
        {/[.!?]$/.test(flag.message) ? ' ' : '. '}
        <span className="muted small">
          Confidence {Math.round(flag.confidence * 100)} %, {flag.detector}.
        </span>
      </p>
      <Facts {...evidenceFacts(flag, { startMs })} />
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
              label={`${STILL_KIND[s.kind]} at ${formatClock(
                flag.startOffsetMs === null ? 0 : flag.startOffsetMs + (s.takenMs - flag.startMs),
              )}`}
              caption={`${named.length > 0 ? 'Evidence' : 'Nearest'}: ${STILL_KIND[
                s.kind
              ].toLowerCase()}`}
            />
          ))}
        </div>
      )}
    </div>
  );
}
