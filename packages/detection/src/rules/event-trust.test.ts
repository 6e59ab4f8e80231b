import { describe, expect, it } from 'vitest';
import {
  EVENT_FUTURE_TOLERANCE_MS,
  EVENT_LATE_TOLERANCE_MS,
  eventDetector,
  judgeArrivals,
  type ArrivingEvent,
} from './event-trust.js';

const NOW = 1_900_000_000_000;
let seq = 0;
const state = (atMs: number, detector: string, active: boolean): ArrivingEvent => ({
  seq: seq++,
  type: 'detect.state',
  atMs,
  data: { detector, active, confidence: 0.9, model: 'web-1' },
});
const event = (atMs: number, type: string): ArrivingEvent => ({ seq: seq++, type, atMs, data: {} });

describe('eventDetector', () => {
  it('names the detector of detect.state, tab_switch for the page, nothing for others', () => {
    expect(eventDetector('detect.state', state(0, 'no_face', true).data)).toBe('no_face');
    expect(eventDetector('page.hidden', {})).toBe('tab_switch');
    expect(eventDetector('page.visible', {})).toBe('tab_switch');
    expect(eventDetector('window.blur', {})).toBeNull();
    expect(eventDetector('detect.state', { detector: 'nonsense' })).toBeNull();
  });
});

describe('judgeArrivals', () => {
  const none = new Map<string, number>();

  it('trusts events dated within the tolerances of their arrival', () => {
    const events = [
      event(NOW - EVENT_LATE_TOLERANCE_MS, 'window.blur'),
      state(NOW - 5000, 'no_face', true),
      event(NOW + EVENT_FUTURE_TOLERANCE_MS, 'window.focus'),
    ];
    expect(judgeArrivals(events, NOW, none)).toEqual([null, null, null]);
  });

  it('marks events dated long before arrival late, and after it future', () => {
    const events = [
      state(NOW - EVENT_LATE_TOLERANCE_MS - 1, 'no_face', false),
      event(NOW + EVENT_FUTURE_TOLERANCE_MS + 1, 'page.load'),
      event(NOW - 10 * 60_000, 'window.blur'),
    ];
    expect(judgeArrivals(events, NOW, none)).toEqual(['late', 'future', 'late']);
  });

  it('marks an event older than an accepted one of the same detector out of order', () => {
    const accepted = new Map([
      ['no_face', NOW - 8000],
      ['tab_switch', NOW - 3000],
    ]);
    const events = [
      state(NOW - 9000, 'no_face', false),
      state(NOW - 9000, 'phone', true),
      event(NOW - 4000, 'page.visible'),
      event(NOW - 3000, 'page.visible'),
      event(NOW - 60_000, 'window.blur'),
    ];
    expect(judgeArrivals(events, NOW, accepted)).toEqual([
      'out_of_order',
      null,
      'out_of_order',
      null,
      null,
    ]);
  });

  it('counts the batch’s own accepted events, in the browser’s order', () => {
    const events = [state(NOW - 2000, 'no_face', true), state(NOW - 5000, 'no_face', false)];
    expect(judgeArrivals(events, NOW, none)).toEqual([null, 'out_of_order']);
  });

  it('never lets an untrusted event discredit the ones after it', () => {
    const events = [
      state(NOW + 3_600_000, 'no_face', true),
      state(NOW - 4000, 'no_face', true),
      state(NOW - 1000, 'no_face', false),
    ];
    expect(judgeArrivals(events, NOW, none)).toEqual(['future', null, null]);
  });

  it('judges client times corrected by the clock offset: a clock steadily off is not late', () => {
    const ahead = 65_000;
    const fresh = [state(NOW + ahead - 500, 'no_face', true), event(NOW + ahead, 'window.blur')];
    expect(judgeArrivals(fresh, NOW, none)).toEqual(['future', 'future']);
    expect(judgeArrivals(fresh, NOW, none, { offsetMs: ahead })).toEqual([null, null]);
    // Corrected, a 3-minute-old end is late, whatever the raw time says.
    const backDated = [state(NOW + ahead - 3 * 60_000, 'no_face', false)];
    expect(judgeArrivals(backDated, NOW, none, { offsetMs: ahead })).toEqual(['late']);
    const behind = -15 * 60_000;
    const slow = [event(NOW + behind - 1000, 'window.focus'), event(NOW - 1000, 'window.blur')];
    expect(judgeArrivals(slow, NOW, none, { offsetMs: behind })).toEqual([null, 'future']);
    // Order is the client's own: compared on its clock, the offset changes nothing.
    const accepted = new Map([['no_face', NOW + ahead - 2000]]);
    expect(
      judgeArrivals([state(NOW + ahead - 3000, 'no_face', false)], NOW, accepted, {
        offsetMs: ahead,
      }),
    ).toEqual(['out_of_order']);
  });

  it('takes other tolerances when given', () => {
    const events = [event(NOW - 20_000, 'window.blur'), event(NOW + 20_000, 'window.focus')];
    expect(judgeArrivals(events, NOW, none, { lateMs: 10_000, futureMs: 10_000 })).toEqual([
      'late',
      'future',
    ]);
  });
});
