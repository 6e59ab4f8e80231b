import type { MediaTrack, RecordingGap } from '@invigil/contracts';

/** The part of a stored segment that gap detection looks at. */
export interface SegmentSpan {
  track: MediaTrack;
  seq: number;
  startMs: number;
  endMs: number;
}

/** Consecutive segments further apart than this (client clock) leave a time gap. */
export const MAX_TIME_GAP_MS = 2_000;
/** After the session ended, a continuous track must reach this close to the end time. */
export const END_TOLERANCE_MS = 10_000;
/** A gap lists at most this many missing sequence numbers (the first ones). */
export const MAX_LISTED_MISSING = 1_000;
/** Tracks recorded for the whole attempt; the room scan is a one-off at check-in. */
export const CONTINUOUS_TRACKS: readonly MediaTrack[] = ['webcam', 'screen'];

function missingBetween(from: number, to: number): number[] {
  const out: number[] = [];
  for (let s = from; s < to && out.length < MAX_LISTED_MISSING; s++) out.push(s);
  return out;
}

/**
 * Holes in each track's recording, ordered by track and sequence:
 * - sequence numbers never received (from 0 up to the highest received);
 * - consecutive segments more than MAX_TIME_GAP_MS apart by their client timestamps;
 * - when `endedAtMs` is given, a continuous track whose last segment ends more than
 *   END_TOLERANCE_MS before the session ended (the recording stopped early).
 * A hole before the first received segment has `afterSeq: null` and no known duration.
 */
export function findGaps(
  segments: readonly SegmentSpan[],
  endedAtMs?: number | null,
): RecordingGap[] {
  const byTrack = new Map<MediaTrack, SegmentSpan[]>();
  for (const s of segments) {
    const list = byTrack.get(s.track);
    if (list) list.push(s);
    else byTrack.set(s.track, [s]);
  }
  const gaps: RecordingGap[] = [];
  for (const track of [...byTrack.keys()].sort()) {
    const list = (byTrack.get(track) ?? []).sort((a, b) => a.seq - b.seq);
    const first = list[0];
    if (!first) continue;
    if (first.seq > 0) {
      gaps.push({
        track,
        afterSeq: null,
        missingSeqs: missingBetween(0, first.seq),
        fromMs: first.startMs,
        toMs: first.startMs,
      });
    }
    for (let i = 1; i < list.length; i++) {
      const prev = list[i - 1] as SegmentSpan;
      const next = list[i] as SegmentSpan;
      const missing = next.seq - prev.seq - 1;
      if (missing > 0 || next.startMs - prev.endMs > MAX_TIME_GAP_MS) {
        gaps.push({
          track,
          afterSeq: prev.seq,
          missingSeqs: missingBetween(prev.seq + 1, next.seq),
          fromMs: prev.endMs,
          toMs: Math.max(prev.endMs, next.startMs),
        });
      }
    }
    const last = list[list.length - 1] as SegmentSpan;
    if (
      endedAtMs != null &&
      CONTINUOUS_TRACKS.includes(track) &&
      last.endMs < endedAtMs - END_TOLERANCE_MS
    ) {
      gaps.push({
        track,
        afterSeq: last.seq,
        missingSeqs: [],
        fromMs: last.endMs,
        toMs: endedAtMs,
      });
    }
  }
  return gaps;
}

/**
 * The recording is complete when at least one continuous track (webcam or screen) has
 * segments and `findGaps` found no hole in any track.
 */
export function isComplete(
  segments: readonly SegmentSpan[],
  gaps: readonly RecordingGap[],
): boolean {
  return gaps.length === 0 && segments.some((s) => CONTINUOUS_TRACKS.includes(s.track));
}

/** Gaps that overlap the closed interval [fromMs, toMs] (either end may be open). */
export function gapsInRange(
  gaps: readonly RecordingGap[],
  fromMs?: number,
  toMs?: number,
): RecordingGap[] {
  return gaps.filter(
    (g) => (fromMs === undefined || g.toMs >= fromMs) && (toMs === undefined || g.fromMs <= toMs),
  );
}
