import { describe, expect, it } from 'vitest';
import { ProctoringPolicy } from '@invigil/contracts';
import {
  judgeEvidence,
  openAbsences,
  watchThresholds,
  type Receipt,
  type WatchFacts,
} from './evidence-watch.js';

const T0 = 1_900_000_000_000;
const s = (sec: number) => T0 + sec * 1000;
const at = (sec: number, seq: number): Receipt => ({ atMs: s(sec), seq });

/** A running attempt started at T0 with everything arriving on time at `nowSec`. */
function facts(nowSec: number, over: Partial<WatchFacts> = {}): WatchFacts {
  return {
    nowMs: s(nowSec),
    startedAtMs: T0,
    policy: ProctoringPolicy.parse({}),
    cameraDetection: true,
    detectionSilenceMs: 60_000,
    newest: {
      webcam: at(nowSec - 1, 10),
      screen: at(nowSec - 2, 10),
      snapshots: at(nowSec - 3, 5),
      detection: at(nowSec - 3, 40),
    },
    open: {},
    resumed: {},
    ...over,
  };
}

const kinds = (events: ReturnType<typeof judgeEvidence>) =>
  events.map((e) => `${e.type}:${(e.data as { subject: string }).subject}`);

describe('judgeEvidence', () => {
  it('writes nothing while everything arrives on time', () => {
    expect(judgeEvidence(facts(600))).toEqual([]);
  });

  it('gives each watch its threshold: 3 segments, 3 snapshot intervals, the rule', () => {
    const policy = ProctoringPolicy.parse({ segmentSeconds: 10, snapshotIntervalSeconds: 20 });
    expect(watchThresholds({ policy, cameraDetection: true, detectionSilenceMs: 90_000 })).toEqual({
      webcam: 30_000,
      screen: 30_000,
      snapshots: 60_000,
      detection: 90_000,
    });
    // Short periods still allow a few seconds of network trouble.
    const quick = ProctoringPolicy.parse({ segmentSeconds: 2, snapshotIntervalSeconds: 2 });
    expect(
      watchThresholds({ policy: quick, cameraDetection: false, detectionSilenceMs: 1 }),
    ).toEqual({
      webcam: 15_000,
      screen: 15_000,
      snapshots: 15_000,
    });
  });

  it('watches only what the policy requires; the microphone alone requires the webcam track', () => {
    const micOnly = ProctoringPolicy.parse({ webcam: false, microphone: true, screen: false });
    expect(
      watchThresholds({ policy: micOnly, cameraDetection: true, detectionSilenceMs: 1 }),
    ).toEqual({
      webcam: 18_000,
    });
    const none = ProctoringPolicy.parse({ webcam: false, microphone: false, screen: false });
    const quiet = facts(600, {
      policy: none,
      newest: { webcam: null, screen: null, snapshots: null, detection: null },
    });
    expect(judgeEvidence(quiet)).toEqual([]);
  });

  it('opens a gap from the last receipt once a track is silent past its threshold', () => {
    const base = facts(100);
    const screenStops = { ...base.newest, screen: at(100 - 18, 7) };
    expect(judgeEvidence({ ...base, newest: screenStops })).toEqual([]);
    const later = { ...base.newest, screen: at(100 - 19, 7) };
    expect(judgeEvidence({ ...base, newest: later })).toEqual([
      {
        type: 'evidence.gap',
        clientMs: s(81),
        data: { subject: 'screen', fromMs: s(81), toMs: null, lastSeq: 7, thresholdMs: 18_000 },
      },
    ]);
  });

  it('counts from the start of the attempt when nothing arrived since', () => {
    const none = { webcam: null, screen: null, snapshots: null, detection: null };
    const events = judgeEvidence(facts(31, { newest: none }));
    expect(kinds(events)).toEqual([
      'evidence.gap:webcam',
      'evidence.gap:screen',
      'evidence.snapshots_missing:webcam',
    ]);
    expect(events.every((e) => e.clientMs === T0)).toBe(true);
    // Items from check-in (before the start) do not count as arriving during the attempt.
    const checkIn = { ...none, webcam: at(-100, 3) };
    expect(judgeEvidence(facts(30, { newest: checkIn }))[0]?.data).toMatchObject({
      subject: 'webcam',
      fromMs: T0,
      lastSeq: 3,
    });
  });

  it('ends an open gap at the first receipt after it began, and may open the next one', () => {
    const open = {
      webcam: {
        subject: 'webcam' as const,
        fromMs: s(50),
        toMs: null,
        lastSeq: 7,
        thresholdMs: 18_000,
      },
    };
    const still = facts(100, { open, newest: { ...facts(100).newest, webcam: at(50, 7) } });
    expect(judgeEvidence({ ...still, resumed: { webcam: null } })).toEqual([]);
    const back = facts(100, { open, resumed: { webcam: at(90, 8) } });
    expect(judgeEvidence(back)).toEqual([
      {
        type: 'evidence.gap',
        clientMs: s(90),
        data: {
          subject: 'webcam',
          fromMs: s(50),
          toMs: s(90),
          lastSeq: 7,
          resumedSeq: 8,
          thresholdMs: 18_000,
        },
      },
    ]);
    // Resumed briefly, then silent again: the old gap ends and a new one begins.
    const again = facts(200, {
      open,
      resumed: { webcam: at(90, 8) },
      newest: { ...facts(200).newest, webcam: at(95, 9) },
    });
    expect(
      judgeEvidence(again).map((e) => e.data as { fromMs: number; toMs: number | null }),
    ).toMatchObject([
      { fromMs: s(50), toMs: s(90) },
      { fromMs: s(95), toMs: null },
    ]);
  });

  it('flags silent detection only while the webcam arrives and a camera detector is on', () => {
    const silent = { ...facts(200).newest, detection: at(100, 40) };
    expect(kinds(judgeEvidence(facts(200, { newest: silent })))).toEqual([
      'evidence.detection_silent:webcam',
    ]);
    expect(judgeEvidence(facts(200, { newest: silent, cameraDetection: false }))).toEqual([]);
    expect(judgeEvidence(facts(200, { newest: silent, detectionSilenceMs: 120_000 }))).toEqual([]);
    // The webcam itself stopped: that is a recording gap, not silent detection.
    const noCamera = { ...silent, webcam: at(150, 9), snapshots: at(199, 5) };
    expect(kinds(judgeEvidence(facts(200, { newest: noCamera })))).toEqual(['evidence.gap:webcam']);
  });

  it('opens each absence once', () => {
    const open = {
      snapshots: {
        subject: 'webcam' as const,
        fromMs: s(10),
        toMs: null,
        lastSeq: 1,
        thresholdMs: 30_000,
      },
    };
    const newest = { ...facts(100).newest, snapshots: at(10, 1) };
    expect(judgeEvidence(facts(100, { open, newest, resumed: { snapshots: null } }))).toEqual([]);
  });
});

describe('judgeEvidence: full screen never entered', () => {
  const grace = { fullscreenGraceMs: 30_000 };
  const missing = (events: ReturnType<typeof judgeEvidence>) =>
    events.filter((e) => e.type === 'evidence.fullscreen_missing');

  it('opens one absence from the start once the grace period passes without an enter', () => {
    expect(missing(judgeEvidence(facts(30, grace)))).toEqual([]);
    expect(missing(judgeEvidence(facts(31, grace)))).toEqual([
      {
        type: 'evidence.fullscreen_missing',
        clientMs: T0,
        data: { subject: 'page', fromMs: T0, toMs: null, lastSeq: null, thresholdMs: 30_000 },
      },
    ]);
    // Not watched unless the exam requires full screen.
    expect(missing(judgeEvidence(facts(600)))).toEqual([]);
  });

  it('never opens once the page reported entering full screen, whenever that was', () => {
    const entered = (sec: number) =>
      facts(600, { ...grace, newest: { ...facts(600).newest, fullscreen: at(sec, 3) } });
    expect(missing(judgeEvidence(entered(-5)))).toEqual([]);
    expect(missing(judgeEvidence(entered(500)))).toEqual([]);
  });

  it('ends the open absence at the first enter after it began, and opens no new one', () => {
    const open = {
      subject: 'page' as const,
      fromMs: T0,
      toMs: null,
      lastSeq: null,
      thresholdMs: 30_000,
    };
    const events = judgeEvidence(
      facts(600, {
        ...grace,
        newest: { ...facts(600).newest, fullscreen: at(120, 9) },
        open: { fullscreen: open },
        resumed: { fullscreen: at(90, 4) },
      }),
    );
    expect(missing(events)).toEqual([
      {
        type: 'evidence.fullscreen_missing',
        clientMs: s(90),
        data: { ...open, toMs: s(90), resumedSeq: 4 },
      },
    ]);
  });
});

describe('openAbsences', () => {
  const ev = (type: string, data: object) => ({ type, data });
  const base = { subject: 'webcam', lastSeq: 1, thresholdMs: 18_000 };

  it('pairs starts and ends per watch and skips what it cannot read', () => {
    const open = openAbsences([
      ev('evidence.gap', { ...base, fromMs: 1, toMs: null }),
      ev('evidence.gap', { ...base, fromMs: 1, toMs: 5, resumedSeq: 2 }),
      ev('evidence.gap', { ...base, fromMs: 9, toMs: null }),
      ev('evidence.gap', { ...base, subject: 'screen', fromMs: 3, toMs: null }),
      ev('evidence.detection_silent', { ...base, fromMs: 4, toMs: null }),
      ev('evidence.snapshots_missing', { ...base, fromMs: 6, toMs: 8 }),
      ev('evidence.gap', { subject: 'webcam' }),
      ev('recording.gap', { ...base, fromMs: 2, toMs: null }),
    ]);
    expect(Object.keys(open).sort()).toEqual(['detection', 'screen', 'webcam']);
    expect(open.webcam?.fromMs).toBe(9);
    expect(open.screen?.fromMs).toBe(3);
  });
});
