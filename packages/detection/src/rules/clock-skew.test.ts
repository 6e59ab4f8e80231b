import { describe, expect, it } from 'vitest';
import {
  CLOCK_SKEW_TOLERANCE_MS,
  CLOCK_WINDOW_MS,
  clockSkewConditions,
  estimateClockOffset,
  MAX_CLOCK_EVIDENCE,
  OFFSET_MIN_BUCKETS_BEHIND,
} from './clock-skew.js';
import { deriveFlags } from './derive-flags.js';
import { effectiveRules } from './effective-rules.js';
import type { ClockSample } from './types.js';

const T = 1_900_000_000_000;
const MIN = 60_000;

/**
 * Items the way a browser sends them: one every `everySec` for `forSec` seconds of server
 * time from `fromSec`, each dated by a clock `offsetMs` off and received `delayMs` after.
 */
function items(
  fromSec: number,
  forSec: number,
  offsetMs: number,
  { everySec = 10, delayMs = 800 } = {},
): ClockSample[] {
  const out: ClockSample[] = [];
  for (let sec = fromSec; sec < fromSec + forSec; sec += everySec) {
    const happened = T + sec * 1000;
    out.push({
      kind: 'segment',
      ref: `webcam segment ${sec}`,
      clientMs: happened + offsetMs,
      receivedMs: happened + delayMs,
    });
  }
  return out;
}

describe('clockSkewConditions', () => {
  it('finds nothing wrong with an honest clock', () => {
    expect(clockSkewConditions(items(0, 1200, 2000))).toEqual([]);
    expect(clockSkewConditions(items(0, 1200, -20_000))).toEqual([]);
  });

  it('a clock set forward: every item is dated after it arrived', () => {
    const [c, ...rest] = clockSkewConditions(items(0, 600, 10 * MIN));
    expect(rest).toEqual([]);
    expect(c).toMatchObject({
      key: `rules:clock_skew:ahead:${T + 800}`,
      type: 'clock_skew',
      source: 'rules',
      startMs: T + 800,
      instant: true,
      confidence: 1,
      facts: {
        direction: 'ahead',
        toleranceMs: CLOCK_SKEW_TOLERANCE_MS,
        windowMs: CLOCK_WINDOW_MS,
      },
      detail: 'about 10 min ahead',
    });
    expect(Math.abs(Number(c?.facts?.offsetMs) - 10 * MIN)).toBeLessThan(1000);
    expect(c?.items?.samples).toHaveLength(MAX_CLOCK_EVIDENCE);
  });

  it('one item dated far ahead is enough', () => {
    const samples = [...items(0, 300, 0), ...items(300, 1, 30 * MIN), ...items(310, 300, 0)];
    const [c, ...rest] = clockSkewConditions(samples);
    expect(rest).toEqual([]);
    expect(c?.startMs).toBe(T + 300_800);
    expect(c?.endMs).toBe(T + 300_800);
  });

  it('a clock set back: over a window, even the freshest item is too old', () => {
    const [c, ...rest] = clockSkewConditions(items(0, 600, -10 * MIN));
    expect(rest).toEqual([]);
    expect(c?.key.startsWith('rules:clock_skew:behind:')).toBe(true);
    expect(c?.facts?.direction).toBe('behind');
    expect(Math.abs(Number(c?.facts?.offsetMs) + 10 * MIN)).toBeLessThan(1000);
    expect(c?.detail).toBe('about 10 min behind');
    // Judged only once the window was half covered.
    expect(c?.startMs).toBeGreaterThanOrEqual(T + CLOCK_WINDOW_MS / 2);
  });

  it('needs a few items over half a window before calling a clock late', () => {
    expect(clockSkewConditions(items(0, 30, -10 * MIN, { everySec: 15 }))).toEqual([]);
    expect(clockSkewConditions(items(0, 100, -10 * MIN, { everySec: 5 }))).toEqual([]);
  });

  it('an honest 30 s backlog after a cut, then fresh items: nothing', () => {
    const backlog: ClockSample[] = Array.from({ length: 15 }, (_, i) => ({
      kind: 'event',
      ref: `event ${i}`,
      clientMs: T + 300_000 + i * 2000,
      receivedMs: T + 330_000 + i * 100,
    }));
    const samples = [...items(0, 300, 0), ...backlog, ...items(332, 600, 0)];
    expect(clockSkewConditions(samples)).toEqual([]);
  });

  it('a long outage drained oldest first, catching up: nothing', () => {
    // 10 minutes offline, then the backlog arrives over 4 minutes, oldest first.
    const drain: ClockSample[] = Array.from({ length: 60 }, (_, i) => ({
      kind: 'segment',
      ref: `webcam segment ${i}`,
      clientMs: T + 300_000 + i * 10_000,
      receivedMs: T + 900_000 + i * 4000,
    }));
    expect(clockSkewConditions([...items(0, 300, 0), ...drain])).toEqual([]);
  });

  it('a corrected clock ends the stretch; a stored flag is continued', () => {
    const samples = [...items(0, 300, 10 * MIN), ...items(300, 300, 0)];
    const [c] = clockSkewConditions(samples);
    expect(c?.endMs).toBeLessThan(T + 300_000);
    const stored = [
      {
        key: 'rules:clock_skew:ahead:1',
        type: 'clock_skew' as const,
        startMs: T - 60_000,
        endMs: T - 30_000,
      },
    ];
    const [continued] = clockSkewConditions(samples, stored);
    expect(continued?.key).toBe('rules:clock_skew:ahead:1');
    expect(continued?.startMs).toBe(T - 60_000);
    const behind = [{ ...(stored[0] as (typeof stored)[0]), key: 'rules:clock_skew:behind:1' }];
    expect(clockSkewConditions(samples, behind)[0]?.key).toBe(`rules:clock_skew:ahead:${T + 800}`);
  });

  it('becomes a clock_skew flag with the offset and samples in its evidence', () => {
    const [flag] = deriveFlags([], effectiveRules(), T + 600_000, {
      clockSamples: items(0, 60, 10 * MIN),
    });
    expect(flag).toMatchObject({
      type: 'clock_skew',
      severity: 'medium',
      detector: 'rules:clock_skew',
      evidence: { details: { direction: 'ahead' }, samples: expect.any(Array) },
    });
    expect(flag?.message).toBe(
      'The computer’s clock disagrees with the server’s (about 10 min ahead)',
    );
  });
});

describe('estimateClockOffset', () => {
  it('is the clock offset to the second, whichever way the clock is off', () => {
    expect(estimateClockOffset([])).toBe(0);
    expect(estimateClockOffset(items(0, 600, 0))).toBe(0);
    expect(estimateClockOffset(items(0, 600, 1500))).toBe(0);
    // The items arrive 0.8 s after they happen: that delay is part of what is measured.
    expect(estimateClockOffset(items(0, 600, -15_000))).toBe(-16_000);
    expect(estimateClockOffset(items(0, 600, 65_000))).toBe(64_000);
    expect(estimateClockOffset(items(0, 600, 65_000, { delayMs: 200 }))).toBe(65_000);
    expect(estimateClockOffset(items(0, 600, -10 * MIN))).toBe(-10 * MIN - 1000);
  });

  it('takes the freshest item of each moment: late items do not pull it back', () => {
    // Every 10 s a fresh event, and a segment that took 25 s to upload.
    const slow = items(0, 600, 0, { delayMs: 25_000 }).map((s) => ({ ...s, ref: `slow ${s.ref}` }));
    expect(estimateClockOffset([...items(0, 600, 0, { delayMs: 300 }), ...slow])).toBe(0);
  });

  it('a clock ahead shows at once; one behind only over a few buckets', () => {
    expect(estimateClockOffset(items(0, 1, 65_000, { delayMs: 0 }))).toBe(65_000);
    // Two stale uploads at once look the same as a backlog: no offset yet.
    const stale: ClockSample[] = [
      { kind: 'segment', ref: 'a', clientMs: T - 54_000, receivedMs: T },
      { kind: 'segment', ref: 'b', clientMs: T - 45_000, receivedMs: T + 5 },
    ];
    expect(estimateClockOffset(stale)).toBe(0);
    const behind = items(0, OFFSET_MIN_BUCKETS_BEHIND * 10, -15_000, { delayMs: 0 });
    expect(estimateClockOffset(behind.slice(0, OFFSET_MIN_BUCKETS_BEHIND - 1))).toBe(0);
    expect(estimateClockOffset(behind)).toBe(-15_000);
  });

  it('a backlog drained after a long outage, or a few forged items, move nothing', () => {
    const drain: ClockSample[] = Array.from({ length: 60 }, (_, i) => ({
      kind: 'segment',
      ref: `webcam segment ${i}`,
      clientMs: T + 300_000 + i * 4000,
      receivedMs: T + 540_000 + i * 300,
    }));
    expect(estimateClockOffset([...items(0, 300, 0, { delayMs: 0 }), ...drain])).toBe(0);
    const forged = [...items(0, 300, 0, { delayMs: 0 }), ...items(0, 60, 10 * MIN)];
    expect(estimateClockOffset(forged)).toBe(0);
  });

  it('of two middle buckets, takes the one nearer zero', () => {
    const half = [...items(0, 40, 0, { delayMs: 0 }), ...items(40, 40, -10 * MIN, { delayMs: 0 })];
    expect(estimateClockOffset(half)).toBe(0);
  });
});
