import { describe, expect, it } from 'vitest';
import type { EvidenceAbsenceData, RecordingGapEventData } from '@invigil/contracts';
import { deriveFlags } from './derive-flags.js';
import { effectiveRules } from './effective-rules.js';
import { evidenceConditions, UNREADABLE_IMAGE_REASON } from './evidence-conditions.js';
import type { RuleEvent } from './types.js';

const T = 1_900_000_000_000;
const s = (sec: number) => T + sec * 1000;
const SNAP = '00000000-0000-4000-8000-000000000007';

const absence = (
  type: string,
  sec: number,
  data: Partial<EvidenceAbsenceData> & Pick<EvidenceAbsenceData, 'fromMs'>,
): RuleEvent => ({
  source: 'server',
  type,
  atMs: s(sec),
  data: { subject: 'webcam', toMs: null, lastSeq: 4, thresholdMs: 18_000, ...data },
});
const gapEvent = (over: Partial<RecordingGapEventData>): RuleEvent => ({
  source: 'server',
  type: 'recording.gap',
  atMs: over.fromMs ?? s(0),
  data: {
    track: 'screen',
    afterSeq: null,
    missingSeqs: [],
    fromMs: s(0),
    toMs: s(600),
    reason: 'never',
    required: true,
    ...over,
  },
});

describe('evidence conditions', () => {
  const rules = effectiveRules();

  it('opens a recording gap when a track stops and ends it, still a flag, when it resumes', () => {
    const open = absence('evidence.gap', 30, { fromMs: s(10) });
    const [live] = deriveFlags([open], rules, s(40));
    expect(live).toMatchObject({
      key: `server:recording_gap:webcam:${s(10)}`,
      type: 'recording_gap',
      source: 'server',
      startMs: s(10),
      endMs: null,
      severity: 'medium',
      message: 'Recording missing (ongoing) (webcam: no segment received after segment 4)',
    });
    expect(live?.evidence.details).toEqual({
      subject: 'webcam',
      fromServerMs: s(10),
      toServerMs: null,
      lastSeq: 4,
      thresholdMs: 18_000,
    });
    const closed = absence('evidence.gap', 70, { fromMs: s(10), toMs: s(70), resumedSeq: 5 });
    const [ended] = deriveFlags([open, closed], rules, s(80));
    expect(ended).toMatchObject({ key: live?.key, startMs: s(10), endMs: s(70) });
    expect(ended?.message).toContain('for 1 min');
    expect(ended?.evidence.details).toMatchObject({ toServerMs: s(70), resumedSeq: 5 });
  });

  it('keeps the tracks, snapshots and detection apart and ignores malformed or repeated events', () => {
    const events: RuleEvent[] = [
      absence('evidence.gap', 30, { fromMs: s(10), subject: 'screen' }),
      absence('evidence.gap', 31, { fromMs: s(10), subject: 'screen' }),
      absence('evidence.snapshots_missing', 40, { fromMs: s(5), lastSeq: null }),
      absence('evidence.detection_silent', 90, { fromMs: s(0), thresholdMs: 60_000 }),
      { source: 'server', type: 'evidence.gap', atMs: s(50), data: { subject: 'webcam' } },
      { ...absence('evidence.gap', 30, { fromMs: s(1) }), source: 'client' },
    ];
    const flags = deriveFlags(events, rules, s(100));
    expect(flags.map((f) => `${f.type}:${f.evidence.details?.subject}:${f.endMs}`)).toEqual([
      'detection_silent:webcam:null',
      'snapshots_missing:webcam:null',
      'recording_gap:screen:null',
    ]);
    expect(flags[1]?.message).toContain('no webcam snapshot received at all');
  });

  it('ends open absences at the end of the attempt', () => {
    const [flag] = deriveFlags([absence('evidence.gap', 30, { fromMs: s(10) })], rules, s(50), {
      sessionEndMs: s(50),
    });
    expect(flag?.endMs).toBe(s(50));
  });

  it('honours the rule: off, or a longer minimum duration', () => {
    const events = [absence('evidence.detection_silent', 90, { fromMs: s(0) })];
    const off = effectiveRules({
      detectors: { detection_silent: { enabled: false, minSeconds: 60, severity: 'low' } },
    });
    expect(deriveFlags(events, off, s(100))).toEqual([]);
    const longer = effectiveRules({}, { detection_silent: { minSeconds: 300 } });
    expect(deriveFlags(events, longer, s(100))).toEqual([]);
    expect(deriveFlags(events, longer, s(301))).toHaveLength(1);
  });

  it('turns holes in required tracks into flags, not those of other tracks or older events', () => {
    const never = gapEvent({});
    const early = gapEvent({
      track: 'webcam',
      afterSeq: 9,
      fromMs: s(60),
      toMs: s(600),
      reason: 'early_stop',
    });
    const seqs = gapEvent({
      track: 'webcam',
      afterSeq: 2,
      missingSeqs: [3, 4],
      fromMs: s(18),
      toMs: s(18),
      reason: 'missing_seqs',
    });
    const optional = gapEvent({ track: 'room_scan', required: false, reason: 'missing_seqs' });
    const legacy = gapEvent({ track: 'webcam', reason: undefined, required: undefined });
    const flags = deriveFlags([never, early, seqs, optional, legacy, never], rules, s(700));
    expect(flags.map((f) => [f.type, f.evidence.details?.reason, f.startMs, f.endMs])).toEqual([
      ['recording_gap', 'never', s(0), s(600)],
      ['recording_gap', 'missing_seqs', s(18), s(18)],
      ['recording_gap', 'early_stop', s(60), s(600)],
    ]);
    expect(flags[0]?.message).toBe('Recording missing (screen: never recorded during the attempt)');
    expect(flags[1]?.message).toContain('(2 missing from 3)');
  });

  it('flags unreadable snapshots and refused uploads as single findings', () => {
    const events: RuleEvent[] = [
      {
        source: 'server',
        type: 'detect.failed',
        atMs: s(20),
        data: {
          snapshotId: SNAP,
          snapshotKind: 'webcam',
          snapshotSeq: 7,
          reason: UNREADABLE_IMAGE_REASON,
        },
      },
      {
        source: 'server',
        type: 'detect.failed',
        atMs: s(21),
        data: {
          snapshotId: SNAP,
          snapshotKind: 'webcam',
          snapshotSeq: 8,
          reason: 'analysis kept failing: x',
        },
      },
      {
        source: 'server',
        type: 'upload.refused',
        atMs: s(30),
        data: {
          target: 'snapshot',
          kind: 'webcam',
          seq: 9,
          code: 'CONTENT_MISMATCH',
          sizeBytes: 9,
          declaredType: 'image/jpeg',
        },
      },
      {
        source: 'server',
        type: 'upload.refused',
        atMs: s(31),
        data: {
          target: 'media',
          track: 'screen',
          seq: 3,
          code: 'CONTENT_MISMATCH',
          sizeBytes: 9,
          declaredType: 'video/webm',
        },
      },
      {
        source: 'server',
        type: 'upload.refused',
        atMs: s(32),
        data: {
          target: 'snapshot',
          kind: 'id_face',
          seq: 1,
          code: 'IDENTITY_LOCKED',
          sizeBytes: 9,
          declaredType: 'image/jpeg',
        },
      },
    ];
    const flags = deriveFlags(events, rules, s(40));
    expect(
      flags.map((f) => `${f.type}:${f.evidence.details?.subject}:${f.evidence.details?.seq}`),
    ).toEqual([
      'snapshot_unreadable:webcam:7',
      'snapshot_unreadable:webcam:9',
      'recording_gap:screen:3',
    ]);
    expect(flags[0]?.evidence.snapshotIds).toEqual([SNAP]);
    expect(flags[0]?.message).toBe(
      'A snapshot could not be read (webcam snapshot 7: not a readable image)',
    );
    expect(flags[2]?.message).toContain('refused on upload (CONTENT_MISMATCH)');
  });

  it('never reads client events', () => {
    const forged: RuleEvent = { ...gapEvent({}), source: 'client' };
    expect(evidenceConditions([forged])).toEqual([]);
  });
});
