import type { MediaTrack, RecordingGap, RecordingGapReason } from '@invigil/contracts';

/** The part of a stored segment that gap detection looks at. */
export interface SegmentSpan {
  track: MediaTrack;
  seq: number;
  startMs: number;
  endMs: number;
}

/** Consecutive segments further apart than this (client clock) leave a time gap. */
export const MAX_TIME_GAP_MS = 2_000;
/** A track must reach at least this close to the attempt's start and end (see coverageToleranceMs). */
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
 * What a recording must cover: the attempt, for the tracks the exam requires. Times are
 * server epoch ms; they are mapped to the student's clock with `clockOffsetMs` before they
 * are compared with the segments' client times, so a clock steadily off by more than the
 * tolerance does not look like a late start or an early stop (it is `clock_skew`'s to report).
 */
export interface AttemptCoverage {
  /** Tracks the exam's policy requires (see `requiredTracks`). */
  required: readonly MediaTrack[];
  /** When the attempt started; null before it did (only holes between segments count then). */
  startedAtMs: number | null;
  /** When it ended; null while it runs. */
  endedAtMs: number | null;
  /** The present, which a running attempt's required tracks must reach. */
  nowMs: number;
  /** The policy's segment length, for the tolerance (0: unknown). */
  segmentMs: number;
  /**
   * The student's clock offset (client − server, ms; see `estimateClockOffset` in the
   * detection rules). Default 0.
   */
  clockOffsetMs?: number;
}

/** No attempt to cover: only holes between received segments count. */
const NO_ATTEMPT: AttemptCoverage = {
  required: [],
  startedAtMs: null,
  endedAtMs: null,
  nowMs: 0,
  segmentMs: 0,
};

/** A hole and why it is one. */
export interface FoundGap extends RecordingGap {
  reason: RecordingGapReason;
}

/** How far a track's first or last segment may fall short of the attempt's start or end. */
export function coverageToleranceMs(segmentMs: number): number {
  return Math.max(END_TOLERANCE_MS, 2 * segmentMs);
}

/**
 * How far a running attempt's required track may lag behind the present: the tolerance plus
 * the segment being recorded (it is uploaded when it ends).
 */
export function runningToleranceMs(segmentMs: number): number {
  return coverageToleranceMs(segmentMs) + segmentMs;
}

/** Holes between one track's segments (sorted by seq): missing numbers and pauses. */
function holes(track: MediaTrack, list: readonly SegmentSpan[]): FoundGap[] {
  const gaps: FoundGap[] = [];
  const first = list[0];
  if (!first) return gaps;
  if (first.seq > 0) {
    gaps.push({
      track,
      afterSeq: null,
      missingSeqs: missingBetween(0, first.seq),
      fromMs: first.startMs,
      toMs: first.startMs,
      reason: 'missing_seqs',
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
        reason: missing > 0 ? 'missing_seqs' : 'time_gap',
      });
    }
  }
  return gaps;
}

/**
 * Where a track falls short of the attempt: never recorded, started late, stopped early or
 * lags. Judged on the student's clock: the attempt's server times are mapped to it, and the
 * gaps found are in it, like the segments' own times.
 */
function shortfalls(
  track: MediaTrack,
  list: readonly SegmentSpan[],
  attempt: AttemptCoverage,
): FoundGap[] {
  const offset = attempt.clockOffsetMs ?? 0;
  const onClientClock = (ms: number | null) => (ms === null ? null : ms + offset);
  const a = {
    ...attempt,
    startedAtMs: onClientClock(attempt.startedAtMs),
    endedAtMs: onClientClock(attempt.endedAtMs),
    nowMs: attempt.nowMs + offset,
  };
  const required = a.required.includes(track);
  const tolerance = coverageToleranceMs(a.segmentMs);
  const first = list[0];
  const last = list[list.length - 1];
  const gaps: FoundGap[] = [];
  const edge = (
    afterSeq: number | null,
    fromMs: number,
    toMs: number,
    reason: FoundGap['reason'],
  ) => gaps.push({ track, afterSeq, missingSeqs: [], fromMs, toMs, reason });
  if (a.endedAtMs !== null) {
    // Ended: every continuous track present, and every required one, must reach the end.
    if (!first || !last) {
      if (required && a.startedAtMs !== null) edge(null, a.startedAtMs, a.endedAtMs, 'never');
    } else if (CONTINUOUS_TRACKS.includes(track) || required) {
      if (last.endMs < a.endedAtMs - tolerance)
        edge(last.seq, last.endMs, a.endedAtMs, 'early_stop');
    }
  } else if (required && a.startedAtMs !== null) {
    // Running: a required track must reach the present, once there has been time to record.
    const lag = runningToleranceMs(a.segmentMs);
    if (!first || !last) {
      if (a.nowMs - a.startedAtMs > lag) edge(null, a.startedAtMs, a.nowMs, 'never');
    } else if (last.endMs < a.nowMs - lag) edge(last.seq, last.endMs, a.nowMs, 'behind');
  }
  if (required && a.startedAtMs !== null && first && first.startMs > a.startedAtMs + tolerance) {
    edge(null, a.startedAtMs, first.startMs, 'late_start');
  }
  return gaps;
}

/**
 * Holes in each track's recording, ordered by track, then as found:
 * - sequence numbers never received (from 0 up to the highest received);
 * - consecutive segments more than MAX_TIME_GAP_MS apart by their client timestamps;
 * - once the attempt ended, a continuous or required track whose last segment ends more than
 *   the tolerance (`coverageToleranceMs`) before the end (the recording stopped early);
 * - for each track the attempt requires: none at all since it started (`never`), a first
 *   segment starting more than the tolerance after the start (`late_start`), and while it
 *   runs, a last segment more than `runningToleranceMs` behind the present (`behind`).
 * The attempt's start, end and present are compared on the student's clock
 * (`attempt.clockOffsetMs`); every gap's times are on that clock.
 * A hole before the first received segment has `afterSeq: null` and no known duration.
 */
export function findGaps(
  segments: readonly SegmentSpan[],
  attempt: AttemptCoverage = NO_ATTEMPT,
): FoundGap[] {
  const byTrack = new Map<MediaTrack, SegmentSpan[]>();
  for (const track of attempt.required) byTrack.set(track, []);
  for (const s of segments) {
    const list = byTrack.get(s.track);
    if (list) list.push(s);
    else byTrack.set(s.track, [s]);
  }
  const gaps: FoundGap[] = [];
  for (const track of [...byTrack.keys()].sort()) {
    const list = (byTrack.get(track) ?? []).sort((a, b) => a.seq - b.seq);
    gaps.push(...holes(track, list), ...shortfalls(track, list, attempt));
  }
  return gaps;
}

/**
 * The recording is complete when `findGaps` found no hole and every track the exam requires
 * has segments (when nothing is required: when some continuous track has). With the attempt
 * given to `findGaps`, that means every required track covers it, from its start to its end
 * (or to the present while it runs), within the tolerance.
 */
export function isComplete(
  segments: readonly SegmentSpan[],
  gaps: readonly RecordingGap[],
  required: readonly MediaTrack[] = [],
): boolean {
  if (gaps.length > 0) return false;
  if (required.length === 0) return segments.some((s) => CONTINUOUS_TRACKS.includes(s.track));
  return required.every((track) => segments.some((s) => s.track === track));
}

/** The manifest's view of a hole: the contract's fields only. */
export function toRecordingGap(g: FoundGap): RecordingGap {
  return {
    track: g.track,
    afterSeq: g.afterSeq,
    missingSeqs: g.missingSeqs,
    fromMs: g.fromMs,
    toMs: g.toMs,
  };
}

/** Gaps that overlap the closed interval [fromMs, toMs] (either end may be open). */
export function gapsInRange<G extends RecordingGap>(
  gaps: readonly G[],
  fromMs?: number,
  toMs?: number,
): G[] {
  return gaps.filter(
    (g) => (fromMs === undefined || g.toMs >= fromMs) && (toMs === undefined || g.fromMs <= toMs),
  );
}
