import { describe, expect, it } from 'vitest';
import type { UntrustedReason } from '@invigil/contracts';
import { deriveFlags } from './derive-flags.js';
import { effectiveRules } from './effective-rules.js';
import { LATE_CLUSTER_GAP_MS, lateEventConditions, MAX_LATE_EVIDENCE } from './late-events.js';
import type { RuleEvent, UntrustedTally } from './types.js';

const T = 1_900_000_000_000;
const MIN = 60_000;

/** A client event received at T + receivedSec, dated `atMs`. */
const arrived = (
  seq: number,
  receivedSec: number,
  atMs: number,
  untrusted: UntrustedReason | null,
  type = 'detect.state',
): RuleEvent => ({
  source: 'client',
  type,
  atMs,
  seq,
  receivedMs: T + receivedSec * 1000,
  untrusted,
  data: { detector: 'no_face', active: false, confidence: 0.9, model: 'web-1' },
});

describe('lateEventConditions', () => {
  it('raises nothing while every event was trusted', () => {
    expect(lateEventConditions([arrived(0, 10, T + 9000, null)])).toEqual([]);
  });

  it('turns a cluster into one condition with each event as evidence', () => {
    const events = [
      arrived(3, 100, T + 100_000 - 10 * MIN, 'late'),
      arrived(4, 101, T + 50_000, 'out_of_order'),
      arrived(5, 102, T + 102_000, null),
    ];
    const [c, ...rest] = lateEventConditions(events);
    expect(rest).toEqual([]);
    expect(c).toMatchObject({
      key: `rules:late_event:${T + 100_000}`,
      type: 'late_event',
      source: 'rules',
      startMs: T + 100_000,
      endMs: T + 101_000,
      instant: true,
      confidence: 1,
      facts: { count: 2, late: 1, outOfOrder: 1, future: 0 },
      items: {
        events: [
          {
            seq: 3,
            type: 'detect.state',
            clientMs: T + 100_000 - 10 * MIN,
            receivedMs: T + 100_000,
            reason: 'late',
          },
          {
            seq: 4,
            type: 'detect.state',
            clientMs: T + 50_000,
            receivedMs: T + 101_000,
            reason: 'out_of_order',
          },
        ],
      },
    });
    expect(c?.detail).toBe(
      '2 events: 1 dated up to 10 min before they arrived, 1 older than an event already accepted',
    );
  });

  it('is less sure when events were only late (an outage looks the same)', () => {
    const [c] = lateEventConditions([arrived(0, 300, T, 'late')]);
    expect(c?.confidence).toBe(0.5);
    const [f] = lateEventConditions([arrived(0, 10, T + 20 * MIN, 'future')]);
    expect(f?.confidence).toBe(1);
    expect(f?.detail).toBe('1 event: 1 dated up to 19 min 50 s after they arrived');
  });

  it('splits clusters apart by more than the gap, and continues a stored flag', () => {
    const later = LATE_CLUSTER_GAP_MS / 1000 + 200;
    const events = [arrived(0, 100, T, 'late'), arrived(1, later, T, 'late')];
    expect(lateEventConditions(events).map((c) => c.key)).toEqual([
      `rules:late_event:${T + 100_000}`,
      `rules:late_event:${T + later * 1000}`,
    ]);
    // Stored as one flag that already reached close to the second: the second continues it.
    const stored = [
      { key: 'rules:late_event:1', type: 'late_event' as const, startMs: T, endMs: T + 200_000 },
    ];
    const [first, second] = lateEventConditions(events, stored);
    expect(first?.key).toBe('rules:late_event:1');
    expect(first?.startMs).toBe(T);
    expect(second?.key).toBe(`rules:late_event:${T + later * 1000}`);
  });

  it('names the first and last events of a long cluster, and counts them all', () => {
    const events = Array.from({ length: 100 }, (_, i) => arrived(i, i, T - 10 * MIN, 'late'));
    const [c] = lateEventConditions(events);
    expect(c?.facts?.count).toBe(100);
    const seqs = c?.items?.events?.map((e) => e.seq) ?? [];
    expect(seqs).toHaveLength(MAX_LATE_EVIDENCE);
    expect(seqs[0]).toBe(0);
    expect(seqs.at(-1)).toBe(99);
  });

  /** What the server counts of events it does not pass one by one (see flag-inputs.ts). */
  const tallyOf = (events: readonly RuleEvent[]): UntrustedTally => {
    const received = events.map((e) => e.receivedMs ?? 0);
    const of = (r: UntrustedReason) => events.filter((e) => e.untrusted === r);
    return {
      firstReceivedMs: Math.min(...received),
      lastReceivedMs: Math.max(...received),
      late: of('late').length,
      future: of('future').length,
      outOfOrder: of('out_of_order').length,
      maxLateMs: Math.max(0, ...of('late').map((e) => (e.receivedMs ?? 0) - e.atMs)),
      maxFutureMs: Math.max(0, ...of('future').map((e) => e.atMs - (e.receivedMs ?? 0))),
    };
  };

  it('counts a tally like the events it stands for: same key, extent, facts and message', () => {
    // Two hours of an untrusted event a minute (one run); the oldest are the furthest off.
    const events = Array.from({ length: 120 }, (_, i) => {
      const receivedMs = T + i * 60_000;
      return i % 3 === 0
        ? arrived(i, i * 60, receivedMs + (i === 3 ? 9 : 2) * MIN, 'future')
        : arrived(i, i * 60, receivedMs - (i === 1 ? 30 : 5) * MIN, 'late');
    });
    const [whole] = lateEventConditions(events);
    const older = events.slice(0, 100);
    const [counted, ...rest] = lateEventConditions(events.slice(100), [], [tallyOf(older)]);
    expect(rest).toEqual([]);
    const { items: _all, ...wholeRest } = whole ?? {};
    const { items, ...countedRest } = counted ?? {};
    expect(countedRest).toEqual(wholeRest);
    expect(counted?.facts).toEqual({ count: 120, late: 80, outOfOrder: 0, future: 40 });
    expect(counted?.detail).toBe(
      '120 events: 80 dated up to 30 min before they arrived, 40 dated up to 9 min after they arrived',
    );
    // The evidence names the events passed one by one.
    expect(items?.events?.map((e) => e.seq)).toEqual(Array.from({ length: 20 }, (_, i) => 100 + i));
  });

  it('splits and joins tallies by the gap between arrivals, with or without events', () => {
    const gap = LATE_CLUSTER_GAP_MS;
    const early: UntrustedTally = {
      firstReceivedMs: T,
      lastReceivedMs: T + 20 * MIN,
      late: 50,
      future: 0,
      outOfOrder: 0,
      maxLateMs: 4 * MIN,
      maxFutureMs: 0,
    };
    const next = { ...early, firstReceivedMs: T + 20 * MIN + gap, lastReceivedMs: T + 30 * MIN };
    const apart = {
      ...early,
      firstReceivedMs: T + 30 * MIN + gap + 1,
      lastReceivedMs: T + 40 * MIN,
    };
    const conditions = lateEventConditions([], [], [early, next, apart]);
    expect(conditions.map((c) => [c.startMs, c.endMs, c.facts?.count, c.confidence])).toEqual([
      [T, T + 30 * MIN, 100, 0.5],
      [T + 30 * MIN + gap + 1, T + 40 * MIN, 50, 0.5],
    ]);
    expect(conditions[0]?.items?.events).toEqual([]);
    // An event out of order within reach of a tally joins it and makes the run forged.
    const [joined] = lateEventConditions(
      [arrived(9, (40 * MIN + gap) / 1000, T, 'out_of_order')],
      [],
      [apart],
    );
    expect(joined).toMatchObject({
      key: `rules:late_event:${T + 30 * MIN + gap + 1}`,
      endMs: T + 40 * MIN + gap,
      confidence: 1,
      facts: { count: 51, late: 50, outOfOrder: 1, future: 0 },
    });
  });

  it('becomes a late_event flag with its events in the evidence', () => {
    const [flag] = deriveFlags([arrived(7, 100, T, 'late', 'page.visible')], effectiveRules(), T);
    expect(flag).toMatchObject({
      type: 'late_event',
      source: 'rules',
      severity: 'low',
      endMs: T + 100_000,
      detector: 'rules:late_event',
      evidence: {
        details: { count: 1, late: 1 },
        events: [{ seq: 7, type: 'page.visible', reason: 'late' }],
      },
    });
    expect(flag?.message).toBe(
      'Events arrived late or out of order (1 event: 1 dated up to 1 min 40 s before they arrived)',
    );
  });
});
