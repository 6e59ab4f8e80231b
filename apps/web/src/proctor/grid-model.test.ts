import { describe, expect, it } from 'vitest';
import { ProctoringPolicy } from '@invigil/contracts';
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
  videoAge,
  videoAgeSeconds,
  videoHealthLabel,
  videoLabel,
  videoWatch,
  videoStaleSeconds,
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
      health: {
        sessionId: 's1',
        connected: true,
        lastUploadAt: iso(0),
        lastVideoAt: iso(0),
        videoAt: { webcam: iso(0), screen: iso(0) },
        lastSeenAt: iso(0),
        presence: 'online',
      },
    });
    expect(healthLevel(tile, FIXTURE_T0 + 30_000)).toBe('ok');
    expect(healthLevel(tile, FIXTURE_T0 + 31_000)).toBe('warn');
    expect(healthLevel({ ...tile, health: { ...tile.health, connected: false } }, FIXTURE_T0)).toBe(
      'warn',
    );
    expect(healthLevel(cy, FIXTURE_T0 + 999_000)).toBe('idle');
  });
  it('warns when no video segment arrived for longer than the exam allows, even if events do', () => {
    const video = videoWatch(ProctoringPolicy.parse({ segmentSeconds: 6, screen: false }));
    expect(video).toEqual({ tracks: ['webcam'], staleSeconds: 18 });
    expect(videoStaleSeconds(ProctoringPolicy.parse({ segmentSeconds: 6 }))).toBe(18);
    const tile = buildTile({
      health: {
        sessionId: 's1',
        connected: true,
        lastUploadAt: iso(60_000),
        lastVideoAt: iso(0),
        videoAt: { webcam: iso(0), screen: null },
        lastSeenAt: iso(60_000),
        presence: 'online',
      },
    });
    // An event batch arrived 1 s ago; the last video segment 61 s ago.
    const now = FIXTURE_T0 + 61_000;
    expect(healthLevel(tile, now, video)).toBe('warn');
    expect(videoHealthLabel(tile.health, now, video!)).toBe('no video for 1 min');
    // Without the video check the events alone would look healthy.
    expect(healthLevel(tile, now)).toBe('ok');
    const recent = {
      ...tile,
      health: { ...tile.health, videoAt: { webcam: iso(43_000), screen: null } },
    };
    expect(healthLevel(recent, now, video)).toBe('ok');
    expect(videoHealthLabel(recent.health, now, video!)).toBe('video 18 s ago');
    const none = { ...tile, health: { ...tile.health, videoAt: { webcam: null, screen: null } } };
    expect(healthLevel(none, FIXTURE_T0 + 61_000, video)).toBe('warn');
    expect(videoHealthLabel(none.health, now, video!)).toBe('no video yet');
    // Exams that record no video never warn about it.
    const noVideo = ProctoringPolicy.parse({ webcam: false, microphone: false, screen: false });
    expect(videoWatch(noVideo)).toBeNull();
    expect(videoStaleSeconds(noVideo)).toBeNull();
    expect(videoWatch(ProctoringPolicy.parse({ webcam: false, screen: false }))).toEqual({
      tracks: ['webcam'],
      staleSeconds: 18,
    });
  });
  it('judges every required track on its own: a dead screen never hides behind a live webcam', () => {
    const video = videoWatch(ProctoringPolicy.parse({ segmentSeconds: 6 }));
    expect(video?.tracks).toEqual(['webcam', 'screen']);
    const now = FIXTURE_T0 + 61_000;
    const health = (webcam: string | null, screen: string | null) => ({
      sessionId: 's1',
      connected: true,
      lastUploadAt: iso(60_000),
      lastVideoAt: iso(60_000),
      videoAt: { webcam, screen },
      lastSeenAt: iso(60_000),
      presence: 'online' as const,
    });
    // The webcam arrived 1 s ago, the screen 61 s ago: the tile shows the screen's age.
    const deadScreen = buildTile({ health: health(iso(60_000), iso(0)) });
    expect(videoAge(deadScreen.health, now, video!.tracks)).toEqual({
      track: 'screen',
      seconds: 61,
    });
    expect(videoAgeSeconds(deadScreen.health, now, video!.tracks)).toBe(61);
    expect(healthLevel(deadScreen, now, video)).toBe('warn');
    expect(videoHealthLabel(deadScreen.health, now, video!)).toBe('no screen video for 1 min');
    // A required track that never sent anything is the worst of all.
    const neverScreen = buildTile({ health: health(iso(60_000), null) });
    expect(videoAge(neverScreen.health, now, video!.tracks)).toEqual({
      track: 'screen',
      seconds: null,
    });
    expect(healthLevel(neverScreen, now, video)).toBe('warn');
    expect(videoHealthLabel(neverScreen.health, now, video!)).toBe('no screen video yet');
    // Both on time: the older one is shown.
    const fine = buildTile({ health: health(iso(58_000), iso(50_000)) });
    expect(healthLevel(fine, now, video)).toBe('ok');
    expect(videoHealthLabel(fine.health, now, video!)).toBe('screen video 11 s ago');
    // A track the exam does not require is not waited for.
    const webcamOnly = videoWatch(ProctoringPolicy.parse({ segmentSeconds: 6, screen: false }));
    expect(healthLevel(neverScreen, now, webcamOnly)).toBe('ok');
    expect(videoHealthLabel(neverScreen.health, now, webcamOnly!, false)).toBe(
      'last video 1 s ago',
    );
  });
  it('says how long ago', () => {
    expect(formatAge(null)).toBe('no upload yet');
    expect(formatAge(12)).toBe('12 s ago');
    expect(formatAge(125)).toBe('2 min ago');
    expect(uploadLabel(12)).toBe('upload 12 s ago');
    expect(uploadLabel(null)).toBe('no upload yet');
    expect(videoLabel(4, 18)).toBe('video 4 s ago');
    expect(videoLabel(18, 18)).toBe('video 18 s ago');
    expect(videoLabel(45, 18)).toBe('no video for 45 s');
    expect(videoLabel(null, 18)).toBe('no video yet');
    // After the attempt nothing is expected: the age is a fact, not a warning.
    expect(videoLabel(240, 18, false)).toBe('last video 4 min ago');
    expect(videoLabel(null, 18, false)).toBe('no video');
    expect(videoLabel(45, 18, true, 'screen')).toBe('no screen video for 45 s');
  });
});
