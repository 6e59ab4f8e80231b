import { describe, expect, it } from 'vitest';
import type { ReviewFlag, SessionReview } from '@invigil/contracts';
import {
  buildChatMessage,
  buildHand,
  buildLink,
  buildSession,
  FIXTURE_T0,
} from '../proctor/fixtures';
import { duringCallText } from './review-model';
import { categoryCounts, reviewTimeline, visibleItems } from './review-timeline-model';

const at = (offsetMs: number) => new Date(FIXTURE_T0 + offsetMs).toISOString();

const flag = (id: string, offsetMs: number): ReviewFlag => ({
  id,
  type: 'no_face',
  severity: 'high',
  startMs: FIXTURE_T0 + offsetMs,
  endMs: null,
  startOffsetMs: offsetMs,
  endOffsetMs: null,
  message: 'No face in view',
  snapshots: [],
  recording: null,
  decision: 'confirmed',
  comment: null,
  decidedAt: null,
});

/** A finished attempt's staff review started at FIXTURE_T0 (only what the timeline reads). */
function buildReview(overrides: Partial<SessionReview> = {}): SessionReview {
  return {
    session: buildSession({ startedAt: at(0), state: 'submitted' }),
    student: { id: 'u1', name: 'Sam Student', email: 'sam@example.test' },
    flags: [],
    notes: [],
    chat: [],
    helpRequests: [],
    rtcLinks: [],
    ...overrides,
  } as SessionReview;
}

describe('review timeline', () => {
  const review = buildReview({
    flags: [flag('f1', 40_000)],
    notes: [
      {
        id: 'n1',
        sessionId: 's1',
        author: null,
        body: 'Checked the room',
        createdAt: at(90_000),
      },
    ],
    chat: [
      buildChatMessage({ createdAt: at(40_000) }),
      buildChatMessage({
        id: 'm2',
        seq: 2,
        from: 'staff',
        author: { id: 'p1', name: 'Pat Proctor' },
        body: 'Stay in view please',
        createdAt: at(50_000),
      }),
    ],
    helpRequests: [buildHand({ raisedAt: at(30_000) })],
    rtcLinks: [
      buildLink({
        startedAt: at(60_000),
        connectedAt: at(61_000),
        endedAt: at(80_000),
        state: 'ended',
        endReason: 'hung_up',
      }),
    ],
  });

  it('puts flags, chat, hands, live views and notes in time order, a flag first at a tie', () => {
    const items = reviewTimeline(review);
    expect(items.map((i) => i.key)).toEqual([
      'hand-h1',
      'flag-f1',
      'chat-m1',
      'chat-m2',
      'rtc-l1',
      'note-n1',
    ]);
    const flagLine = items[1];
    expect(flagLine).toMatchObject({ severity: 'high', flagId: 'f1', details: 'Confirmed' });
    expect(items[4]).toMatchObject({
      label: 'Live view by Pat Proctor',
      details: '1:00–1:20, lasted 20 s · connected at 1:01 · ended: The proctor ended it.',
      atMs: FIXTURE_T0 + 60_000,
    });
    expect(items[5]).toMatchObject({ label: 'Note by a former user', quote: 'Checked the room' });
  });

  it('counts and hides lines by kind', () => {
    const items = reviewTimeline(review);
    expect(categoryCounts(items)).toEqual({ flag: 1, note: 1, chat: 2, hand: 1, live: 1 });
    expect(visibleItems(items, new Set(['chat', 'note'])).map((i) => i.category)).toEqual([
      'hand',
      'flag',
      'live',
    ]);
  });

  it('says beside a voice flag that it overlapped a call, keeping its decision', () => {
    const voice: ReviewFlag = {
      ...flag('f2', 70_000),
      type: 'voice',
      severity: 'low',
      decision: 'open',
      duringCall: { linkId: 'l1', proctorName: 'Pat Proctor' },
    };
    const quiet: ReviewFlag = { ...flag('f3', 100_000), type: 'voice', duringCall: null };
    const items = reviewTimeline(buildReview({ flags: [voice, quiet] }));
    expect(items.find((i) => i.flagId === 'f2')).toMatchObject({
      category: 'flag',
      severity: 'low',
      details: 'Not decided · During a call with Pat Proctor (proctor)',
    });
    expect(items.find((i) => i.flagId === 'f3')?.details).toBe('Confirmed');
    expect(duringCallText(voice)).toBe('During a call with Pat Proctor (proctor)');
    // An older server sends no such field: nothing is said.
    expect(duringCallText(flag('f4', 0))).toBeNull();
  });

  it('lists nothing for a review without staff parts (the student’s own view)', () => {
    const mine = buildReview({
      notes: undefined,
      chat: undefined,
      helpRequests: undefined,
      rtcLinks: undefined,
    });
    expect(reviewTimeline(mine)).toEqual([]);
  });
});
