import type { MediaSegment, RecordingManifest } from '@invigil/contracts';
import { describe, expect, it } from 'vitest';
import {
  buildTimeline,
  formatClock,
  gapSpans,
  latestSnapshot,
  segmentAfter,
  segmentAt,
  snapshotAt,
  spokenClock,
} from './timeline';

const seg = (
  track: MediaSegment['track'],
  seq: number,
  startMs: number,
  endMs: number,
): MediaSegment => ({
  track,
  seq,
  startMs,
  endMs,
  sizeBytes: 1,
  sha256: 'x',
  contentType: 'video/webm',
  receivedAt: '2030-01-01T00:00:00Z',
});

const manifest: RecordingManifest = {
  sessionId: '11111111-1111-4111-8111-111111111111',
  startedAtMs: 900,
  segments: [
    seg('screen', 1, 7000, 13000),
    seg('webcam', 0, 1000, 7002),
    seg('webcam', 1, 7000, 13000),
    seg('screen', 0, 1100, 7000),
    seg('webcam', 3, 19000, 25000),
    seg('room_scan', 0, 0, 500),
  ],
  snapshots: [
    {
      id: 'a',
      kind: 'webcam',
      seq: 1,
      takenMs: 11000,
      sizeBytes: 1,
      sha256: '',
      contentType: 'image/jpeg',
      receivedAt: '2030-01-01T00:00:00Z',
    },
    {
      id: 'b',
      kind: 'webcam',
      seq: 0,
      takenMs: 1000,
      sizeBytes: 1,
      sha256: '',
      contentType: 'image/jpeg',
      receivedAt: '2030-01-01T00:00:00Z',
    },
    {
      id: 'c',
      kind: 'id_face',
      seq: 0,
      takenMs: 500,
      sizeBytes: 1,
      sha256: '',
      contentType: 'image/jpeg',
      receivedAt: '2030-01-01T00:00:00Z',
    },
    {
      id: 'd',
      kind: 'id_face',
      seq: 1,
      takenMs: 600,
      sizeBytes: 1,
      sha256: '',
      contentType: 'image/jpeg',
      receivedAt: '2030-01-01T00:00:00Z',
    },
  ],
  gaps: [{ track: 'webcam', afterSeq: 1, missingSeqs: [2], fromMs: 13000, toMs: 19000 }],
  totalBytes: 6,
  complete: false,
};

describe('timeline', () => {
  const timeline = buildTimeline(manifest);

  it('spans the webcam and screen segments, in order per track', () => {
    expect(timeline.startMs).toBe(1000);
    expect(timeline.endMs).toBe(25000);
    expect(timeline.tracks.webcam.map((s) => s.seq)).toEqual([0, 1, 3]);
    expect(timeline.tracks.room_scan).toHaveLength(1);
  });

  it('finds the segment for a time, the earlier one in a seam, none in a gap', () => {
    const webcam = timeline.tracks.webcam;
    expect(segmentAt(webcam, 1000)?.seq).toBe(0);
    expect(segmentAt(webcam, 7001)?.seq).toBe(0);
    expect(segmentAt(webcam, 7002)?.seq).toBe(1);
    expect(segmentAt(webcam, 15000)).toBeUndefined();
    expect(segmentAt(webcam, 25000)?.seq).toBe(3);
    expect(segmentAt(webcam, 26000)).toBeUndefined();
    expect(segmentAfter(webcam, webcam[1]!)?.seq).toBe(3);
  });

  it('places gaps on the slider', () => {
    expect(gapSpans(timeline, 'webcam')).toEqual([
      { from: 0.5, to: 0.75, gap: manifest.gaps?.[0] },
    ]);
    expect(gapSpans(timeline, 'screen')).toEqual([]);
  });

  it('finds the snapshot at a time and the latest identity photo', () => {
    expect(snapshotAt(timeline.snapshots, 'webcam', 5000)?.id).toBe('b');
    expect(snapshotAt(timeline.snapshots, 'webcam', 12000)?.id).toBe('a');
    expect(snapshotAt(timeline.snapshots, 'screen', 12000)).toBeUndefined();
    expect(latestSnapshot(timeline.snapshots, 'id_face')?.id).toBe('d');
  });

  it('formats exam time', () => {
    expect(formatClock(0)).toBe('0:00');
    expect(formatClock(65_400)).toBe('1:05');
    expect(formatClock(3_725_000)).toBe('1:02:05');
    expect(spokenClock(65_000)).toBe('1 minute 5 seconds');
    expect(spokenClock(0)).toBe('0 seconds');
  });
});
