import type {
  MediaSegment,
  MediaTrack,
  RecordingGap,
  RecordingManifest,
  Snapshot,
} from '@invigil/contracts';

/** The played tracks, in display order. */
export const PLAYED_TRACKS = ['webcam', 'screen'] as const;
export type PlayedTrack = (typeof PLAYED_TRACKS)[number];

/** A manifest arranged for playback: segments per track in order, and the overall span. */
export interface Timeline {
  /** Epoch ms of exam time 0: the first webcam or screen segment (or the session start). */
  startMs: number;
  /** Epoch ms of the end of the last webcam or screen segment. */
  endMs: number;
  tracks: Record<MediaTrack, MediaSegment[]>;
  gaps: RecordingGap[];
  snapshots: Snapshot[];
}

/** Arranges a manifest for playback. */
export function buildTimeline(manifest: RecordingManifest): Timeline {
  const tracks: Record<MediaTrack, MediaSegment[]> = { webcam: [], screen: [], room_scan: [] };
  for (const segment of manifest.segments) tracks[segment.track]?.push(segment);
  for (const list of Object.values(tracks))
    list.sort((a, b) => a.seq - b.seq || a.startMs - b.startMs);
  const played = [...tracks.webcam, ...tracks.screen];
  const startMs = played.length
    ? Math.min(...played.map((s) => s.startMs))
    : (manifest.startedAtMs ?? 0);
  const endMs = played.length ? Math.max(...played.map((s) => s.endMs)) : startMs;
  const snapshots = [...manifest.snapshots].sort((a, b) => a.takenMs - b.takenMs);
  // Gaps come with staff manifests only (the player is a staff view).
  return { startMs, endMs, tracks, gaps: manifest.gaps ?? [], snapshots };
}

/** The segment playing at epoch ms `t` (the earlier one where two overlap by a seam). */
export function segmentAt(segments: readonly MediaSegment[], t: number): MediaSegment | undefined {
  const last = segments[segments.length - 1];
  return segments.find((s) => s.startMs <= t && (t < s.endMs || (s === last && t === s.endMs)));
}

/** The segment that follows `current` in the track, if any. */
export function segmentAfter(
  segments: readonly MediaSegment[],
  current: MediaSegment,
): MediaSegment | undefined {
  const index = segments.indexOf(current);
  return index >= 0 ? segments[index + 1] : segments.find((s) => s.startMs > current.startMs);
}

/** Where a gap lies on the timeline, as fractions 0–1 of its length. */
export function gapSpans(
  timeline: Timeline,
  track: MediaTrack,
): { from: number; to: number; gap: RecordingGap }[] {
  const length = timeline.endMs - timeline.startMs;
  if (length <= 0) return [];
  const clamp = (v: number) => Math.min(1, Math.max(0, v));
  return timeline.gaps
    .filter((g) => g.track === track)
    .map((gap) => ({
      from: clamp((gap.fromMs - timeline.startMs) / length),
      to: clamp((gap.toMs - timeline.startMs) / length),
      gap,
    }));
}

/** The latest snapshot of a kind taken at or before `t` (epoch ms). */
export function snapshotAt(
  snapshots: readonly Snapshot[],
  kind: Snapshot['kind'],
  t: number,
): Snapshot | undefined {
  let found: Snapshot | undefined;
  for (const s of snapshots) {
    if (s.kind !== kind) continue;
    if (s.takenMs <= t) found = s;
    else break;
  }
  return found;
}

/** The last snapshot of a kind (identity photos: the retake wins). */
export function latestSnapshot(
  snapshots: readonly Snapshot[],
  kind: Snapshot['kind'],
): Snapshot | undefined {
  return snapshots.filter((s) => s.kind === kind).sort((a, b) => b.seq - a.seq)[0];
}

const two = (n: number) => String(n).padStart(2, '0');

/** Exam time as "m:ss" or "h:mm:ss". */
export function formatClock(ms: number): string {
  const total = Math.floor(Math.max(0, ms) / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return h > 0 ? `${h}:${two(m)}:${two(s)}` : `${m}:${two(s)}`;
}

/** Exam time in words for screen readers: "12 minutes 5 seconds". */
export function spokenClock(ms: number): string {
  const total = Math.floor(Math.max(0, ms) / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const part = (n: number, unit: string) => (n ? `${n} ${unit}${n === 1 ? '' : 's'}` : '');
  return (
    [part(h, 'hour'), part(m, 'minute'), part(s, 'second')].filter(Boolean).join(' ') || '0 seconds'
  );
}
