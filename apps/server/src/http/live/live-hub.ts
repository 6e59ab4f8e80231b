import type { LiveMessage } from '@invigil/contracts';
import type { DirectTarget, EventBus } from '../../ports/event-bus.port.js';
import {
  type AddressedLiveMessage,
  reachesStudent,
} from '../../services/live/live-feed.service.js';

/** Whose messages a socket receives: an exam's (its staff) or one session's student-audience ones. */
export type HubScope = { kind: 'exam'; examId: string } | { kind: 'session'; sessionId: string };

/** One open socket as the hub sees it. */
export interface HubSubscriber {
  readonly scope: HubScope;
  /** The signed-in user behind the socket. */
  readonly userId: string;
  /** Random per socket (WebRTC link ownership names it). */
  readonly socketId: string;
  /** Called for every message the socket may see, in bus order; must not throw. */
  deliver(message: AddressedLiveMessage): void;
  /** A transient message addressed to this socket (`live.direct`); must not throw. */
  direct(message: LiveMessage): void;
}

/**
 * Fan-out of the bus's `live.message` to this process's sockets: one bus subscription per
 * process whatever the number of sockets, sockets indexed by exam and by session so a
 * message costs a map lookup, not a scan. Staff sockets get every message of their exam;
 * a student's socket gets only its session's messages meant for the student. `live.direct`
 * messages (WebRTC signalling) go to the sockets they name only: a session's student
 * sockets, or one user's sockets on an exam.
 */
export class LiveHub {
  private readonly byExam = new Map<string, Set<HubSubscriber>>();
  private readonly bySession = new Map<string, Set<HubSubscriber>>();
  private unsubscribe: (() => Promise<void>) | undefined;
  private unsubscribeDirect: (() => Promise<void>) | undefined;

  constructor(
    private readonly bus: EventBus,
    /** Told of each message that went out to this process's staff sockets of its exam (metrics). */
    private readonly onStaffDelivery?: (message: AddressedLiveMessage) => void,
  ) {}

  /** Subscribe to the bus (once). */
  async start(): Promise<void> {
    this.unsubscribe ??= await this.bus.subscribe('live.message', (m) => this.fanOut(m));
    this.unsubscribeDirect ??= await this.bus.subscribe('live.direct', (d) =>
      this.deliverDirect(d.to, d.message),
    );
  }

  /** Stop receiving from the bus. */
  async stop(): Promise<void> {
    const off = [this.unsubscribe, this.unsubscribeDirect];
    this.unsubscribe = undefined;
    this.unsubscribeDirect = undefined;
    for (const f of off) await f?.();
  }

  /** Start delivering to `subscriber`; returns the function that stops it. */
  add(subscriber: HubSubscriber): () => void {
    const [index, key] = this.slot(subscriber.scope);
    let set = index.get(key);
    if (!set) index.set(key, (set = new Set()));
    set.add(subscriber);
    return () => {
      set.delete(subscriber);
      if (set.size === 0 && index.get(key) === set) index.delete(key);
    };
  }

  /** How many sockets this process serves (for tests). */
  get size(): number {
    const { staff, student } = this.sizes;
    return staff + student;
  }

  /** Sockets this process serves by audience, staff (exam feeds) and students (session feeds). */
  get sizes(): { staff: number; student: number } {
    const count = (index: Map<string, Set<HubSubscriber>>) => {
      let n = 0;
      for (const s of index.values()) n += s.size;
      return n;
    };
    return { staff: count(this.byExam), student: count(this.bySession) };
  }

  private slot(scope: HubScope): [Map<string, Set<HubSubscriber>>, string] {
    return scope.kind === 'exam' ? [this.byExam, scope.examId] : [this.bySession, scope.sessionId];
  }

  /** This process's student sockets of a session (none: an empty list). */
  studentSockets(sessionId: string): HubSubscriber[] {
    return [...(this.bySession.get(sessionId) ?? [])];
  }

  private deliverDirect(to: DirectTarget, message: LiveMessage): void {
    if (to.kind === 'session') {
      for (const s of this.bySession.get(to.sessionId) ?? []) s.direct(message);
      return;
    }
    for (const s of this.byExam.get(to.examId) ?? []) {
      if (s.userId !== to.userId) continue;
      if (to.socketId && s.socketId !== to.socketId) continue;
      s.direct(message);
    }
  }

  private fanOut(message: AddressedLiveMessage): void {
    const staff = message.audience !== 'student_only' ? this.byExam.get(message.examId) : undefined;
    if (staff) {
      for (const s of staff) s.deliver(message);
      if (staff.size > 0) this.onStaffDelivery?.(message);
    }
    if (message.sessionId === null || !reachesStudent(message.audience)) return;
    for (const s of this.bySession.get(message.sessionId) ?? []) s.deliver(message);
  }
}
