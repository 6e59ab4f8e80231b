import type { EventBus } from '../../ports/event-bus.port.js';
import type { AddressedLiveMessage } from '../../services/live-feed.service.js';

/** Whose messages a socket receives: an exam's (its staff) or one session's student-audience ones. */
export type HubScope = { kind: 'exam'; examId: string } | { kind: 'session'; sessionId: string };

/** One open socket as the hub sees it. */
export interface HubSubscriber {
  readonly scope: HubScope;
  /** Called for every message the socket may see, in bus order; must not throw. */
  deliver(message: AddressedLiveMessage): void;
}

/**
 * Fan-out of the bus's `live.message` to this process's sockets: one bus subscription per
 * process whatever the number of sockets, sockets indexed by exam and by session so a
 * message costs a map lookup, not a scan. Staff sockets get every message of their exam;
 * a student's socket gets only its session's messages meant for the student.
 */
export class LiveHub {
  private readonly byExam = new Map<string, Set<HubSubscriber>>();
  private readonly bySession = new Map<string, Set<HubSubscriber>>();
  private unsubscribe: (() => Promise<void>) | undefined;

  constructor(private readonly bus: EventBus) {}

  /** Subscribe to the bus (once). */
  async start(): Promise<void> {
    this.unsubscribe ??= await this.bus.subscribe('live.message', (m) => this.fanOut(m));
  }

  /** Stop receiving from the bus. */
  async stop(): Promise<void> {
    const off = this.unsubscribe;
    this.unsubscribe = undefined;
    await off?.();
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

  /** How many sockets this process serves (for tests and metrics). */
  get size(): number {
    let n = 0;
    for (const index of [this.byExam, this.bySession]) for (const s of index.values()) n += s.size;
    return n;
  }

  private slot(scope: HubScope): [Map<string, Set<HubSubscriber>>, string] {
    return scope.kind === 'exam' ? [this.byExam, scope.examId] : [this.bySession, scope.sessionId];
  }

  private fanOut(message: AddressedLiveMessage): void {
    for (const s of this.byExam.get(message.examId) ?? []) s.deliver(message);
    if (message.sessionId === null || message.audience !== 'student') return;
    for (const s of this.bySession.get(message.sessionId) ?? []) s.deliver(message);
  }
}
