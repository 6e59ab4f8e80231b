import { describe, expect, it } from 'vitest';
import { reportsSomething } from './analysis-scheduler.js';

describe('reportsSomething', () => {
  const state = (active: boolean) => ({
    type: 'detect.state',
    data: { detector: 'phone', active, confidence: 0.8, model: 'm' },
  });
  const snapshot = (over: Record<string, unknown> = {}) => ({
    type: 'detect.snapshot',
    data: {
      snapshotSeq: 3,
      faces: 1,
      headTurned: false,
      phone: false,
      book: false,
      persons: 1,
      model: 'm',
      ...over,
    },
  });
  it.each([
    ['a detector starting', state(true), true],
    ['a detector ending', state(false), false],
    ['a snapshot with one face and nothing else', snapshot(), false],
    ['a snapshot with no face', snapshot({ faces: 0 }), true],
    ['a snapshot with two faces', snapshot({ faces: 2 }), true],
    ['a snapshot with a phone', snapshot({ phone: true }), true],
    ['a snapshot with the head turned', snapshot({ headTurned: true }), true],
    ['a snapshot with two people', snapshot({ persons: 2 }), true],
    ['malformed data', { type: 'detect.snapshot', data: { faces: 'x' } }, false],
    ['another event type', { type: 'page.hidden', data: {} }, false],
  ])('%s → %s', (_name, event, expected) => {
    expect(reportsSomething(event)).toBe(expected);
  });
});
