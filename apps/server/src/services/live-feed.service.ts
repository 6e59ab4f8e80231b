import { and, asc, eq, gt, lt, max, min } from 'drizzle-orm';
import type { LiveMessage } from '@invigil/contracts';
import type { Db } from '../db/database.js';
import { liveMessages } from '../db/schema.js';
import type { Clock } from '../ports/clock.port.js';
import type { EventBus, LiveAudience } from '../ports/event-bus.port.js';
import { iso } from './time.js';

/** Topics that are stored and replayed (heartbeat, ready and resync are not). */
export type StoredLiveTopic = Exclude<LiveMessage['topic'], 'heartbeat' | 'ready' | 'resync'>;

/** A live message to emit: its topic's data, the exam and session it concerns, and who may see it. */
export type LiveInput = {
  [T in StoredLiveTopic]: {
    topic: T;
    data: Extract<LiveMessage, { topic: T }>['data'];
    examId: string;
    sessionId: string | null;
    audience: LiveAudience;
  };
}[StoredLiveTopic];

/** A live message with who may see it. */
export type AddressedLiveMessage = LiveMessage & { audience: LiveAudience };

/** Whose messages to replay: an exam's (its staff) or one session's (its student). */
export type LiveScope = { examId: string } | { sessionId: string };

/**
 * Emit live messages after a change committed, never failing the caller: the change is
 * already durable, and a dashboard that missed a message catches up from its next snapshot.
 */
export type EmitLive = (inputs: LiveInput | readonly LiveInput[]) => Promise<void>;

/** Most messages one replay returns; a longer gap is a `resync`. */
export const MAX_REPLAY = 2000;

/**
 * The replayable live feed. Whoever changes something a dashboard or a student's page must
 * see calls `emit` after the change commits: the message is stored with an increasing id
 * and published on the bus (`live.message`) for every process's gateway. A client that
 * reconnects asks for the stored messages after the last id it saw.
 */
export class LiveFeed {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly bus: EventBus,
  ) {}

  /** Store and publish messages, in order; returns them with their ids. */
  async emit(inputs: LiveInput | readonly LiveInput[]): Promise<AddressedLiveMessage[]> {
    const list = Array.isArray(inputs) ? inputs : [inputs as LiveInput];
    if (list.length === 0) return [];
    const now = this.clock.now();
    const rows = await this.db
      .insert(liveMessages)
      .values(
        list.map((m) => ({
          examId: m.examId,
          sessionId: m.sessionId,
          audience: m.audience,
          topic: m.topic,
          data: m.data,
          createdAt: now,
        })),
      )
      .returning();
    const messages = rows.sort((a, b) => a.id - b.id).map(toMessage);
    for (const m of messages) await this.bus.publish('live.message', m);
    return messages;
  }

  /**
   * Publish messages without storing them (id 0, not replayed): for frequent state that a
   * snapshot carries anyway, such as connection health, so it costs no database write.
   */
  async publishTransient(inputs: LiveInput | readonly LiveInput[]): Promise<void> {
    const list = Array.isArray(inputs) ? inputs : [inputs as LiveInput];
    const at = iso(this.clock.now());
    for (const m of list) {
      await this.bus.publish('live.message', {
        id: 0,
        at,
        examId: m.examId,
        sessionId: m.sessionId,
        topic: m.topic,
        data: m.data,
        audience: m.audience,
      } as AddressedLiveMessage);
    }
  }

  /** An `EmitLive` over this feed that reports failures to `onError` instead of throwing. */
  emitter(onError: (error: unknown) => void): EmitLive {
    return async (inputs) => {
      try {
        await this.emit(inputs);
      } catch (error) {
        onError(error);
      }
    };
  }

  /**
   * Stored messages after `since` for a scope, oldest first: all of an exam's for its staff,
   * a session's student-audience ones for its student. `complete` is false when more than
   * MAX_REPLAY are waiting (the client must fetch a fresh snapshot instead).
   */
  async replay(
    scope: LiveScope,
    since: number,
  ): Promise<{ messages: AddressedLiveMessage[]; complete: boolean }> {
    const where =
      'examId' in scope
        ? and(eq(liveMessages.examId, scope.examId), gt(liveMessages.id, since))
        : and(
            eq(liveMessages.sessionId, scope.sessionId),
            eq(liveMessages.audience, 'student'),
            gt(liveMessages.id, since),
          );
    const rows = await this.db
      .select()
      .from(liveMessages)
      .where(where)
      .orderBy(asc(liveMessages.id))
      .limit(MAX_REPLAY + 1);
    return {
      messages: rows.slice(0, MAX_REPLAY).map(toMessage),
      complete: rows.length <= MAX_REPLAY,
    };
  }

  /** The newest stored id of an exam's (or, with a session, that session's) messages; 0 if none. */
  async cursor(scope: LiveScope): Promise<number> {
    const [row] = await this.db
      .select({ id: max(liveMessages.id) })
      .from(liveMessages)
      .where(
        'examId' in scope
          ? eq(liveMessages.examId, scope.examId)
          : eq(liveMessages.sessionId, scope.sessionId),
      );
    return row?.id ?? 0;
  }

  /**
   * Whether messages after `since` may have been pruned: ids are global, so anything older
   * than the oldest message kept (of any exam) cannot be replayed in full.
   */
  async isPruned(since: number): Promise<boolean> {
    if (since === 0) return false;
    const [row] = await this.db.select({ id: min(liveMessages.id) }).from(liveMessages);
    return row?.id !== null && row?.id !== undefined && row.id > since + 1;
  }

  /** Delete messages older than `before`; returns how many. */
  async prune(before: Date): Promise<number> {
    const rows = await this.db
      .delete(liveMessages)
      .where(lt(liveMessages.createdAt, before))
      .returning({ id: liveMessages.id });
    return rows.length;
  }
}

type LiveRow = typeof liveMessages.$inferSelect;

function toMessage(r: LiveRow): AddressedLiveMessage {
  return {
    id: r.id,
    examId: r.examId,
    sessionId: r.sessionId,
    at: iso(r.createdAt),
    topic: r.topic,
    data: r.data,
    audience: r.audience as LiveAudience,
  } as AddressedLiveMessage;
}
