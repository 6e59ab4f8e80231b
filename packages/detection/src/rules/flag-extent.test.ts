import { describe, expect, it } from 'vitest';
import { deriveFlags } from './derive-flags.js';
import { effectiveRules } from './effective-rules.js';
import { extendToStored } from './flag-extent.js';
import type { Condition, RuleEvent, StoredFlag } from './types.js';

const T = 1_900_000_000_000;
const s = (sec: number) => T + sec * 1000;

const condition = (startSec: number, endSec: number | null, over: Partial<Condition> = {}) =>
  ({
    key: 'client:no_face:x',
    type: 'no_face',
    source: 'client',
    startMs: s(startSec),
    endMs: endSec === null ? null : s(endSec),
    confidence: 0.9,
    model: 'web-1',
    instant: false,
    snapshotIds: [],
    ...over,
  }) satisfies Condition;
const stored = (startSec: number, endSec: number | null, over: Partial<StoredFlag> = {}) =>
  ({
    key: 'client:no_face:x',
    type: 'no_face',
    startMs: s(startSec),
    endMs: endSec === null ? null : s(endSec),
    ...over,
  }) satisfies StoredFlag;
const span = (c: Condition) =>
  `${(c.startMs - T) / 1000}:${c.endMs === null ? 'open' : (c.endMs - T) / 1000}`;

describe('extendToStored', () => {
  it('leaves a condition without a stored flag as it is', () => {
    expect(span(extendToStored(condition(10, 20), undefined))).toBe('10:20');
  });

  it('never moves the start later nor a stored end earlier', () => {
    expect(span(extendToStored(condition(12, 15), stored(10, 30)))).toBe('10:30');
    expect(span(extendToStored(condition(8, 40), stored(10, 30)))).toBe('8:40');
  });

  it('closes an open flag no earlier than the server last saw it open', () => {
    const seen = stored(10, null, { seenOpenMs: s(25) });
    expect(span(extendToStored(condition(10, 12), seen))).toBe('10:25');
    expect(span(extendToStored(condition(10, 40), seen))).toBe('10:40');
  });

  it('lets a flag grow: still open stays open', () => {
    expect(span(extendToStored(condition(10, null), stored(10, 30)))).toBe('10:open');
  });

  it('keeps the observations a stored flag names', () => {
    const c = condition(10, 20, { snapshotIds: ['b', 'c'] });
    expect(extendToStored(c, stored(10, 20, { snapshotIds: ['a', 'b'] })).snapshotIds).toEqual([
      'a',
      'b',
      'c',
    ]);
  });
});

describe('deriveFlags with stored flags', () => {
  const noFace = (sec: number, active: boolean): RuleEvent => ({
    source: 'client',
    type: 'detect.state',
    atMs: s(sec),
    data: { detector: 'no_face', active, confidence: 0.9, model: 'web-1' },
  });
  const rules = effectiveRules();

  it('a back-dated end cannot shrink a flag the server saw open below its minimum', () => {
    const events = [noFace(10, true), noFace(11, false)];
    // Without the stored flag: 1 s, not a flag at all.
    expect(deriveFlags(events, rules, s(100))).toEqual([]);
    const open = stored(10, null, { key: `client:no_face:${s(10)}`, seenOpenMs: s(20) });
    const [flag] = deriveFlags(events, rules, s(100), { stored: [open] });
    expect(flag).toMatchObject({ key: open.key, startMs: s(10), endMs: s(20) });
    expect(flag?.message).toBe('No face in view for 10 s');
    expect(flag?.evidence.recording).toEqual({ fromMs: s(10) - 3000, toMs: s(20) + 3000 });
  });

  it('stored flags that no longer follow are not returned (storage keeps them)', () => {
    const gone = stored(10, 30, { key: 'client:no_face:old' });
    expect(deriveFlags([], rules, s(100), { stored: [gone] })).toEqual([]);
  });
});
