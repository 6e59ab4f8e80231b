import { describe, expect, it } from 'vitest';
import type { MediaTrack } from '@invigil/contracts';
import {
  END_TOLERANCE_MS,
  findGaps,
  gapsInRange,
  isComplete,
  MAX_LISTED_MISSING,
  type SegmentSpan,
} from './recording-gaps.js';

const T0 = 1_700_000_000_000;
/** Back-to-back 6-second segments with the given sequence numbers. */
const run = (track: MediaTrack, seqs: number[]): SegmentSpan[] =>
  seqs.map((seq) => ({ track, seq, startMs: T0 + seq * 6000, endMs: T0 + (seq + 1) * 6000 }));

describe('findGaps', () => {
  it('finds nothing in a contiguous recording, whatever the input order', () => {
    const segs = [...run('webcam', [2, 0, 1]), ...run('screen', [0, 1])];
    expect(findGaps(segs)).toEqual([]);
    expect(isComplete(segs, [])).toBe(true);
  });

  it('reports missing sequence numbers with the time span around them', () => {
    const gaps = findGaps(run('webcam', [0, 1, 3, 6]));
    expect(gaps).toEqual([
      { track: 'webcam', afterSeq: 1, missingSeqs: [2], fromMs: T0 + 12_000, toMs: T0 + 18_000 },
      { track: 'webcam', afterSeq: 3, missingSeqs: [4, 5], fromMs: T0 + 24_000, toMs: T0 + 36_000 },
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
      { track: 'webcam', afterSeq: 1, missingSeqs: [], fromMs: T0 + 14_000, toMs: T0 + 16_001 },
    ]);
  });

  it('keeps overlapping segments with a missing number as a zero-length gap', () => {
    const segs: SegmentSpan[] = [
      { track: 'webcam', seq: 0, startMs: T0, endMs: T0 + 6000 },
      { track: 'webcam', seq: 2, startMs: T0 + 5000, endMs: T0 + 9000 },
    ];
    expect(findGaps(segs)).toEqual([
      { track: 'webcam', afterSeq: 0, missingSeqs: [1], fromMs: T0 + 6000, toMs: T0 + 6000 },
    ]);
  });

  it('reports a continuous track that stops well before the session ended, not the room scan', () => {
    const segs = [...run('webcam', [0, 1]), ...run('room_scan', [0])];
    const endedNear = T0 + 12_000 + END_TOLERANCE_MS;
    expect(findGaps(segs, endedNear)).toEqual([]);
    const endedLater = endedNear + 1;
    expect(findGaps(segs, endedLater)).toEqual([
      { track: 'webcam', afterSeq: 1, missingSeqs: [], fromMs: T0 + 12_000, toMs: endedLater },
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

  it('keeps the gaps that overlap the range', () => {
    const gaps = findGaps(run('webcam', [0, 2, 4]));
    expect(gapsInRange(gaps).length).toBe(2);
    expect(gapsInRange(gaps, T0 + 13_000).map((g) => g.afterSeq)).toEqual([2]);
    expect(gapsInRange(gaps, undefined, T0 + 12_000).map((g) => g.afterSeq)).toEqual([0]);
    expect(gapsInRange(gaps, T0 + 12_000, T0 + 18_000).map((g) => g.afterSeq)).toEqual([0, 2]);
    expect(gapsInRange(gaps, T0 + 40_000)).toEqual([]);
  });
});
