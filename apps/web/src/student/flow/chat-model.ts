import type { ChatMessage, ChatThread, HelpRequest } from '@invigil/contracts';
import { ApiError, NETWORK_ERROR, describeError } from '../../api/errors';

/**
 * The student's side of the exam chat as plain data: the thread (the session's messages and
 * the exam's announcements), the read mark, and which proctor messages arrived while the
 * page was open (announced aloud and with a sound once each). Tested without React.
 */
export interface ChatState {
  /** Every message known, by `seq` (oldest first), each id once. */
  messages: ChatMessage[];
  /** The thread was fetched once: from then on, new proctor messages are announced. */
  loaded: boolean;
  /** The student's read mark (highest `seq` read); it never moves back. */
  readUpTo: number;
  /** The latest batch of proctor messages and announcements to announce (`batch` counts up). */
  arrivals: { batch: number; messages: ChatMessage[] };
}

/** What changes the chat: a fetched thread, messages from the live feed or a send, a read. */
export type ChatAction =
  | { type: 'thread'; thread: ChatThread }
  | { type: 'received'; messages: readonly ChatMessage[] }
  | { type: 'read'; seq: number };

/** The state before anything was fetched. */
export const initialChat: ChatState = {
  messages: [],
  loaded: false,
  readUpTo: 0,
  arrivals: { batch: 0, messages: [] },
};

/** A message the student did not write: from a proctor, or an announcement. */
export function fromOthers(message: ChatMessage): boolean {
  return message.from !== 'student';
}

/**
 * `list` with `incoming` merged in by id, ordered by `seq`. The fetched thread, live messages
 * (replayed after every reconnect) and the answer to a send overlap and arrive in any order,
 * so merging is idempotent.
 */
export function mergeMessages(
  list: readonly ChatMessage[],
  incoming: readonly ChatMessage[],
): ChatMessage[] {
  const byId = new Map(list.map((m) => [m.id, m]));
  for (const message of incoming) byId.set(message.id, message);
  return [...byId.values()].sort((a, b) => a.seq - b.seq);
}

/** The messages of `incoming` from others that `list` does not hold yet (each id once). */
export function newFromOthers(
  list: readonly ChatMessage[],
  incoming: readonly ChatMessage[],
): ChatMessage[] {
  const known = new Set(list.map((m) => m.id));
  const out: ChatMessage[] = [];
  for (const message of incoming) {
    if (known.has(message.id) || !fromOthers(message)) continue;
    known.add(message.id);
    out.push(message);
  }
  return out.sort((a, b) => a.seq - b.seq);
}

function withIncoming(state: ChatState, incoming: readonly ChatMessage[]): ChatState {
  const fresh = newFromOthers(state.messages, incoming);
  const messages = mergeMessages(state.messages, incoming);
  // Before the first fetch, the live feed replays the whole history: none of it is news.
  if (!state.loaded || fresh.length === 0) return { ...state, messages };
  return {
    ...state,
    messages,
    arrivals: { batch: state.arrivals.batch + 1, messages: fresh },
  };
}

/** The chat's reducer (pure). */
export function chatReducer(state: ChatState, action: ChatAction): ChatState {
  switch (action.type) {
    case 'thread': {
      const next = withIncoming(state, action.thread.messages);
      return {
        ...next,
        loaded: true,
        readUpTo: Math.max(state.readUpTo, action.thread.readUpTo),
      };
    }
    case 'received':
      return withIncoming(state, action.messages);
    case 'read':
      return action.seq > state.readUpTo ? { ...state, readUpTo: action.seq } : state;
  }
}

/**
 * What the student sees: with chat off, what the proctors wrote (announcements and their
 * messages to this student, read-only: staff may still write, e.g. to answer a raised hand),
 * not the student's own earlier messages.
 */
export function visibleMessages(messages: readonly ChatMessage[], chat: boolean): ChatMessage[] {
  return chat
    ? [...messages]
    : messages.filter((m) => m.kind === 'announcement' || m.from === 'staff');
}

/** Messages from others after the read mark: the number on the Chat button. */
export function unreadCount(messages: readonly ChatMessage[], readUpTo: number): number {
  return messages.filter((m) => fromOthers(m) && m.seq > readUpTo).length;
}

/** The highest `seq` shown (0 when empty): what opening the panel marks read. */
export function highestSeq(messages: readonly ChatMessage[]): number {
  return messages.reduce((max, m) => Math.max(max, m.seq), 0);
}

/** Who wrote a message, as the panel labels it. */
export function authorLabel(message: ChatMessage): string {
  if (message.from === 'student') return 'You';
  const name = message.author?.name ?? 'Proctor';
  return message.kind === 'announcement' ? `Announcement from ${name}` : name;
}

/** What the screen reader hears when a proctor message or announcement arrives. */
export function spokenArrivals(messages: readonly ChatMessage[]): string {
  return messages
    .map((m) => `${m.kind === 'announcement' ? 'Announcement' : 'Proctor'}: ${m.body}`)
    .join('\n');
}

/** A clear message for a failed send; the draft is kept so the student can send it again. */
export function describeSendError(error: unknown): string {
  if (error instanceof ApiError) {
    switch (error.code) {
      case 'CHAT_RATE_LIMITED': {
        const wait = error.retryAfterSeconds;
        return `You are sending messages too quickly. ${
          wait ? `Wait ${wait} s` : 'Wait a moment'
        }, then send again; your message is kept.`;
      }
      case 'CHAT_DISABLED':
        return 'Chat is turned off for this exam. Raise your hand if you need help.';
      case 'SESSION_NOT_ACTIVE':
        return 'Your exam is not running, so messages cannot be sent now.';
      case NETWORK_ERROR:
        return 'Not sent: the server cannot be reached. Check your connection and send again; your message is kept.';
    }
  }
  return `Not sent: ${describeError(error)}`;
}

/**
 * The student's current hand after `incoming` (a live `hand` message or an API answer): the
 * newest raised, and for the same hand the further state (a closed or taken copy is never
 * replaced by an older open one, as replays may arrive late).
 */
export function mergeHand(
  current: HelpRequest | null,
  incoming: HelpRequest,
  sessionId: string,
): HelpRequest | null {
  if (incoming.sessionId !== sessionId) return current;
  if (!current) return incoming;
  if (current.id !== incoming.id) return incoming.raisedAt >= current.raisedAt ? incoming : current;
  const rank = (h: HelpRequest) => (h.closedAt ? 2 : h.takenAt ? 1 : 0);
  // Same stage: the later copy wins (a take-over names the new proctor).
  if (rank(incoming) < rank(current)) return current;
  if (rank(incoming) === rank(current) && (incoming.takenAt ?? '') < (current.takenAt ?? ''))
    return current;
  return incoming;
}

/** What the hand section says about the student's hand (null: no open hand to talk about). */
export function handStatus(hand: HelpRequest | null): string | null {
  if (!hand) return null;
  if (hand.closedAt) {
    if (hand.closeReason === 'resolved')
      return `Your request was resolved${hand.closedBy ? ` by ${hand.closedBy.name}` : ''}.`;
    return null;
  }
  if (hand.takenBy) return `Hand raised — ${hand.takenBy.name} is responding.`;
  return 'Hand raised — a proctor will respond.';
}

/** A clear message for a refused raise or lower. */
export function describeHandError(error: unknown): string {
  if (error instanceof ApiError) {
    switch (error.code) {
      case 'HAND_ALREADY_RAISED':
        return 'Your hand is already raised; a proctor will respond.';
      case 'HAND_CLOSED':
        return 'This request is already closed.';
      case 'HAND_RATE_LIMITED': {
        const wait = error.retryAfterSeconds;
        return `You raised and lowered your hand too often. ${
          wait ? `Wait ${wait} s` : 'Wait a moment'
        }, then try again.`;
      }
      case 'SESSION_NOT_ACTIVE':
        return 'Your exam is not running, so you cannot raise your hand now.';
      case NETWORK_ERROR:
        return 'The server cannot be reached. Check your connection and try again.';
    }
  }
  return describeError(error);
}
