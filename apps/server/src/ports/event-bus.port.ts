import type { Flag, LiveMessage, RiskScore } from '@invigil/contracts';

/**
 * Topics the server publishes and what each carries. Messages are plain JSON (a Redis
 * adapter sends them between processes), and name the exam so a subscriber serving one
 * exam's proctors can filter.
 */
export interface BusTopics {
  /** A session's risk score changed. */
  'session.risk': RiskScore & { examId: string };
  /** A new flag. */
  'flag.created': Flag & { examId: string };
  /** A flag changed (it ended, grew more certain, or was re-derived differently). */
  'flag.updated': Flag & { examId: string };
  /**
   * A stored live message (see LiveFeed), for every process's real-time gateway to fan out
   * to the sockets allowed to see it. `studentSeq` is its position in the session's student
   * feed (student-audience messages only); `id` is the position in the staff feed.
   */
  'live.message': LiveMessage & { audience: LiveAudience; studentSeq?: number | null };
  /**
   * A transient live message for particular sockets only (WebRTC signalling): never stored,
   * never sent to anyone else; every process's gateway delivers it to its matching sockets.
   */
  'live.direct': { to: DirectTarget; message: LiveMessage };
  /** A reviewer decided a verdict on a session (provisional or final). */
  'review.verdict': {
    sessionId: string;
    examId: string;
    verdict: 'clean' | 'suspicious' | 'violation';
    reason: string;
    final: boolean;
    reviewerId: string | null;
    decidedAt: string;
  };
}

/**
 * Whose sockets a `live.direct` message is for: a session's student sockets, or one user's
 * sockets on an exam (staff) — only the socket `socketId` when it is set.
 */
export type DirectTarget =
  | { kind: 'session'; sessionId: string }
  | { kind: 'user'; userId: string; examId: string; socketId?: string | null };

/**
 * Who may receive a live message: the exam's staff only, also the session's student, or the
 * session's student only (`student_only`: a per-session copy of something staff receive once,
 * such as an announcement — never sent to or replayed for staff sockets).
 */
export type LiveAudience = 'staff' | 'student' | 'student_only';

/** A topic name. */
export type BusTopic = keyof BusTopics;

/** Receives one message; a handler that throws or rejects affects nobody else. */
export type BusHandler<T extends BusTopic> = (message: BusTopics[T]) => void | Promise<void>;

/**
 * Publish/subscribe between the parts of the server (and, with a shared adapter, between
 * server processes): in-process by default, Redis pub/sub when scaled out. Delivery is
 * at most once and asynchronous — never inside `publish`'s call — and subscribers get a
 * copy of the message, never the publisher's object.
 */
export interface EventBus {
  /** Send a message to every current subscriber of the topic. */
  publish<T extends BusTopic>(topic: T, message: BusTopics[T]): Promise<void>;
  /** Receive the topic's messages until the returned function is called. */
  subscribe<T extends BusTopic>(topic: T, handler: BusHandler<T>): Promise<() => Promise<void>>;
  /** Stop delivering and release connections. */
  close(): Promise<void>;
}
