import { describe, expect, it } from 'vitest';
import type { ChatMessage, ChatThread, HelpRequest } from '@invigil/contracts';
import { ApiError, NETWORK_ERROR } from '../../api/errors';
import {
  authorLabel,
  chatReducer,
  describeHandError,
  describeSendError,
  handStatus,
  highestSeq,
  initialChat,
  mergeHand,
  mergeMessages,
  newFromOthers,
  spokenArrivals,
  unreadCount,
  visibleMessages,
} from './chat-model';

const SESSION = '00000000-0000-4000-8000-aaaaaaaaaaaa';
const proctor = { id: '00000000-0000-4000-8000-cccccccccccc', name: 'Pat Proctor' };

let n = 0;
function buildMessage(overrides: Partial<ChatMessage> = {}): ChatMessage {
  n += 1;
  return {
    id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    seq: n,
    examId: '00000000-0000-4000-8000-bbbbbbbbbbbb',
    sessionId: SESSION,
    kind: 'message',
    from: 'staff',
    author: proctor,
    body: `message ${n}`,
    createdAt: '2030-01-01T10:00:00.000Z',
    ...overrides,
  };
}
function buildThread(messages: ChatMessage[], readUpTo = 0): ChatThread {
  return { sessionId: SESSION, messages, readUpTo, unread: 0 };
}
function buildHand(overrides: Partial<HelpRequest> = {}): HelpRequest {
  return {
    id: '00000000-0000-4000-8000-dddddddddddd',
    sessionId: SESSION,
    examId: '00000000-0000-4000-8000-bbbbbbbbbbbb',
    student: { id: '00000000-0000-4000-8000-eeeeeeeeeeee', name: 'Sam Student' },
    message: null,
    raisedAt: '2030-01-01T10:00:00.000Z',
    takenBy: null,
    takenAt: null,
    closedAt: null,
    closedBy: null,
    closeReason: null,
    ...overrides,
  };
}

describe('chat model', () => {
  it('merges by id and orders by seq, whatever order the copies arrive in', () => {
    const a = buildMessage({ seq: 5 });
    const b = buildMessage({ seq: 2 });
    const c = buildMessage({ seq: 9 });
    expect(mergeMessages([a], [c, b])).toEqual([b, a, c]);
    // A replayed copy (after a reconnect) does not duplicate.
    expect(mergeMessages([b, a, c], [a, c])).toEqual([b, a, c]);
    expect(mergeMessages([], [])).toEqual([]);
  });

  it('finds the new messages from others, never the student’s own or known ones', () => {
    const known = buildMessage();
    const mine = buildMessage({ from: 'student', author: null });
    const fresh = buildMessage();
    const announcement = buildMessage({ kind: 'announcement', sessionId: null });
    expect(newFromOthers([known], [announcement, known, mine, fresh, fresh])).toEqual([
      fresh,
      announcement,
    ]);
  });

  it('announces nothing from the first fetch or the replay before it, then each new one once', () => {
    const old = buildMessage();
    const replayed = buildMessage();
    let state = chatReducer(initialChat, { type: 'received', messages: [replayed] });
    expect(state.arrivals.messages).toEqual([]);
    state = chatReducer(state, { type: 'thread', thread: buildThread([old, replayed], old.seq) });
    expect(state.loaded).toBe(true);
    expect(state.arrivals).toEqual({ batch: 0, messages: [] });
    expect(state.messages).toEqual([old, replayed]);

    const live = buildMessage({ body: 'Please look at the camera.' });
    state = chatReducer(state, { type: 'received', messages: [live] });
    expect(state.arrivals).toEqual({ batch: 1, messages: [live] });
    // The same message again (replay after a reconnect, or the refetch): not announced again.
    const again = chatReducer(state, { type: 'thread', thread: buildThread([old, live]) });
    expect(again.arrivals.batch).toBe(1);
    // The student's own message (the answer to a send, then its live echo): never announced.
    const mine = buildMessage({ from: 'student', author: null });
    const sent = chatReducer(chatReducer(state, { type: 'received', messages: [mine] }), {
      type: 'received',
      messages: [mine],
    });
    expect(sent.arrivals.batch).toBe(1);
    expect(sent.messages.at(-1)).toEqual(mine);
    // A refetch after a network cut brings what the proctor sent meanwhile: announced.
    const during = buildMessage();
    const back = chatReducer(sent, { type: 'thread', thread: buildThread([during]) });
    expect(back.arrivals).toEqual({ batch: 2, messages: [during] });
  });

  it('counts unread from others after the read mark, which never moves back', () => {
    const a = buildMessage();
    const mine = buildMessage({ from: 'student', author: null });
    const b = buildMessage({ kind: 'announcement', sessionId: null });
    const list = [a, mine, b];
    expect(unreadCount(list, 0)).toBe(2);
    expect(unreadCount(list, a.seq)).toBe(1);
    expect(unreadCount(list, highestSeq(list))).toBe(0);
    expect(highestSeq([])).toBe(0);

    let state = chatReducer(initialChat, { type: 'thread', thread: buildThread(list, a.seq) });
    expect(state.readUpTo).toBe(a.seq);
    state = chatReducer(state, { type: 'read', seq: b.seq });
    state = chatReducer(state, { type: 'read', seq: a.seq });
    expect(state.readUpTo).toBe(b.seq);
    // An older thread (a slow refetch) does not move it back either.
    state = chatReducer(state, { type: 'thread', thread: buildThread(list, 0) });
    expect(state.readUpTo).toBe(b.seq);
  });

  it('shows what the proctors wrote, read-only, when chat is off', () => {
    const a = buildMessage();
    const b = buildMessage({ kind: 'announcement', sessionId: null });
    const mine = buildMessage({ from: 'student', author: null });
    // A proctor's answer to a raised hand must not be lost when the student cannot reply.
    expect(visibleMessages([a, b, mine], false)).toEqual([a, b]);
    expect(visibleMessages([a, b, mine], true)).toEqual([a, b, mine]);
  });

  it('labels authors and what the screen reader hears', () => {
    const a = buildMessage({ body: 'Eyes on the screen.' });
    const b = buildMessage({ kind: 'announcement', sessionId: null, body: '10 minutes left.' });
    expect(authorLabel(a)).toBe('Pat Proctor');
    expect(authorLabel(b)).toBe('Announcement from Pat Proctor');
    expect(authorLabel(buildMessage({ from: 'student', author: null }))).toBe('You');
    expect(spokenArrivals([a, b])).toBe(
      'Proctor: Eyes on the screen.\nAnnouncement: 10 minutes left.',
    );
  });

  it('explains refused sends and keeps the draft', () => {
    const error = (code: string, retryAfterSeconds?: number) =>
      new ApiError({ status: 429, code, message: code, retryAfterSeconds });
    expect(describeSendError(error('CHAT_RATE_LIMITED', 12))).toMatch(/too quickly.*12 s.*kept/);
    expect(describeSendError(error('CHAT_DISABLED'))).toMatch(/turned off/);
    expect(describeSendError(error(NETWORK_ERROR))).toMatch(/cannot be reached.*kept/);
    expect(describeHandError(error('HAND_RATE_LIMITED', 9))).toMatch(/too often.*9 s/);
  });

  it('follows the student’s hand without going back to an older state', () => {
    const raised = buildHand();
    const taken = buildHand({ takenBy: proctor, takenAt: '2030-01-01T10:01:00.000Z' });
    const resolved = buildHand({
      ...taken,
      closedAt: '2030-01-01T10:02:00.000Z',
      closedBy: proctor,
      closeReason: 'resolved',
    });
    expect(handStatus(mergeHand(null, raised, SESSION))).toBe(
      'Hand raised — a proctor will respond.',
    );
    expect(handStatus(mergeHand(raised, taken, SESSION))).toBe(
      'Hand raised — Pat Proctor is responding.',
    );
    // A late replayed copy of the open hand does not reopen it.
    expect(mergeHand(resolved, raised, SESSION)).toBe(resolved);
    expect(handStatus(resolved)).toBe('Your request was resolved by Pat Proctor.');
    // A newer hand replaces a closed one; another session's hand is ignored.
    const next = buildHand({
      id: '00000000-0000-4000-8000-ffffffffffff',
      raisedAt: '2030-01-01T11:00:00.000Z',
    });
    expect(mergeHand(resolved, next, SESSION)).toBe(next);
    expect(mergeHand(next, resolved, SESSION)).toBe(next);
    expect(mergeHand(null, { ...raised, sessionId: proctor.id }, SESSION)).toBeNull();
    expect(handStatus(buildHand({ closedAt: raised.raisedAt, closeReason: 'lowered' }))).toBeNull();
  });
});
