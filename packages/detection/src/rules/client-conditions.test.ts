import { describe, expect, it } from 'vitest';
import type { UntrustedReason } from '@invigil/contracts';
import { clientConditions } from './client-conditions.js';
import type { RuleEvent } from './types.js';

const T = 1_900_000_000_000;
const s = (sec: number) => T + sec * 1000;
/** A no_face start or end at `sec`; untrusted ones received at `receivedSec` (default: 5 min later). */
const noFace = (
  sec: number,
  active: boolean,
  untrusted: UntrustedReason | null = null,
  receivedSec = sec + 300,
) =>
  ({
    source: 'client',
    type: 'detect.state',
    atMs: s(sec),
    data: { detector: 'no_face', active, confidence: 0.9, model: 'web-1' },
    untrusted,
    receivedMs: s(receivedSec),
  }) satisfies RuleEvent;
const page = (
  sec: number,
  type: string,
  untrusted: UntrustedReason | null = null,
  receivedSec = sec + 300,
) =>
  ({
    source: 'client',
    type,
    atMs: s(sec),
    data: {},
    untrusted,
    receivedMs: s(receivedSec),
  }) satisfies RuleEvent;

/** type:startSec:endSec|open */
const summary = (events: RuleEvent[], offsetMs = 0) =>
  clientConditions(
    [...events].sort((a, b) => a.atMs - b.atMs),
    offsetMs,
  ).map(
    (c) =>
      `${c.type}:${(c.startMs - T) / 1000}:${c.endMs === null ? 'open' : (c.endMs - T) / 1000}`,
  );

describe('clientConditions with events the server did not trust', () => {
  it('an untrusted end never shortens a condition a trusted start opened: it ends when it arrived', () => {
    expect(summary([noFace(10, true), noFace(12, false, 'late', 250)])).toEqual(['no_face:10:250']);
    expect(
      summary([page(10, 'page.hidden'), page(11, 'page.visible', 'out_of_order', 40)]),
    ).toEqual(['tab_switch:10:40']);
    // Dated after it arrived: its own, later time.
    expect(summary([noFace(10, true), noFace(90, false, 'future', 20)])).toEqual(['no_face:10:90']);
  });

  it('its arrival is mapped to the student’s clock by the offset', () => {
    expect(summary([noFace(10, true), noFace(12, false, 'late', 250)], 65_000)).toEqual([
      'no_face:10:315',
    ]);
    expect(summary([noFace(10, true), noFace(12, false, 'late', 250)], -15_000)).toEqual([
      'no_face:10:235',
    ]);
  });

  it('an honest outage: the late backlog ends it when it arrived, as one condition', () => {
    // Open at 10 (sent in time); the cut began at 15, everything after arrived at 250.
    expect(
      summary([
        noFace(10, true),
        noFace(20, false, 'late', 250),
        noFace(100, true, 'late', 250),
        noFace(110, false, 'late', 250),
        noFace(300, true),
      ]),
    ).toEqual(['no_face:10:250', 'no_face:300:open']);
  });

  it('a start after the untrusted end shows it still holds: it stays open', () => {
    expect(
      summary([noFace(10, true), noFace(20, false, 'out_of_order', 250), noFace(100, true)]),
    ).toEqual(['no_face:10:open']);
  });

  it('an end whose arrival is unknown leaves it open', () => {
    const { receivedMs: _unknown, ...end } = noFace(12, false, 'late');
    expect(summary([noFace(10, true), end])).toEqual(['no_face:10:open']);
  });

  it('an earlier trusted end still closes it at its own time', () => {
    expect(summary([noFace(10, true), noFace(30, false), noFace(12, false, 'late', 250)])).toEqual([
      'no_face:10:30',
    ]);
  });

  it('an untrusted start adds: it opens a condition, or extends one to an earlier start', () => {
    expect(summary([noFace(10, true, 'late')])).toEqual(['no_face:10:open']);
    expect(summary([noFace(5, true, 'out_of_order'), noFace(10, true), noFace(20, false)])).toEqual(
      ['no_face:5:20'],
    );
  });

  it('a stretch reported wholly by untrusted events keeps its own end', () => {
    expect(summary([noFace(10, true, 'late'), noFace(20, false, 'late')])).toEqual([
      'no_face:10:20',
    ]);
  });

  it('an untrusted start cannot make an untrusted end close a trusted condition at its own time', () => {
    expect(
      summary([noFace(5, true, 'late'), noFace(10, true), noFace(12, false, 'future', 100)]),
    ).toEqual(['no_face:5:100']);
  });
});

describe('clientConditions for full screen', () => {
  it('each fullscreen.exit → fullscreen.enter stretch is a fullscreen_exit condition', () => {
    expect(
      summary([
        page(10, 'fullscreen.exit'),
        page(14, 'fullscreen.enter'),
        page(30, 'fullscreen.exit'),
      ]),
    ).toEqual(['fullscreen_exit:10:14', 'fullscreen_exit:30:open']);
  });

  it('a late "back in full screen" closes the exit only as of its arrival', () => {
    expect(
      summary([page(10, 'fullscreen.exit'), page(12, 'fullscreen.enter', 'late', 200)]),
    ).toEqual(['fullscreen_exit:10:200']);
  });
});
