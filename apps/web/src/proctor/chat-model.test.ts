import { describe, expect, it } from 'vitest';
import { buildHand, buildTile } from './fixtures';
import {
  announcementReach,
  arrivalsText,
  chatArrivals,
  handClosedText,
  handHolder,
  handTakerFromDetails,
  handText,
  unreadText,
  unreadTiles,
} from './chat-model';

describe('chat model: what the proctor reads', () => {
  it('says who raised a hand and why, quoting the student as text', () => {
    expect(handText(buildHand())).toBe('Sam Student raised a hand: “my camera froze”');
    expect(handText(buildHand({ message: null }))).toBe('Sam Student raised a hand');
    expect(handText(buildHand({ message: '  ' }))).toBe('Sam Student raised a hand');
    expect(handText(buildHand({ message: '<b>help</b>' }))).toContain('“<b>help</b>”');
  });

  it('says how a hand was closed and who holds an open one', () => {
    const closed = { closedAt: '2030-01-01T10:05:00.000Z' };
    expect(
      handClosedText(
        buildHand({ ...closed, closeReason: 'resolved', closedBy: { id: 'p', name: 'Pat' } }),
      ),
    ).toBe('Resolved by Pat');
    expect(handClosedText(buildHand({ ...closed, closeReason: 'lowered' }))).toBe(
      'Lowered by the student',
    );
    expect(handHolder(buildHand(), 'p1')).toEqual({ kind: 'nobody' });
    const taken = buildHand({ takenBy: { id: 'p1', name: 'Pat' } });
    expect(handHolder(taken, 'p1')).toEqual({ kind: 'me' });
    expect(handHolder(taken, 'p2')).toEqual({ kind: 'other', name: 'Pat' });
  });

  it('reads the other proctor from a HAND_TAKEN error', () => {
    expect(handTakerFromDetails({ takenBy: { id: 'a', name: 'Ada' } })).toEqual({
      id: 'a',
      name: 'Ada',
    });
    expect(handTakerFromDetails({ takenBy: null })).toBeNull();
    expect(handTakerFromDetails('nope')).toBeNull();
  });

  it('counts unread messages and the students an announcement reaches now', () => {
    expect(unreadText(1)).toBe('1 unread message');
    expect(unreadText(3)).toBe('3 unread messages');
    const tiles = [
      buildTile({ session: { id: 'a' }, unreadChat: 1 }),
      buildTile({ session: { id: 'b' }, unreadChat: 0 }),
      buildTile({ session: { id: 'c' }, unreadChat: 4 }),
    ];
    expect(unreadTiles(tiles).map((t) => t.session.id)).toEqual(['c', 'a']);
    expect(
      announcementReach({
        registered: 5,
        checking_in: 1,
        in_progress: 3,
        paused: 1,
        submitted: 2,
        terminated: 0,
        under_review: 0,
        reviewed: 0,
      }),
    ).toBe(5);
  });
});

describe('chat model: arrivals', () => {
  const state = (unread: number, hands = [buildHand()]) => ({
    tiles: { s1: buildTile({ unreadChat: unread }) },
    helpRequests: hands,
  });

  it('is quiet about the first state, then tells of new hands and more unread', () => {
    const seen = new Set<string>();
    expect(chatArrivals(null, state(2), seen)).toEqual({ hands: [], messages: [] });
    // The same hand again, and fewer unread (staff read them): nothing new.
    expect(chatArrivals(state(2), state(0), seen)).toEqual({ hands: [], messages: [] });
    const later = state(2, [buildHand({ id: 'h2', message: null }), buildHand()]);
    const arrivals = chatArrivals(state(0), later, seen);
    expect(arrivals.hands.map((h) => h.id)).toEqual(['h2']);
    expect(arrivals.messages).toEqual([{ sessionId: 's1', name: 'Sam Student', added: 2 }]);
    expect(arrivalsText(arrivals)).toBe(
      'Sam Student raised a hand. New message from Sam Student (2).',
    );
    // A closed hand is no news, even unseen.
    const closed = buildHand({ id: 'h3', closedAt: '2030-01-01T10:05:00.000Z' });
    expect(chatArrivals(later, state(2, [closed]), seen).hands).toEqual([]);
    expect(arrivalsText({ hands: [], messages: [] })).toBeNull();
  });
});
