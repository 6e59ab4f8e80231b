import { describe, expect, it } from 'vitest';
import { EVIDENCE_EVENTS, ProctoringPolicy } from '@invigil/contracts';
import {
  judgeEvidence,
  lastEndedMs,
  openAbsences,
  recordedUpTo,
  type Receipt,
  type WatchFacts,
} from './evidence-watch.js';

const T0 = 1_900_000_000_000;
const s = (sec: number) => T0 + sec * 1000;
const at = (sec: number, seq = 0): Receipt => ({ atMs: s(sec), seq });

/**
 * A running webcam-only attempt heard a second ago whose webcam segments keep arriving
 * (newest received a second ago) and are recorded up to `recordedSec` (server clock).
 */
function facts(nowSec: number, recordedSec: number | null, over: Partial<WatchFacts> = {}) {
  const fine = at(nowSec - 1, 7);
  const f: WatchFacts = {
    nowMs: s(nowSec),
    startedAtMs: T0,
    policy: ProctoringPolicy.parse({ screen: false }),
    cameraDetection: true,
    detectionSilenceMs: 60_000,
    connectionLostMs: 20_000,
    uploadBacklogMs: 60_000,
    recordedTo: { webcam: recordedSec === null ? null : s(recordedSec) },
    newest: { webcam: fine, screen: null, snapshots: fine, detection: fine, connection: fine },
    open: {},
    resumed: {},
    ...over,
  };
  return f;
}
const backlog = (f: WatchFacts) =>
  judgeEvidence(f).filter((e) => e.type === EVIDENCE_EVENTS.uploadBacklog);

describe('uploads falling behind (server clock, page still heard)', () => {
  it('measures how far a track has reached without trusting the browser clock’s offset', () => {
    // First segment ended at browser 500 s, received at server 100 s; newest ended 40 s later.
    const first = { receivedMs: s(100), endMs: 500_000 };
    expect(recordedUpTo(first, { receivedMs: s(200), endMs: 540_000 })).toBe(s(140));
    // Never later than it was received.
    expect(recordedUpTo(first, { receivedMs: s(120), endMs: 540_000 })).toBe(s(120));
  });

  it('is quiet within the threshold and opens past it, with the lag', () => {
    expect(backlog(facts(200, 140))).toEqual([]);
    const [e] = backlog(facts(200, 139));
    expect(e?.clientMs).toBe(s(200));
    expect(e?.data).toMatchObject({ subject: 'webcam', toMs: null, lastSeq: 7, lagMs: 61_000 });
  });

  it('leaves a silent page to connection_lost and a stopped track to recording_gap', () => {
    const silent = facts(200, 10, { newest: { ...facts(200, 10).newest, connection: at(170) } });
    expect(backlog(silent)).toEqual([]);
    const stopped = facts(200, 10, { newest: { ...facts(200, 10).newest, webcam: at(170) } });
    expect(backlog(stopped)).toEqual([]);
    expect(backlog(facts(200, 10, { uploadBacklogMs: 0 }))).toEqual([]);
  });

  it('opens on the browser’s report only when over the threshold and newer than the last end', () => {
    const report = { ...at(150, 3), pendingMs: 90_000 };
    expect(backlog(facts(200, 199, { backlogReport: report }))[0]?.data).toMatchObject({
      subject: 'page',
      fromMs: s(150),
      reported: true,
      lagMs: 90_000,
    });
    expect(backlog(facts(200, 199, { backlogReport: { ...report, pendingMs: 5_000 } }))).toEqual(
      [],
    );
    expect(backlog(facts(200, 199, { backlogReport: report, uploadsEndedMs: s(160) }))).toEqual([]);
  });

  it('ends only when the server sees the uploads under half the threshold', () => {
    const start = backlog(facts(200, 100))[0]!;
    const open = openAbsences([{ type: start.type, data: start.data }]);
    expect(backlog(facts(260, 220, { open }))).toEqual([]);
    const [end] = backlog(facts(260, 235, { open }));
    expect(end?.data).toMatchObject({ fromMs: s(200), toMs: s(260), resumedSeq: 7 });
    // A report never ends it: no recording measured, still open.
    expect(backlog(facts(260, null, { open }))).toEqual([]);
    expect(
      lastEndedMs(
        [start, end!].map((e) => ({ type: e.type, data: e.data as unknown })),
        'uploads',
      ),
    ).toBe(s(260));
  });
});
