import type { HelpRequest, LiveSessionTile, PersonRef, SessionCounts } from '@invigil/contracts';
import { personInDetails } from './alert-model';

/**
 * What the proctor's pages say about chat and raised hands, as pure functions (tested
 * without React): the hand alert's text, who holds a hand, what just arrived.
 */

/** "Sam Student raised a hand: “my camera froze”" (without a message: "… raised a hand"). */
export function handText(hand: HelpRequest): string {
  const message = hand.message?.trim();
  return `${hand.student.name} raised a hand${message ? `: “${message}”` : ''}`;
}

/** Still waiting for a proctor to resolve it (not lowered, resolved or ended). */
export const isOpenHand = (hand: HelpRequest) => hand.closedAt === null;

/** How a closed hand ended, in words. */
export function handClosedText(hand: HelpRequest): string {
  switch (hand.closeReason) {
    case 'lowered':
      return 'Lowered by the student';
    case 'session_ended':
      return 'Closed: the attempt ended';
    case 'resolved':
      return `Resolved${hand.closedBy ? ` by ${hand.closedBy.name}` : ''}`;
    default:
      return 'Closed';
  }
}

/** Who holds a hand, seen by the user `meId`. */
export type HandHolder = { kind: 'nobody' } | { kind: 'me' } | { kind: 'other'; name: string };

/** Who has taken a hand. */
export function handHolder(hand: HelpRequest, meId: string): HandHolder {
  if (!hand.takenBy) return { kind: 'nobody' };
  if (hand.takenBy.id === meId) return { kind: 'me' };
  return { kind: 'other', name: hand.takenBy.name };
}

/**
 * The proctor named in a 409 HAND_TAKEN error's details (`{ takenBy: { id, name } }`, or
 * `assignedTo` as alerts name it), so the feed can say who at once.
 */
export function handTakerFromDetails(details: unknown): PersonRef | null {
  return personInDetails(details, 'takenBy', 'assignedTo');
}

/** "1 unread message" / "3 unread messages". */
export function unreadText(count: number): string {
  return `${count} unread message${count === 1 ? '' : 's'}`;
}

/** Sessions with unread student messages, most unread first (then by name). */
export function unreadTiles(tiles: readonly LiveSessionTile[]): LiveSessionTile[] {
  return tiles
    .filter((t) => t.unreadChat > 0)
    .sort((a, b) => b.unreadChat - a.unreadChat || a.student.name.localeCompare(b.student.name));
}

/**
 * Students an announcement reaches now: those with the exam page open (checking in, in
 * progress or paused), as the server fans it out; the rest see it in their chat later.
 */
export function announcementReach(counts: SessionCounts): number {
  return (counts.checking_in ?? 0) + (counts.in_progress ?? 0) + (counts.paused ?? 0);
}

/** What arrived between two states of the dashboard: new open hands, more unread messages. */
export interface ChatArrivals {
  hands: HelpRequest[];
  /** Students with more unread messages than before, and how many more. */
  messages: { sessionId: string; name: string; added: number }[];
}

/**
 * New open hands (ids not in `seenHands`, which is updated) and tiles whose unread count
 * went up. The first state of a page is no news: call with `before` null to only remember.
 */
export function chatArrivals(
  before: { tiles: Record<string, LiveSessionTile> } | null,
  after: { tiles: Record<string, LiveSessionTile>; helpRequests: readonly HelpRequest[] },
  seenHands: Set<string>,
): ChatArrivals {
  const hands = after.helpRequests.filter((h) => isOpenHand(h) && !seenHands.has(h.id));
  for (const hand of after.helpRequests) seenHands.add(hand.id);
  if (!before) return { hands: [], messages: [] };
  const messages: ChatArrivals['messages'] = [];
  for (const [sessionId, tile] of Object.entries(after.tiles)) {
    const was = before.tiles[sessionId]?.unreadChat ?? 0;
    if (tile.unreadChat > was) {
      messages.push({ sessionId, name: tile.student.name, added: tile.unreadChat - was });
    }
  }
  return { hands, messages };
}

/** One sentence for a screen reader about what just arrived (null: nothing). */
export function arrivalsText(arrivals: ChatArrivals): string | null {
  const parts: string[] = [];
  if (arrivals.hands.length === 1) parts.push(`${handText(arrivals.hands[0] as HelpRequest)}.`);
  else if (arrivals.hands.length > 1) {
    const names = arrivals.hands.map((h) => h.student.name).join(', ');
    parts.push(`${arrivals.hands.length} raised hands: ${names}.`);
  }
  for (const m of arrivals.messages) {
    parts.push(`New message from ${m.name}${m.added > 1 ? ` (${m.added})` : ''}.`);
  }
  return parts.length > 0 ? parts.join(' ') : null;
}
