import { describe, expect, it } from 'vitest';
import { MERGE_WINDOW_MS, mergeConditions, type MergeableFlag } from './alert-view.js';

const T0 = 1_900_000_000_000;
let n = 0;
/** A flag of session s1: no_face from the browser unless told, created in call order. */
function flag(over: Partial<MergeableFlag> = {}): MergeableFlag {
  n += 1;
  return {
    id: `f${n}`,
    sessionId: 's1',
    type: 'no_face',
    source: 'client',
    startMs: T0,
    endMs: null,
    createdAt: new Date(T0 + n * 1000),
    ...over,
  };
}
const shape = (groups: ReturnType<typeof mergeConditions>) =>
  groups.map((g) => [g.primary.id, ...g.related.map((f) => f.id)]);

describe('mergeConditions: one condition = one alert', () => {
  it('merges the browser’s and the server’s flag of one condition, led by the first', () => {
    const browser = flag({ startMs: T0, endMs: T0 + 20_000 });
    const server = flag({ source: 'server', startMs: T0 + 8_000, endMs: T0 + 30_000 });
    expect(shape(mergeConditions([server, browser]))).toEqual([[browser.id, server.id]]);
  });

  it('merges within the window around an open or ended flag, not beyond it', () => {
    const browser = flag({ startMs: T0, endMs: T0 + 10_000 });
    const near = flag({ source: 'server', startMs: T0 + 10_000 + MERGE_WINDOW_MS });
    expect(shape(mergeConditions([browser, near]))).toEqual([[browser.id, near.id]]);
    const far = flag({ source: 'server', startMs: T0 + 10_001 + MERGE_WINDOW_MS });
    expect(shape(mergeConditions([browser, far]))).toEqual([[browser.id], [far.id]]);
    // An open flag reaches every later detection of the same condition.
    const open = flag({ startMs: T0 });
    const later = flag({ source: 'server', startMs: T0 + 600_000 });
    expect(shape(mergeConditions([open, later]))).toEqual([[open.id, later.id]]);
  });

  it('keeps apart other types, other sessions and two flags of one source', () => {
    const a = flag();
    const phone = flag({ type: 'phone', source: 'server' });
    const other = flag({ sessionId: 's2', source: 'server' });
    const again = flag({ startMs: T0 + 5_000 });
    expect(shape(mergeConditions([a, phone, other, again]))).toEqual([
      [a.id],
      [phone.id],
      [other.id],
      [again.id],
    ]);
  });

  it('gives the same groups whatever the order it is given (snapshot and live agree)', () => {
    const fs = [flag(), flag({ source: 'server' }), flag({ type: 'phone' })];
    expect(shape(mergeConditions([...fs].reverse()))).toEqual(shape(mergeConditions(fs)));
  });
});
