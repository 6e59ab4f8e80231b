import { describe, expect, it } from 'vitest';
import type { DetectorName, RtcLink } from '@invigil/contracts';
import { CALL_OVERLAP_TOLERANCE_MS, callDuringFlag, type FlagSpan } from './flag-during-call.js';

const T0 = 1_700_000_000_000;
const at = (offsetMs: number) => new Date(T0 + offsetMs).toISOString();

/** A call connected from 60 s to 120 s into the attempt (server clock), unless overridden. */
const buildLink = (overrides: Partial<RtcLink> = {}): RtcLink => ({
  id: 'l1',
  sessionId: 's1',
  examId: 'e1',
  kind: 'call',
  proctor: { id: 'p1', name: 'Pat Proctor' },
  proctorCamera: false,
  state: 'ended',
  startedAt: at(55_000),
  connectedAt: at(60_000),
  endedAt: at(120_000),
  endReason: 'hung_up',
  detail: null,
  ...overrides,
});

/** A flag over [fromS, toS] seconds into the attempt (client clock); toS null: never ended. */
const flag = (fromS: number, toS: number | null, type: DetectorName = 'voice'): FlagSpan => ({
  type,
  startMs: T0 + fromS * 1000,
  endMs: toS === null ? null : T0 + toS * 1000,
});

/** Student clock in step with the server's; "now" long after the calls. */
const clock = { clockOffsetMs: 0, nowMs: T0 + 3_600_000 };
const PAT = { linkId: 'l1', proctorName: 'Pat Proctor' };

describe('callDuringFlag', () => {
  it('marks a voice flag that starts before the call connects and runs into it', () => {
    expect(callDuringFlag(flag(50, 70), [buildLink()], clock)).toEqual(PAT);
  });

  it('marks a voice flag inside the call', () => {
    expect(callDuringFlag(flag(80, 95), [buildLink()], clock)).toEqual(PAT);
  });

  it('marks a voice flag that starts in the call and runs past its end', () => {
    expect(callDuringFlag(flag(110, 140), [buildLink()], clock)).toEqual(PAT);
  });

  it('leaves voice flags before and after the call alone', () => {
    expect(callDuringFlag(flag(10, 30), [buildLink()], clock)).toBeNull();
    expect(callDuringFlag(flag(130, 150), [buildLink()], clock)).toBeNull();
  });

  it('counts the call from when it connected, not from when it rang', () => {
    // The flag ends at 57 s: after the call was opened (55 s), before media flowed (60 s).
    expect(callDuringFlag(flag(40, 57), [buildLink()], clock)).toBeNull();
  });

  it('allows for the clock estimate: spans a second apart still overlap', () => {
    const justBefore = T0 + 60_000 - CALL_OVERLAP_TOLERANCE_MS;
    expect(
      callDuringFlag({ type: 'voice', startMs: T0, endMs: justBefore }, [buildLink()], clock),
    ).toEqual(PAT);
    expect(
      callDuringFlag({ type: 'voice', startMs: T0, endMs: justBefore - 1 }, [buildLink()], clock),
    ).toBeNull();
  });

  it('marks a flag that never ended when a call connected after it started', () => {
    expect(callDuringFlag(flag(30, null), [buildLink()], clock)).toEqual(PAT);
    expect(callDuringFlag(flag(200, null), [buildLink()], clock)).toBeNull();
  });

  it('counts a call still open up to now', () => {
    const open = buildLink({ state: 'live', endedAt: null, endReason: null });
    expect(callDuringFlag(flag(500, 520), [open], clock)).toEqual(PAT);
    expect(callDuringFlag(flag(500, 520), [open], { ...clock, nowMs: T0 + 300_000 })).toBeNull();
  });

  it('maps the flag by the student’s clock offset', () => {
    // The student's clock is 5 minutes ahead: 370–390 s on it is 70–90 s on the server's.
    const ahead = { ...clock, clockOffsetMs: 300_000 };
    expect(callDuringFlag(flag(370, 390), [buildLink()], ahead)).toEqual(PAT);
    expect(callDuringFlag(flag(70, 90), [buildLink()], ahead)).toBeNull();
  });

  it('never counts a live view, nor a call that never connected', () => {
    const view = buildLink({ kind: 'view' });
    const declined = buildLink({ connectedAt: null, endReason: 'declined' });
    expect(callDuringFlag(flag(80, 95), [view, declined], clock)).toBeNull();
  });

  it('names the first call connected when a flag spans several', () => {
    const later = buildLink({
      id: 'l2',
      proctor: { id: 'p2', name: 'Quinn Proctor' },
      connectedAt: at(130_000),
      endedAt: at(150_000),
    });
    expect(callDuringFlag(flag(100, 140), [later, buildLink()], clock)).toEqual(PAT);
    expect(callDuringFlag(flag(135, 140), [later, buildLink()], clock)).toEqual({
      linkId: 'l2',
      proctorName: 'Quinn Proctor',
    });
  });

  it('never marks other flag types, however they overlap', () => {
    for (const type of ['no_face', 'extra_person', 'tab_switch', 'multiple_faces'] as const) {
      expect(callDuringFlag(flag(80, 95, type), [buildLink()], clock)).toBeNull();
    }
  });
});
