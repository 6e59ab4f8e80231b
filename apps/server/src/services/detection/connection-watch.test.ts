import { describe, expect, it } from 'vitest';
import { EVIDENCE_EVENTS, ProctoringPolicy } from '@invigil/contracts';
import { judgeEvidence, openAbsences, type Receipt, type WatchFacts } from './evidence-watch.js';

const T0 = 1_900_000_000_000;
const s = (sec: number) => T0 + sec * 1000;
const at = (sec: number, seq = 0): Receipt => ({ atMs: s(sec), seq });

/**
 * A running attempt whose media watches are all fine (so only the connection is judged);
 * `lastHeard`: when anything at all last arrived from the page.
 */
function facts(nowSec: number, lastHeard: number | null, over: Partial<WatchFacts> = {}) {
  const fine = at(nowSec - 1);
  const f: WatchFacts = {
    nowMs: s(nowSec),
    startedAtMs: T0,
    policy: ProctoringPolicy.parse({}),
    cameraDetection: true,
    detectionSilenceMs: 60_000,
    connectionLostMs: 20_000,
    newest: {
      webcam: fine,
      screen: fine,
      snapshots: fine,
      detection: fine,
      connection: lastHeard === null ? null : at(lastHeard),
    },
    open: {},
    resumed: {},
    ...over,
  };
  return f;
}
const connectionEvents = (f: WatchFacts) =>
  judgeEvidence(f).filter((e) => e.type === EVIDENCE_EVENTS.connectionLost);

describe('connection lost: nothing from the page for N seconds (server clock)', () => {
  it('is quiet while the page is heard within N', () => {
    expect(connectionEvents(facts(100, 85))).toEqual([]);
    expect(connectionEvents(facts(100, 80))).toEqual([]);
  });

  it('starts an absence of the page from the last thing heard', () => {
    const [event] = connectionEvents(facts(100, 79));
    expect(event?.clientMs).toBe(s(79));
    expect(event?.data).toEqual({
      subject: 'page',
      fromMs: s(79),
      toMs: null,
      lastSeq: null,
      thresholdMs: 20_000,
    });
  });

  it('counts from the start when nothing was ever heard, and is off without a threshold', () => {
    expect(connectionEvents(facts(15, null))).toEqual([]);
    expect(connectionEvents(facts(25, null))[0]?.data).toMatchObject({ fromMs: T0 });
    expect(connectionEvents(facts(600, 1, { connectionLostMs: 0 }))).toEqual([]);
    expect(connectionEvents(facts(600, 1, { connectionLostMs: undefined }))).toEqual([]);
  });

  it('ends when the page is heard again (back online), and is remembered as ended', () => {
    const start = connectionEvents(facts(100, 79))[0];
    const open = openAbsences([{ type: start!.type, data: start!.data }]);
    expect(open.connection?.fromMs).toBe(s(79));
    const back = connectionEvents(facts(140, 139, { open, resumed: { connection: at(131) } }));
    expect(back).toEqual([
      {
        type: EVIDENCE_EVENTS.connectionLost,
        clientMs: s(131),
        data: { ...start!.data, toMs: s(131), resumedSeq: 0 },
      },
    ]);
    const after = openAbsences(
      [start!, back[0]!].map((e) => ({ type: e.type, data: e.data as unknown })),
    );
    expect(after.connection).toBeUndefined();
  });
});
