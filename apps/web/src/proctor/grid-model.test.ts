import { describe, expect, it } from 'vitest';
import { FIXTURE_T0, buildTile } from './fixtures';
import {
  NO_FILTER,
  filterTiles,
  formatAge,
  formatTimeLeft,
  healthLevel,
  sortTiles,
  timeLeftMs,
  uploadLabel,
} from './grid-model';

const iso = (offset: number) => new Date(FIXTURE_T0 + offset).toISOString();

const ann = buildTile({
  session: { id: 'a', deadlineAt: iso(600_000) },
  student: { id: 'ua', name: 'Ann', email: 'ann@x.test' },
  risk: 20,
});
const bob = buildTile({
  session: { id: 'b', deadlineAt: iso(300_000) },
  student: { id: 'ub', name: 'Bob', email: 'bob@x.test' },
  risk: 80,
});
const cy = buildTile({
  session: { id: 'c', state: 'submitted', deadlineAt: iso(100_000) },
  student: { id: 'uc', name: 'Cy', email: 'cy@x.test' },
  risk: 20,
  openFlags: 2,
});
const tiles = [ann, bob, cy];
const ids = (list: { session: { id: string } }[]) => list.map((t) => t.session.id);

describe('grid model: sorting', () => {
  it('puts running attempts first, then the highest risk, more open flags, the name', () => {
    expect(ids(sortTiles(tiles, 'risk', FIXTURE_T0))).toEqual(['b', 'a', 'c']);
    const ended = { ...bob, session: { ...bob.session, state: 'terminated' as const } };
    expect(ids(sortTiles([ann, ended, cy], 'risk', FIXTURE_T0))).toEqual(['a', 'b', 'c']);
    const annFlags = { ...ann, openFlags: 3 };
    const dee = { ...ann, session: { ...ann.session, id: 'd' } };
    expect(ids(sortTiles([dee, annFlags], 'risk', FIXTURE_T0))).toEqual(['a', 'd']);
  });
  it('sorts by name', () => {
    expect(ids(sortTiles([cy, bob, ann], 'name', FIXTURE_T0))).toEqual(['a', 'b', 'c']);
  });
  it('sorts by time left, sessions without a running timer last', () => {
    expect(ids(sortTiles(tiles, 'time_left', FIXTURE_T0))).toEqual(['b', 'a', 'c']);
  });
  it('sorts by state, running before submitted', () => {
    expect(ids(sortTiles([cy, bob, ann], 'state', FIXTURE_T0))).toEqual(['a', 'b', 'c']);
  });
});

describe('grid model: filtering', () => {
  const none = new Map<string, number>();
  it('filters by state', () => {
    expect(ids(filterTiles(tiles, { ...NO_FILTER, state: 'submitted' }, none))).toEqual(['c']);
  });
  it('searches names and e-mails, ignoring case', () => {
    expect(ids(filterTiles(tiles, { ...NO_FILTER, text: ' BO ' }, none))).toEqual(['b']);
    expect(ids(filterTiles(tiles, { ...NO_FILTER, text: 'cy@' }, none))).toEqual(['c']);
  });
  it('needs attention: risk of 50 or more, or unacknowledged alerts', () => {
    const unacked = new Map([['a', 1]]);
    expect(ids(filterTiles(tiles, { ...NO_FILTER, attention: true }, unacked))).toEqual(['a', 'b']);
  });
});

describe('grid model: time left and health', () => {
  it('counts down while in progress and stands still while paused', () => {
    const running = buildTile({ session: { deadlineAt: iso(60_000) } }).session;
    expect(timeLeftMs(running, FIXTURE_T0 + 10_000)).toBe(50_000);
    const paused = buildTile({
      session: { state: 'paused', deadlineAt: iso(60_000), updatedAt: iso(20_000) },
    }).session;
    expect(timeLeftMs(paused, FIXTURE_T0 + 50_000)).toBe(40_000);
    expect(timeLeftMs(paused, FIXTURE_T0 + 500_000)).toBe(40_000);
  });
  it('has no time left before the start or after the end', () => {
    expect(timeLeftMs(cy.session, FIXTURE_T0)).toBeNull();
    expect(formatTimeLeft(null)).toBe('—');
    expect(formatTimeLeft(3_725_000)).toBe('1:02:05');
    expect(formatTimeLeft(61_500)).toBe('1:02');
  });
  it('warns when a running session is disconnected or has not uploaded for 30 s', () => {
    const tile = buildTile({
      health: { sessionId: 's1', connected: true, lastUploadAt: iso(0), lastSeenAt: iso(0) },
    });
    expect(healthLevel(tile, FIXTURE_T0 + 30_000)).toBe('ok');
    expect(healthLevel(tile, FIXTURE_T0 + 31_000)).toBe('warn');
    expect(healthLevel({ ...tile, health: { ...tile.health, connected: false } }, FIXTURE_T0)).toBe(
      'warn',
    );
    expect(healthLevel(cy, FIXTURE_T0 + 999_000)).toBe('idle');
  });
  it('says how long ago', () => {
    expect(formatAge(null)).toBe('no upload yet');
    expect(formatAge(12)).toBe('12 s ago');
    expect(formatAge(125)).toBe('2 min ago');
    expect(uploadLabel(12)).toBe('upload 12 s ago');
    expect(uploadLabel(null)).toBe('no upload yet');
  });
});
