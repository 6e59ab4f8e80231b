import { describe, expect, it } from 'vitest';
import {
  computeDeadline,
  effectiveDeadline,
  isTimeUp,
  remainingAt,
  resumeClock,
} from './exam-timing.js';

const MIN = 60_000;
const t0 = new Date('2030-03-01T09:00:00Z');
const at = (minutes: number) => new Date(t0.getTime() + minutes * MIN);

describe('computeDeadline', () => {
  const base = {
    startedAt: t0,
    durationMinutes: 90,
    extraTimeMinutes: 0,
    extendedMinutes: 0,
    closesAt: at(600),
  };

  it('is start + duration', () => {
    expect(computeDeadline({ ...base, pausedMs: 0 })).toEqual(at(90));
  });

  it('adds the accommodation', () => {
    expect(computeDeadline({ ...base, extraTimeMinutes: 30, pausedMs: 0 })).toEqual(at(120));
  });

  it('is capped at the exam close, extra time included', () => {
    expect(
      computeDeadline({ ...base, extraTimeMinutes: 30, closesAt: at(100), pausedMs: 0 }),
    ).toEqual(at(100));
  });

  it('adds paused time after the cap, so a pause may run past the close', () => {
    expect(computeDeadline({ ...base, closesAt: at(60), pausedMs: 10 * MIN })).toEqual(at(70));
    expect(computeDeadline({ ...base, pausedMs: 5 * MIN })).toEqual(at(95));
  });
});

describe('the clock of an attempt', () => {
  it('stops while paused: the effective deadline moves with the pause', () => {
    const s = { deadlineAt: at(90), pausedAt: at(30) };
    expect(effectiveDeadline(s, at(30))).toEqual(at(90));
    expect(effectiveDeadline(s, at(45))).toEqual(at(105));
    expect(isTimeUp(s, at(200))).toBe(false);
  });

  it('stays up when the pause began after the time ran out', () => {
    const s = { deadlineAt: at(90), pausedAt: at(91) };
    expect(effectiveDeadline(s, at(120))).toEqual(at(90));
    expect(isTimeUp(s, at(120))).toBe(true);
  });

  it('runs out exactly at the deadline; no deadline never runs out', () => {
    const s = { deadlineAt: at(90), pausedAt: null };
    expect(isTimeUp(s, at(89))).toBe(false);
    expect(isTimeUp(s, at(90))).toBe(true);
    expect(isTimeUp({ deadlineAt: null, pausedAt: null }, at(9999))).toBe(false);
  });

  it('resuming adds the pause to the total and to the deadline', () => {
    const resumed = resumeClock(
      { deadlineAt: at(90), pausedAt: at(30), pausedMs: 2 * MIN },
      at(40),
    );
    expect(resumed).toEqual({ deadlineAt: at(100), pausedMs: 12 * MIN });
  });

  it('a staff extension adds to the deadline, also past the close', () => {
    const base = { startedAt: t0, durationMinutes: 90, extraTimeMinutes: 0, closesAt: at(600) };
    expect(computeDeadline({ ...base, pausedMs: 0, extendedMinutes: 15 })).toEqual(at(105));
    expect(
      computeDeadline({ ...base, closesAt: at(60), pausedMs: 0, extendedMinutes: 15 }),
    ).toEqual(at(75));
  });

  it('what was left at the end: the running clock, a pause stopping it, none after time up', () => {
    expect(remainingAt({ deadlineAt: at(90), pausedAt: null }, at(60))).toBe(30 * MIN);
    // Paused at 50 with 40 left, ended at 70: still 40 left.
    expect(remainingAt({ deadlineAt: at(90), pausedAt: at(50) }, at(70))).toBe(40 * MIN);
    expect(remainingAt({ deadlineAt: at(90), pausedAt: null }, at(95))).toBe(0);
    expect(remainingAt({ deadlineAt: null, pausedAt: null }, at(95))).toBe(0);
  });
});
