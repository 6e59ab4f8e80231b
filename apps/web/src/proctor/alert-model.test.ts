import { describe, expect, it } from 'vitest';
import { buildAlert } from './fixtures';
import {
  announce,
  groupAlerts,
  handlingFrom,
  holderOf,
  newAlerts,
  shouldBeep,
  holderFromDetails,
} from './alert-model';

const high = buildAlert({ id: 'h', severity: 'high', type: 'phone' });
const medium = buildAlert({ id: 'm', severity: 'medium' });
const low = buildAlert({ id: 'l', severity: 'low', type: 'voice' });
const acked = buildAlert(
  { id: 'a', severity: 'high' },
  {
    handling: {
      ...high.handling,
      flagId: 'a',
      acknowledgedAt: '2030-01-01T10:00:00.000Z',
      acknowledgedBy: { id: 'p', name: 'Pat' },
    },
  },
);

describe('alert model: grouping', () => {
  it('groups unacknowledged alerts by severity and keeps the feed order', () => {
    const medium2 = buildAlert({ id: 'm2', severity: 'medium' });
    const groups = groupAlerts([medium2, high, acked, medium, low]);
    expect(groups.open.high.map((a) => a.flag.id)).toEqual(['h']);
    expect(groups.open.medium.map((a) => a.flag.id)).toEqual(['m2', 'm']);
    expect(groups.open.low.map((a) => a.flag.id)).toEqual(['l']);
    expect(groups.acknowledged.map((a) => a.flag.id)).toEqual(['a']);
    expect(groups.openCount).toBe(4);
  });
  it('keeps a taken alert in view although taking it acknowledged it', () => {
    const taken = buildAlert(
      { id: 't', severity: 'low' },
      {
        handling: {
          ...acked.handling,
          flagId: 't',
          assignedTo: { id: 'p', name: 'Pat' },
          assignedAt: '2030-01-01T10:00:00.000Z',
        },
      },
    );
    const groups = groupAlerts([taken, acked]);
    expect(groups.open.low.map((a) => a.flag.id)).toEqual(['t']);
    expect(groups.acknowledged.map((a) => a.flag.id)).toEqual(['a']);
    expect(groups.openCount).toBe(0);
  });
});

describe('alert model: new alerts, sound and announcements', () => {
  it('finds alerts not seen before', () => {
    expect(newAlerts([high, medium], new Set(['m'])).map((a) => a.flag.id)).toEqual(['h']);
  });
  it('beeps for new high or medium alerts only', () => {
    expect(shouldBeep([low])).toBe(false);
    expect(shouldBeep([low, medium])).toBe(true);
    expect(shouldBeep([acked])).toBe(false);
  });
  it('announces one alert by name and type, assertively when high', () => {
    expect(announce([high])).toEqual({ text: 'High alert: Sam Student, Phone.', assertive: true });
    expect(announce([low])).toEqual({ text: 'Low alert: Sam Student, Voice.', assertive: false });
    expect(announce([])).toBeNull();
  });
  it('announces a burst as one sentence, most serious first', () => {
    expect(announce([low, high, medium])).toEqual({
      text: '3 new alerts, 1 high. First: Sam Student, Phone.',
      assertive: true,
    });
  });
});

describe('alert model: who holds an alert', () => {
  const taken = (id: string, name: string) => ({
    ...high.handling,
    assignedTo: { id, name },
    assignedAt: '2030-01-01T10:00:00.000Z',
  });
  it('tells nobody, me and someone else apart', () => {
    expect(holderOf(high.handling, 'me')).toEqual({ kind: 'nobody' });
    expect(holderOf(taken('me', 'Me'), 'me')).toEqual({ kind: 'me' });
    expect(holderOf(taken('p2', 'Kim'), 'me')).toEqual({ kind: 'other', name: 'Kim' });
  });
  it('reads the handling from either answer shape', () => {
    expect(handlingFrom(high)).toBe(high.handling);
    expect(handlingFrom(high.handling)).toBe(high.handling);
  });
  it('reads the holder of a taken alert from error details', () => {
    expect(holderFromDetails({ assignedTo: { id: 'x', name: 'Kim' }, assignedAt: null })).toEqual({
      id: 'x',
      name: 'Kim',
    });
    expect(holderFromDetails({ assignedTo: null })).toBeNull();
    expect(holderFromDetails(null)).toBeNull();
  });
});
