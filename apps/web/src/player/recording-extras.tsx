import type { MediaSegment } from '@invigil/contracts';
import { recordingApi } from '../capture/api';
import { TRACK_LABEL } from './player-clock';
import {
  formatClock,
  latestSnapshot,
  snapshotAt,
  type PlayedTrack,
  type Timeline,
} from './timeline';

/** The gaps as a list of buttons that jump to them. */
export function GapList({
  timeline,
  onSeek,
}: {
  timeline: Timeline;
  onSeek: (epochMs: number) => void;
}) {
  const gaps = timeline.gaps.filter((g) => g.track !== 'room_scan');
  if (gaps.length === 0) return <p className="muted small">No gaps in the recording.</p>;
  return (
    <details className="gap-list">
      <summary>
        {gaps.length} gap{gaps.length === 1 ? '' : 's'} in the recording
      </summary>
      <ul>
        {gaps.map((g) => (
          <li key={`${g.track}-${g.fromMs}`}>
            <button type="button" className="link-button" onClick={() => onSeek(g.fromMs)}>
              {TRACK_LABEL[g.track as PlayedTrack]}: {formatClock(g.fromMs - timeline.startMs)}–
              {formatClock(g.toMs - timeline.startMs)}
            </button>
            {g.missingSeqs.length ? (
              <span className="muted small">
                {' '}
                (missing segment{g.missingSeqs.length === 1 ? '' : 's'} {g.missingSeqs.join(', ')})
              </span>
            ) : null}
          </li>
        ))}
      </ul>
    </details>
  );
}

/** Identity photos and the snapshots nearest the current moment. */
export function Stills({
  sessionId,
  timeline,
  at,
}: {
  sessionId: string;
  timeline: Timeline;
  at: number;
}) {
  const items = [
    { label: 'Face photo (identity check)', snap: latestSnapshot(timeline.snapshots, 'id_face') },
    { label: 'Identity document', snap: latestSnapshot(timeline.snapshots, 'id_document') },
    { label: 'Webcam snapshot at this time', snap: snapshotAt(timeline.snapshots, 'webcam', at) },
    { label: 'Screen snapshot at this time', snap: snapshotAt(timeline.snapshots, 'screen', at) },
  ].filter((i) => i.snap);
  if (items.length === 0) return null;
  return (
    <div className="stills">
      {items.map(({ label, snap }) => (
        <figure key={label} className="still">
          <img
            src={recordingApi.snapshotUrl(sessionId, snap!.kind, snap!.seq)}
            alt={label}
            loading="lazy"
          />
          <figcaption>
            {label}
            {snap!.kind === 'webcam' || snap!.kind === 'screen'
              ? ` (${formatClock(snap!.takenMs - timeline.startMs)})`
              : ''}
          </figcaption>
        </figure>
      ))}
    </div>
  );
}

/** The room scan, one short clip per segment. */
export function RoomScan({ sessionId, segments }: { sessionId: string; segments: MediaSegment[] }) {
  if (segments.length === 0) return null;
  return (
    <details className="room-scan">
      <summary>
        Room scan ({segments.length} part{segments.length === 1 ? '' : 's'})
      </summary>
      <div className="room-scan-clips">
        {segments.map((s, i) => (
          // eslint-disable-next-line jsx-a11y/media-has-caption
          <video
            key={s.seq}
            controls
            preload="metadata"
            src={recordingApi.mediaUrl(sessionId, 'room_scan', s.seq)}
            aria-label={`Room scan, part ${i + 1}`}
          />
        ))}
      </div>
    </details>
  );
}
