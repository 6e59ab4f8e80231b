import { and, asc, eq, gt, lt, max, min, ne, sql } from 'drizzle-orm';
import type { LiveMessage } from '@invigil/contracts';
import type { Db, DbOrTx } from '../../db/database.js';
import { liveMessages, liveStudentCounters } from '../../db/schema.js';
import type { Clock } from '../../ports/clock.port.js';
import type { EventBus, LiveAudience } from '../../ports/event-bus.port.js';
import { iso } from '../sessions/time.js';

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

/**
 * A live message with who may see it and, for a student-audience message, its position in
 * the session's student feed (`studentSeq`; `id` is its position in the staff feed).
 */
export type AddressedLiveMessage = LiveMessage & {
  audience: LiveAudience;
  studentSeq?: number | null;
};

/** Whose messages to replay: an exam's (its staff) or one session's (its student). */
export type LiveScope = { examId: string } | { sessionId: string };

/** What a reconnecting client gets: the messages it missed, or why it must resync instead. */
export type LiveResume = { messages: AddressedLiveMessage[] } | { resync: string };

/**
 * A message's position in a scope's feed: the global id for staff, the session's own
 * ordinal of student messages for a student. A student never sees a global id, which moves
 * with staff-only messages too and would tell them something was just written about them.
 */
export function positionIn(scope: LiveScope, m: AddressedLiveMessage): number {
  return 'examId' in scope ? m.id : (m.studentSeq ?? 0);
}

/** The wire form of a message for a scope: its position there as `id`, the addressing removed. */
export function viewFor(scope: LiveScope, m: AddressedLiveMessage): LiveMessage {
  const { audience: _audience, studentSeq: _studentSeq, ...message } = m;
  return { ...message, id: positionIn(scope, m) } as LiveMessage;
}

/** Whether the session's student may receive a message of this audience. */
export const reachesStudent = (audience: LiveAudience): boolean =>
  audience === 'student' || audience === 'student_only';

const forStudent = (m: LiveInput): m is LiveInput & { sessionId: string } =>
  reachesStudent(m.audience) && m.sessionId !== null;

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
 * (and, if the student may see it, the session's next student number) and published on the
 * bus (`live.message`) for every process's gateway. A client that reconnects asks for the
 * stored messages after the last position it saw in its own feed.
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
    const write = async (db: DbOrTx) => {
      const seqs = await reserveStudentSeqs(db, list);
      return db
        .insert(liveMessages)
        .values(
          list.map((m, i) => ({
            examId: m.examId,
            sessionId: m.sessionId,
            audience: m.audience,
            studentSeq: seqs[i] ?? null,
            topic: m.topic,
            data: m.data,
            createdAt: now,
          })),
        )
        .returning();
    };
    // Student numbers are taken with the insert, so they commit (or vanish) together.
    const rows = list.some(forStudent)
      ? await this.db.transaction((tx) => write(tx))
      : await write(this.db);
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
   * What a client that saw everything up to `since` (a position in its scope's feed) missed,
   * oldest first: an exam's messages for its staff (not the `student_only` copies), a
   * session's student-audience ones for its student. A resync instead when some were pruned, more than MAX_REPLAY are
   * waiting, or `since` is beyond the feed (not a position the client can have seen).
   */
  async resume(scope: LiveScope, since: number): Promise<LiveResume> {
    return 'examId' in scope
      ? this.resumeExam(scope.examId, since)
      : this.resumeStudent(scope.sessionId, since);
  }

  /** The newest position in a scope's feed (what `ready` reports); 0 if none. */
  async cursor(scope: LiveScope): Promise<number> {
    if ('sessionId' in scope) return this.lastStudentSeq(scope.sessionId);
    const [row] = await this.db
      .select({ id: max(liveMessages.id) })
      .from(liveMessages)
      .where(eq(liveMessages.examId, scope.examId));
    return row?.id ?? 0;
  }

  private async resumeExam(examId: string, since: number): Promise<LiveResume> {
    // Ids are global, so anything older than the oldest message kept (of any exam) is gone.
    if (since > 0) {
      const [oldest] = await this.db.select({ id: min(liveMessages.id) }).from(liveMessages);
      if (oldest?.id != null && oldest.id > since + 1) return { resync: PRUNED };
    }
    const rows = await this.db
      .select()
      .from(liveMessages)
      .where(
        and(
          eq(liveMessages.examId, examId),
          gt(liveMessages.id, since),
          ne(liveMessages.audience, 'student_only'),
        ),
      )
      .orderBy(asc(liveMessages.id))
      .limit(MAX_REPLAY + 1);
    if (rows.length > MAX_REPLAY) return { resync: TOO_MANY };
    return { messages: rows.map(toMessage) };
  }

  private async resumeStudent(sessionId: string, since: number): Promise<LiveResume> {
    // Read the counter first: anything numbered up to it has committed and can be read.
    const last = await this.lastStudentSeq(sessionId);
    if (since > last) return { resync: 'Unknown position in this feed' };
    const rows = await this.db
      .select()
      .from(liveMessages)
      .where(and(eq(liveMessages.sessionId, sessionId), gt(liveMessages.studentSeq, since)))
      .orderBy(asc(liveMessages.studentSeq))
      .limit(MAX_REPLAY + 1);
    if (rows.length > MAX_REPLAY) return { resync: TOO_MANY };
    // Student numbers have no holes, so a missing next one was pruned.
    if (since > 0 && since < last && rows[0]?.studentSeq !== since + 1) return { resync: PRUNED };
    return { messages: rows.map(toMessage) };
  }

  private async lastStudentSeq(sessionId: string): Promise<number> {
    const [row] = await this.db
      .select({ last: liveStudentCounters.lastSeq })
      .from(liveStudentCounters)
      .where(eq(liveStudentCounters.sessionId, sessionId));
    return row?.last ?? 0;
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

const PRUNED = 'Messages since then were pruned';
const TOO_MANY = 'Too many messages to replay';

/**
 * Take the next student numbers for the student-audience messages of a batch (null for the
 * others), in batch order. The counter row stays locked until the caller's transaction
 * ends, so a session's numbers commit in order and without holes. Sessions are locked in a
 * fixed order so that two batches never wait for each other.
 */
async function reserveStudentSeqs(
  db: DbOrTx,
  list: readonly LiveInput[],
): Promise<(number | null)[]> {
  const counts = new Map<string, number>();
  for (const m of list)
    if (forStudent(m)) counts.set(m.sessionId, (counts.get(m.sessionId) ?? 0) + 1);
  const next = new Map<string, number>();
  for (const sessionId of [...counts.keys()].sort()) {
    const n = counts.get(sessionId) ?? 0;
    const [row] = await db
      .insert(liveStudentCounters)
      .values({ sessionId, lastSeq: n })
      .onConflictDoUpdate({
        target: liveStudentCounters.sessionId,
        set: { lastSeq: sql`${liveStudentCounters.lastSeq} + ${n}` },
      })
      .returning({ lastSeq: liveStudentCounters.lastSeq });
    next.set(sessionId, (row?.lastSeq ?? n) - n + 1);
  }
  return list.map((m) => {
    if (!forStudent(m)) return null;
    const seq = next.get(m.sessionId) ?? 0;
    next.set(m.sessionId, seq + 1);
    return seq;
  });
}

type LiveRow = typeof liveMessages.$inferSelect;

function toMessage(r: LiveRow): AddressedLiveMessage {
  return {
    id: r.id,
    studentSeq: r.studentSeq,
    examId: r.examId,
    sessionId: r.sessionId,
    at: iso(r.createdAt),
    topic: r.topic,
    data: r.data,
    audience: r.audience as LiveAudience,
  } as AddressedLiveMessage;
}
