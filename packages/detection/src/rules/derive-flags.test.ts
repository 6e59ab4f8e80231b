import { describe, expect, it } from 'vitest';
import type {
  DetectAnalysisData,
  DetectorAccommodations,
  DetectorName,
  DetectSnapshotData,
} from '@invigil/contracts';
import { deriveFlags, nextFlagChangeMs } from './derive-flags.js';
import { effectiveRules, type RulesPolicy } from './effective-rules.js';
import type { ClockSample, FlagDraft, RuleEvent, StoredFlag } from './types.js';

const T = 1_900_000_000_000;
const s = (sec: number) => T + sec * 1000;

const state = (sec: number, detector: DetectorName, active: boolean, extra = {}): RuleEvent => ({
  source: 'client',
  type: 'detect.state',
  atMs: s(sec),
  data: { detector, active, confidence: 0.9, model: 'web-1', ...extra },
});
const page = (sec: number, type: 'page.hidden' | 'page.visible'): RuleEvent => ({
  source: 'client',
  type,
  atMs: s(sec),
  data: {},
});
const analysis = (sec: number, seq: number, over: Partial<DetectAnalysisData> = {}): RuleEvent => ({
  source: 'server',
  type: 'detect.analysis',
  atMs: s(sec),
  data: {
    snapshotId: `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
    snapshotSeq: seq,
    faces: 1,
    faceScore: 0.95,
    headTurned: false,
    headYaw: 2,
    objects: [],
    identity: null,
    model: 'server-1',
    width: 640,
    height: 480,
    ms: 400,
    ...over,
  } satisfies DetectAnalysisData,
});
const report = (sec: number, seq: number, over: Partial<DetectSnapshotData> = {}): RuleEvent => ({
  source: 'client',
  type: 'detect.snapshot',
  atMs: s(sec),
  data: {
    snapshotSeq: seq,
    faces: 1,
    headTurned: false,
    phone: false,
    book: false,
    persons: 1,
    model: 'web-1',
    ...over,
  } satisfies DetectSnapshotData,
});

interface Case {
  name: string;
  events: RuleEvent[];
  nowSec: number;
  policy?: RulesPolicy;
  accommodations?: DetectorAccommodations;
  /** type:source:startSec:endSec|open */
  flags: string[];
}

const cases: Case[] = [
  { name: 'nothing happens: no flags', events: [], nowSec: 100, flags: [] },
  {
    name: 'no face shorter than minSeconds: no flag',
    events: [state(10, 'no_face', true), state(14, 'no_face', false)],
    nowSec: 100,
    flags: [],
  },
  {
    name: 'no face for minSeconds exactly: a closed flag',
    events: [state(10, 'no_face', true), state(15, 'no_face', false)],
    nowSec: 100,
    flags: ['no_face:client:10:15'],
  },
  {
    name: 'an open condition counts up to now',
    events: [state(10, 'no_face', true)],
    nowSec: 16,
    flags: ['no_face:client:10:open'],
  },
  {
    name: 'an open condition not yet long enough: no flag',
    events: [state(10, 'no_face', true)],
    nowSec: 14,
    flags: [],
  },
  {
    name: 'a repeated start keeps the first start',
    events: [state(10, 'no_face', true), state(12, 'no_face', true), state(20, 'no_face', false)],
    nowSec: 100,
    flags: ['no_face:client:10:20'],
  },
  {
    name: 'an end without a start is ignored',
    events: [state(10, 'no_face', false)],
    nowSec: 100,
    flags: [],
  },
  {
    name: 'events out of order are put in time order',
    events: [state(20, 'no_face', false), state(10, 'no_face', true)],
    nowSec: 100,
    flags: ['no_face:client:10:20'],
  },
  {
    name: 'a disabled detector yields nothing',
    events: [state(10, 'no_face', true), state(30, 'no_face', false)],
    nowSec: 100,
    policy: { detectors: { no_face: { enabled: false, minSeconds: 5, severity: 'medium' } } },
    flags: [],
  },
  {
    name: 'an accommodation switching no_face off suppresses it',
    events: [state(10, 'no_face', true), state(30, 'no_face', false)],
    nowSec: 100,
    accommodations: { no_face: { enabled: false } },
    flags: [],
  },
  {
    name: 'an accommodation lengthening minSeconds',
    events: [state(10, 'head_turned', true), state(18, 'head_turned', false)],
    nowSec: 100,
    accommodations: { head_turned: { minSeconds: 10 } },
    flags: [],
  },
  {
    name: 'legacy gazeAwaySeconds sets head_turned minSeconds',
    events: [state(10, 'head_turned', true), state(13, 'head_turned', false)],
    nowSec: 100,
    policy: { gazeAwaySeconds: 2 },
    flags: ['head_turned:client:10:13'],
  },
  {
    name: 'tab switch from page.hidden to page.visible',
    events: [page(10, 'page.hidden'), page(13, 'page.visible')],
    nowSec: 100,
    flags: ['tab_switch:client:10:13'],
  },
  {
    name: 'legacy flagTabSwitch=false switches tab_switch off',
    events: [page(10, 'page.hidden'), page(13, 'page.visible')],
    nowSec: 100,
    policy: { flagTabSwitch: false },
    flags: [],
  },
  {
    name: 'the client cannot raise client_integrity itself',
    events: [state(10, 'client_integrity', true)],
    nowSec: 100,
    flags: [],
  },
  {
    name: 'server: two faces in one snapshot is a flag',
    events: [analysis(10, 0, { faces: 2 })],
    nowSec: 100,
    flags: ['multiple_faces:server:10:10'],
  },
  {
    name: 'server: maxFaces 2 allows two faces',
    events: [analysis(10, 0, { faces: 2 })],
    nowSec: 100,
    policy: { maxFaces: 2 },
    flags: [],
  },
  {
    name: 'server: a phone above the threshold',
    events: [analysis(10, 0, { objects: [{ label: 'cell phone', score: 0.6 }] })],
    nowSec: 100,
    flags: ['phone:server:10:10'],
  },
  {
    name: 'server: a phone below a raised threshold',
    events: [analysis(10, 0, { objects: [{ label: 'cell phone', score: 0.6 }] })],
    nowSec: 100,
    accommodations: { phone: { threshold: 0.7 } },
    flags: [],
  },
  {
    name: 'server: no face in one snapshot is not enough',
    events: [analysis(10, 0, { faces: 0, faceScore: 0, headYaw: null })],
    nowSec: 100,
    flags: [],
  },
  {
    name: 'server: no face in consecutive snapshots over minSeconds',
    events: [
      analysis(10, 0, { faces: 0, faceScore: 0, headYaw: null }),
      analysis(20, 1, { faces: 0, faceScore: 0, headYaw: null }),
      analysis(30, 2),
    ],
    nowSec: 100,
    flags: ['no_face:server:10:20'],
  },
  {
    name: 'server: two people in view',
    events: [
      analysis(10, 0, {
        objects: [
          { label: 'person', score: 0.9 },
          { label: 'person', score: 0.7 },
        ],
      }),
    ],
    nowSec: 100,
    flags: ['extra_person:server:10:10'],
  },
  {
    name: 'spoof: off by default, even in a long run of low real-face scores',
    events: [analysis(10, 0, { real: 0.1 }), analysis(20, 1, { real: 0.1 })],
    nowSec: 100,
    flags: [],
  },
  {
    name: 'spoof: low real-face scores in consecutive snapshots over minSeconds',
    events: [
      analysis(10, 0, { real: 0.2, live: 0.9 }),
      analysis(15, 1, { real: 0.25 }),
      analysis(20, 2, { real: 0.1 }),
      analysis(30, 3, { real: 0.9 }),
    ],
    nowSec: 100,
    policy: { detectors: { spoof: { enabled: true, minSeconds: 10, severity: 'high' } } },
    flags: ['spoof:server:10:20'],
  },
  {
    name: 'spoof: a run shorter than minSeconds is not enough',
    events: [analysis(10, 0, { real: 0.2 }), analysis(15, 1, { real: 0.2 })],
    nowSec: 100,
    policy: { detectors: { spoof: { enabled: true, minSeconds: 10, severity: 'high' } } },
    flags: [],
  },
  {
    name: 'spoof: one real-looking snapshot breaks the run',
    events: [
      analysis(10, 0, { real: 0.2 }),
      analysis(15, 1, { real: 0.8 }),
      analysis(20, 2, { real: 0.2 }),
    ],
    nowSec: 100,
    policy: { detectors: { spoof: { enabled: true, minSeconds: 10, severity: 'high' } } },
    flags: [],
  },
  {
    name: 'spoof: a score at the threshold is a real face',
    events: [analysis(10, 0, { real: 0.4 }), analysis(20, 1, { real: 0.4 })],
    nowSec: 100,
    policy: {
      detectors: { spoof: { enabled: true, minSeconds: 10, severity: 'high', threshold: 0.4 } },
    },
    flags: [],
  },
  {
    name: 'spoof: an accommodation lowering the threshold flags less',
    events: [analysis(10, 0, { real: 0.25 }), analysis(20, 1, { real: 0.25 })],
    nowSec: 100,
    policy: { detectors: { spoof: { enabled: true, minSeconds: 10, severity: 'high' } } },
    accommodations: { spoof: { threshold: 0.2 } },
    flags: [],
  },
  {
    name: 'spoof: analyses without a score (or without a face) are not judged',
    events: [
      analysis(10, 0),
      analysis(20, 1),
      analysis(30, 2, { faces: 0, faceScore: 0, headYaw: null, real: 0 }),
      analysis(35, 3, { faces: 0, faceScore: 0, headYaw: null, real: 0 }),
      analysis(40, 4, { faces: 0, faceScore: 0, headYaw: null, real: 0 }),
    ],
    nowSec: 100,
    policy: { detectors: { spoof: { enabled: true, minSeconds: 10, severity: 'high' } } },
    flags: ['no_face:server:30:40'],
  },
  {
    name: 'integrity: client reported one face, the server found two',
    events: [report(11, 0), analysis(10, 0, { faces: 2 })],
    nowSec: 100,
    flags: ['client_integrity:rules:10:10', 'multiple_faces:server:10:10'],
  },
  {
    name: 'integrity: client and server agree',
    events: [report(11, 0, { faces: 2, persons: 2 }), analysis(10, 0, { faces: 2 })],
    nowSec: 100,
    flags: ['multiple_faces:server:10:10'],
  },
  {
    name: 'integrity: a phone the client did not report',
    events: [report(11, 0), analysis(10, 0, { objects: [{ label: 'cell phone', score: 0.8 }] })],
    nowSec: 100,
    flags: ['client_integrity:rules:10:10', 'phone:server:10:10'],
  },
  {
    name: 'integrity: a snapshot the client did not report on is not judged',
    events: [report(11, 5), analysis(10, 0, { faces: 2 })],
    nowSec: 100,
    flags: ['multiple_faces:server:10:10'],
  },
  {
    name: 'integrity off: no client_integrity flag',
    events: [report(11, 0), analysis(10, 0, { faces: 2 })],
    nowSec: 100,
    policy: {
      detectors: { client_integrity: { enabled: false, minSeconds: 0, severity: 'high' } },
    },
    flags: ['multiple_faces:server:10:10'],
  },
];

const summary = (f: { type: string; source: string; startMs: number; endMs: number | null }) =>
  `${f.type}:${f.source}:${(f.startMs - T) / 1000}:${f.endMs === null ? 'open' : (f.endMs - T) / 1000}`;

describe('deriveFlags', () => {
  it.each(cases)('$name', (c) => {
    const rules = effectiveRules(c.policy ?? {}, c.accommodations ?? {});
    const flags = deriveFlags(c.events, rules, s(c.nowSec));
    expect(flags.map(summary).sort()).toEqual([...c.flags].sort());
  });

  it('keys are stable as time passes and the flag closes', () => {
    const rules = effectiveRules();
    const open = deriveFlags([state(10, 'no_face', true)], rules, s(20));
    const closed = deriveFlags(
      [state(10, 'no_face', true), state(25, 'no_face', false)],
      rules,
      s(40),
    );
    expect(open[0]?.key).toBe(closed[0]?.key);
    expect(closed[0]?.message).toBe('No face in view for 15 s');
    expect(open[0]?.message).toBe('No face in view (ongoing)');
  });

  it('fills severity, confidence, model and evidence', () => {
    const snapshots = [0, 5, 10, 15, 20, 60].map((sec, i) => ({
      id: `snap-${i}`,
      seq: i,
      takenMs: s(sec),
    }));
    const [flag] = deriveFlags(
      [state(10, 'no_face', true), state(18, 'no_face', false)],
      effectiveRules(),
      s(100),
      { snapshots },
    );
    expect(flag).toMatchObject({
      severity: 'medium',
      confidence: 0.9,
      model: 'web-1',
      detector: 'client:no_face',
      evidence: {
        snapshotIds: ['snap-2', 'snap-3', 'snap-4'],
        recording: { fromMs: s(7), toMs: s(21) },
      },
    });
  });

  it('says why a spoof flag was raised', () => {
    const policy = { detectors: { spoof: { enabled: true, minSeconds: 10, severity: 'high' } } };
    const [flag] = deriveFlags(
      [analysis(10, 0, { real: 0.2 }), analysis(20, 1, { real: 0.12 })],
      effectiveRules(policy as RulesPolicy),
      s(100),
    );
    expect(flag).toMatchObject({ type: 'spoof', severity: 'high', confidence: 0.88 });
    expect(flag?.message).toBe(
      'Photo or screen instead of a live face in 2 snapshots checked by the server over 10 s (real-face score 0.20)',
    );
  });

  it('closes conditions still open when the session ended', () => {
    const flags = deriveFlags([state(10, 'no_face', true)], effectiveRules(), s(100), {
      sessionEndMs: s(30),
    });
    expect(flags.map(summary)).toEqual(['no_face:client:10:30']);
    expect(flags[0]?.message).toBe('No face in view for 20 s');
  });

  it('says when a pending condition will become a flag', () => {
    const rules = effectiveRules();
    expect(nextFlagChangeMs([state(10, 'no_face', true)], rules, s(12))).toBe(s(15));
    expect(nextFlagChangeMs([state(10, 'no_face', true)], rules, s(16))).toBeNull();
    expect(
      nextFlagChangeMs([state(10, 'no_face', true), state(11, 'no_face', false)], rules, s(12)),
    ).toBeNull();
    const off = effectiveRules({}, { no_face: { enabled: false } });
    expect(nextFlagChangeMs([state(10, 'no_face', true)], off, s(12))).toBeNull();
  });
});

describe('deriveFlags on a student clock that is steadily off', () => {
  /** What the server received: an item every 10 s from 0 to `toSec`, dated `offsetMs` off. */
  const received = (offsetMs: number, toSec = 300): ClockSample[] =>
    Array.from({ length: toSec / 10 + 1 }, (_, i) => ({
      kind: 'segment' as const,
      ref: `webcam segment ${i}`,
      clientMs: s(i * 10) + offsetMs,
      receivedMs: s(i * 10),
    }));
  const rules = effectiveRules();
  /** The flags but clock_skew (a clock 65 s fast raises it, as it should). */
  const derive = (...args: Parameters<typeof deriveFlags>) =>
    deriveFlags(...args).filter((f) => f.type !== 'clock_skew');
  const slow = { clockSamples: received(-15_000) };
  const fast = { clockSamples: received(65_000) };

  it('measures an open condition up to the present on the student’s clock', () => {
    // A clock 15 s slow: a face lost a second ago is not "15 s without a face".
    const lost = [state(300 - 15 - 1, 'no_face', true)];
    expect(derive(lost, rules, s(300))).toHaveLength(1);
    expect(derive(lost, rules, s(300), slow)).toEqual([]);
    expect(nextFlagChangeMs(lost, rules, s(300), slow)).toBe(s(304));
    // A clock 65 s fast: flagged after 5 s, not after 70.
    const ahead = [state(300 + 65 - 1, 'no_face', true)];
    expect(derive(ahead, rules, s(303), fast)).toEqual([]);
    expect(derive(ahead, rules, s(305), fast).map(summary)).toEqual(['no_face:client:364:open']);
    expect(derive(ahead, rules, s(305))).toEqual([]);
  });

  it('ends what is still open at the attempt’s end on the student’s clock', () => {
    const flags = derive([state(300 + 65, 'no_face', true)], rules, s(330), {
      ...fast,
      sessionEndMs: s(330),
    });
    expect(flags.map(summary)).toEqual(['no_face:client:365:395']);
    expect(flags[0]?.message).toBe('No face in view for 30 s');
  });

  it('never closes a stored flag before the server last saw it open, on the student’s clock', () => {
    const stored: StoredFlag[] = [
      {
        key: `client:no_face:${s(200 + 65)}`,
        type: 'no_face',
        startMs: s(265),
        endMs: null,
        seenOpenMs: s(290),
      },
    ];
    // In time and in order, but dated 30 s before the server last saw the flag open.
    const events = [state(265, 'no_face', true), state(290 + 65 - 30, 'no_face', false)];
    const [flag] = derive(events, rules, s(300), { ...fast, stored });
    expect(summary(flag as FlagDraft)).toBe('no_face:client:265:355');
  });

  it('a late end closes a flag when it arrived, mapped to the student’s clock', () => {
    const events: RuleEvent[] = [
      state(100 + 65, 'no_face', true),
      {
        ...state(120 + 65, 'no_face', false),
        untrusted: 'late',
        receivedMs: s(290),
      },
    ];
    const [flag] = derive(events, rules, s(300), fast);
    expect(summary(flag as FlagDraft)).toBe('no_face:client:165:355');
    expect(flag?.message).toBe('No face in view for 3 min 10 s');
  });
});
