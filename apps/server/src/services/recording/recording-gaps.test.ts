import { describe, expect, it } from 'vitest';
import type { MediaTrack } from '@invigil/contracts';
import {
  type AttemptCoverage,
  coverageToleranceMs,
  END_TOLERANCE_MS,
  findGaps,
  gapsInRange,
  isComplete,
  MAX_LISTED_MISSING,
  runningToleranceMs,
  type SegmentSpan,
} from './recording-gaps.js';

const T0 = 1_700_000_000_000;
/** Back-to-back 6-second segments with the given sequence numbers. */
const run = (track: MediaTrack, seqs: number[]): SegmentSpan[] =>
  seqs.map((seq) => ({ track, seq, startMs: T0 + seq * 6000, endMs: T0 + (seq + 1) * 6000 }));
/** An attempt without required tracks that ended at `endedAtMs`. */
const ended = (endedAtMs: number): AttemptCoverage => ({
  required: [],
  startedAtMs: null,
  endedAtMs,
  nowMs: endedAtMs,
  segmentMs: 0,
});
/** An attempt over [T0, endedAtMs] (running to `nowMs` when not ended) requiring `required`. */
const attempt = (required: MediaTrack[], over: Partial<AttemptCoverage> = {}): AttemptCoverage => ({
  required,
  startedAtMs: T0,
  endedAtMs: null,
  nowMs: T0,
  segmentMs: 6000,
  ...over,
});

describe('findGaps', () => {
  it('finds nothing in a contiguous recording, whatever the input order', () => {
    const segs = [...run('webcam', [2, 0, 1]), ...run('screen', [0, 1])];
    expect(findGaps(segs)).toEqual([]);
    expect(isComplete(segs, [])).toBe(true);
  });

  it('reports missing sequence numbers with the time span around them', () => {
    const gaps = findGaps(run('webcam', [0, 1, 3, 6]));
    expect(gaps).toEqual([
      {
        track: 'webcam',
        afterSeq: 1,
        missingSeqs: [2],
        fromMs: T0 + 12_000,
        toMs: T0 + 18_000,
        reason: 'missing_seqs',
      },
      {
        track: 'webcam',
        afterSeq: 3,
        missingSeqs: [4, 5],
        fromMs: T0 + 24_000,
        toMs: T0 + 36_000,
        reason: 'missing_seqs',
      },
    ]);
  });

  it('reports segments missing before the first one received', () => {
    expect(findGaps(run('screen', [2, 3]))).toEqual([
      {
        track: 'screen',
        afterSeq: null,
        missingSeqs: [0, 1],
        fromMs: T0 + 12_000,
        toMs: T0 + 12_000,
        reason: 'missing_seqs',
      },
    ]);
  });

  it('reports a time gap over 2 s between consecutive segments, but not one of 2 s', () => {
    const segs: SegmentSpan[] = [
      { track: 'webcam', seq: 0, startMs: T0, endMs: T0 + 6000 },
      { track: 'webcam', seq: 1, startMs: T0 + 8000, endMs: T0 + 14_000 },
      { track: 'webcam', seq: 2, startMs: T0 + 16_001, endMs: T0 + 20_000 },
    ];
    expect(findGaps(segs)).toEqual([
      {
        track: 'webcam',
        afterSeq: 1,
        missingSeqs: [],
        fromMs: T0 + 14_000,
        toMs: T0 + 16_001,
        reason: 'time_gap',
      },
    ]);
  });

  it('keeps overlapping segments with a missing number as a zero-length gap', () => {
    const segs: SegmentSpan[] = [
      { track: 'webcam', seq: 0, startMs: T0, endMs: T0 + 6000 },
      { track: 'webcam', seq: 2, startMs: T0 + 5000, endMs: T0 + 9000 },
    ];
    expect(findGaps(segs)).toEqual([
      {
        track: 'webcam',
        afterSeq: 0,
        missingSeqs: [1],
        fromMs: T0 + 6000,
        toMs: T0 + 6000,
        reason: 'missing_seqs',
      },
    ]);
  });

  it('reports a continuous track that stops well before the session ended, not the room scan', () => {
    const segs = [...run('webcam', [0, 1]), ...run('room_scan', [0])];
    const endedNear = T0 + 12_000 + END_TOLERANCE_MS;
    expect(findGaps(segs, ended(endedNear))).toEqual([]);
    const endedLater = endedNear + 1;
    expect(findGaps(segs, ended(endedLater))).toEqual([
      {
        track: 'webcam',
        afterSeq: 1,
        missingSeqs: [],
        fromMs: T0 + 12_000,
        toMs: endedLater,
        reason: 'early_stop',
      },
    ]);
  });

  it('caps the listed missing numbers of a huge hole', () => {
    const gaps = findGaps(run('webcam', [0, 500_000]));
    expect(gaps[0]?.missingSeqs.length).toBe(MAX_LISTED_MISSING);
    expect(gaps[0]?.missingSeqs[0]).toBe(1);
  });
});

describe('isComplete and gapsInRange', () => {
  it('needs a continuous track: a room scan alone or nothing is incomplete', () => {
    expect(isComplete([], [])).toBe(false);
    expect(isComplete(run('room_scan', [0]), [])).toBe(false);
    const segs = run('webcam', [0, 2]);
    expect(isComplete(segs, findGaps(segs))).toBe(false);
  });

  it('needs every required track, not just one', () => {
    const webcam = run('webcam', [0, 1]);
    expect(isComplete(webcam, [], ['webcam'])).toBe(true);
    expect(isComplete(webcam, [], ['webcam', 'screen'])).toBe(false);
    expect(isComplete([...webcam, ...run('screen', [0])], [], ['webcam', 'screen'])).toBe(true);
  });

  it('keeps the gaps that overlap the range', () => {
    const gaps = findGaps(run('webcam', [0, 2, 4]));
    expect(gapsInRange(gaps).length).toBe(2);
    expect(gapsInRange(gaps, T0 + 13_000).map((g) => g.afterSeq)).toEqual([2]);
    expect(gapsInRange(gaps, undefined, T0 + 12_000).map((g) => g.afterSeq)).toEqual([0]);
    expect(gapsInRange(gaps, T0 + 12_000, T0 + 18_000).map((g) => g.afterSeq)).toEqual([0, 2]);
    expect(gapsInRange(gaps, T0 + 40_000)).toEqual([]);
  });
});

describe('findGaps: coverage of the attempt by the required tracks', () => {
  const both: MediaTrack[] = ['webcam', 'screen'];
  const segs = [...run('webcam', [0, 1, 2, 3, 4]), ...run('screen', [0, 1, 2, 3, 4])];
  const end = T0 + 30_000;

  it('finds nothing when every required track covers the attempt, running or ended', () => {
    expect(findGaps(segs, attempt(both, { nowMs: end }))).toEqual([]);
    expect(findGaps(segs, attempt(both, { endedAtMs: end, nowMs: end + 60_000 }))).toEqual([]);
    expect(isComplete(segs, findGaps(segs, attempt(both, { endedAtMs: end })), both)).toBe(true);
  });

  it('reports a required track that never arrived, from the start to the end', () => {
    const webcam = run('webcam', [0, 1, 2, 3, 4]);
    const gaps = findGaps(webcam, attempt(both, { endedAtMs: end }));
    expect(gaps).toEqual([
      { track: 'screen', afterSeq: null, missingSeqs: [], fromMs: T0, toMs: end, reason: 'never' },
    ]);
    expect(isComplete(webcam, gaps, both)).toBe(false);
    expect(findGaps([], attempt(both, { endedAtMs: end })).map((g) => g.track)).toEqual([
      'screen',
      'webcam',
    ]);
  });

  it('while running, waits a tolerance before a missing or lagging track counts', () => {
    const lag = runningToleranceMs(6000);
    expect(findGaps([], attempt(['screen'], { nowMs: T0 + lag }))).toEqual([]);
    expect(findGaps([], attempt(['screen'], { nowMs: T0 + lag + 1 }))).toMatchObject([
      { track: 'screen', reason: 'never', fromMs: T0, toMs: T0 + lag + 1 },
    ]);
    expect(findGaps(segs, attempt(both, { nowMs: end + lag }))).toEqual([]);
    expect(findGaps(segs, attempt(both, { nowMs: end + lag + 1 }))).toMatchObject([
      { track: 'screen', reason: 'behind', afterSeq: 4, fromMs: end },
      { track: 'webcam', reason: 'behind', afterSeq: 4, fromMs: end },
    ]);
  });

  it('reports a late start and an early stop of a required track beyond the tolerance', () => {
    const tolerance = coverageToleranceMs(6000);
    expect(tolerance).toBe(12_000);
    const early = attempt(['webcam'], { startedAtMs: T0 - tolerance, endedAtMs: end + tolerance });
    expect(findGaps(run('webcam', [0, 1, 2, 3, 4]), early)).toEqual([]);
    const late = attempt(['webcam'], {
      startedAtMs: T0 - tolerance - 1,
      endedAtMs: end + tolerance + 1,
    });
    expect(findGaps(run('webcam', [0, 1, 2, 3, 4]), late)).toEqual([
      {
        track: 'webcam',
        afterSeq: 4,
        missingSeqs: [],
        fromMs: end,
        toMs: end + tolerance + 1,
        reason: 'early_stop',
      },
      {
        track: 'webcam',
        afterSeq: null,
        missingSeqs: [],
        fromMs: T0 - tolerance - 1,
        toMs: T0,
        reason: 'late_start',
      },
    ]);
  });

  it('judges coverage on the student’s clock: a clock steadily off is no gap', () => {
    // Recorded from the attempt's start to its end by a clock 15 s slow, or 65 s fast.
    const by = (offsetMs: number) =>
      segs.map((g) => ({ ...g, startMs: g.startMs + offsetMs, endMs: g.endMs + offsetMs }));
    for (const offsetMs of [-15_000, 65_000]) {
      const over = attempt(both, { endedAtMs: end, nowMs: end });
      expect(findGaps(by(offsetMs), over).map((g) => g.reason)).not.toEqual([]);
      expect(findGaps(by(offsetMs), { ...over, clockOffsetMs: offsetMs })).toEqual([]);
      const running = attempt(both, { nowMs: end + 6000, clockOffsetMs: offsetMs });
      expect(findGaps(by(offsetMs), running)).toEqual([]);
    }
    // A recording that really stopped early still does, reported on the student's clock.
    const stopped = by(-15_000).filter((g) => g.seq < 2);
    expect(
      findGaps(stopped, attempt(both, { endedAtMs: end, nowMs: end, clockOffsetMs: -15_000 })),
    ).toMatchObject([
      { track: 'screen', reason: 'early_stop', fromMs: T0 + 12_000 - 15_000, toMs: end - 15_000 },
      { track: 'webcam', reason: 'early_stop', fromMs: T0 + 12_000 - 15_000, toMs: end - 15_000 },
    ]);
    expect(
      findGaps([], attempt(['screen'], { endedAtMs: end, clockOffsetMs: 65_000 })),
    ).toMatchObject([{ reason: 'never', fromMs: T0 + 65_000, toMs: end + 65_000 }]);
  });

  it('does not ask for tracks before the attempt started', () => {
    const notStarted = attempt(both, { startedAtMs: null, nowMs: T0 + 600_000 });
    expect(findGaps(run('webcam', [0]), notStarted)).toEqual([]);
    expect(isComplete(run('webcam', [0]), [], both)).toBe(false);
  });
});
