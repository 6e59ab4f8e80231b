import { describe, expect, it } from 'vitest';
import { rejudgingNeeds } from './detection-event-data.js';

const now = 1_800_000_000_000;
const report = (snapshotSeq: number, extra: Record<string, unknown> = {}) => ({
  type: 'detect.snapshot',
  at: now - 1000,
  untrustedReason: null,
  data: {
    snapshotSeq,
    faces: 1,
    headTurned: false,
    phone: false,
    book: false,
    persons: 1,
    model: 'm',
  },
  ...extra,
});

describe('rejudgingNeeds', () => {
  it('needs nothing for events that feed no rule', () => {
    expect(rejudgingNeeds([{ type: 'window.blur', at: now, data: {} }], now)).toEqual({
      always: false,
      reportedSnapshots: [],
    });
  });

  it('defers snapshot reports to whether the server analysed those snapshots', () => {
    expect(rejudgingNeeds([report(3), report(4), { type: 'window.focus', at: now }], now)).toEqual({
      always: false,
      reportedSnapshots: [3, 4],
    });
  });

  it('judges at once a state change, an untrusted or off-clock report, or a malformed one', () => {
    const state = { type: 'detect.state', at: now, data: {} };
    expect(rejudgingNeeds([report(1), state], now).always).toBe(true);
    expect(rejudgingNeeds([report(1, { untrustedReason: 'late' })], now).always).toBe(true);
    expect(rejudgingNeeds([report(1, { at: now - 3_600_000 })], now).always).toBe(true);
    expect(rejudgingNeeds([report(1, { data: { snapshotSeq: 'x' } })], now).always).toBe(true);
    expect(rejudgingNeeds([{ type: 'page.hidden', at: now }], now).always).toBe(true);
  });
});
