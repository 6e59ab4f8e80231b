import { and, asc, eq, notLike, or, sql } from 'drizzle-orm';
import type { z } from 'zod';
import type { ClientEventBatch, EventBatchAck, SessionEvent } from '@invigil/contracts';
import type { Db, DbOrTx } from '../db/database.js';
import { sessionEvents } from '../db/schema.js';
import type { Clock } from '../ports/clock.port.js';
import type { Actor } from './actor.js';
import { assertClientEventData } from './detection-event-data.js';
import { auditRecordingView, sessionForRead, sessionForUpload } from './recording-access.js';
import { iso } from './time.js';

/** A batch as the route hands it over (defaults applied). */
export type ClientEventBatchInput = z.output<typeof ClientEventBatch>;

/** An event the server itself records about a session (detector results, recording gaps). */
export interface ServerEventInput {
  type: string;
  data?: Record<string, unknown>;
  /** Client-clock time the event refers to, when there is one. */
  clientMs?: number | null;
}

type EventRow = typeof sessionEvents.$inferSelect;

/** A client event as stored (what `onStored` hears of). */
export type StoredClientEvent = ClientEventBatchInput['events'][number];

const toEvent = (r: EventRow): SessionEvent => ({
  source: r.source as SessionEvent['source'],
  seq: r.seq,
  type: r.type,
  clientMs: r.clientMs,
  serverAt: iso(r.serverAt),
  data: r.data as Record<string, unknown>,
});

/**
 * Append server events to a session with the next free server sequence numbers. Runs in
 * its own (nested, when `db` is a transaction) transaction under a per-session advisory
 * lock, so concurrent appends never pick the same number.
 */
export async function appendServerEvents(
  db: DbOrTx,
  sessionId: string,
  events: readonly ServerEventInput[],
): Promise<number[]> {
  if (events.length === 0) return [];
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(742002, hashtext(${sessionId}))`);
    const [last] = await tx
      .select({ next: sql<number>`coalesce(max(${sessionEvents.seq}), -1) + 1` })
      .from(sessionEvents)
      .where(and(eq(sessionEvents.sessionId, sessionId), eq(sessionEvents.source, 'server')));
    const first = Number(last?.next ?? 0);
    const rows = await tx
      .insert(sessionEvents)
      .values(
        events.map((e, i) => ({
          sessionId,
          source: 'server',
          seq: first + i,
          type: e.type,
          clientMs: e.clientMs ?? null,
          data: e.data ?? {},
        })),
      )
      .returning({ seq: sessionEvents.seq });
    return rows.map((r) => r.seq);
  });
}

/** Integrity events of a session: the browser's batches in, the timeline out. */
export class SessionEventService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    /** Told of newly stored client events (analysis scheduling, flags); never throws. */
    private readonly onStored?: (sessionId: string, events: StoredClientEvent[]) => Promise<void>,
    /** Told of every batch that arrived (upload health on the live dashboard); never throws. */
    private readonly onUploaded?: (session: { id: string; examId: string }) => void,
  ) {}

  /**
   * Store a batch from the student's browser. Idempotent by sequence number: a number
   * already stored (or repeated within the batch) is reported as a duplicate and the first
   * write wins, so retrying a batch is always safe. Detector events' data is checked
   * against the contracts first; then `onStored` hears of the events this call stored.
   */
  async recordClientEvents(
    actor: Actor,
    sessionId: string,
    batch: ClientEventBatchInput,
  ): Promise<EventBatchAck> {
    assertClientEventData(batch.events);
    const seen = new Set<number>();
    const unique = batch.events.filter((e) => !seen.has(e.seq) && seen.add(e.seq));
    let examId = '';
    const stored = await this.db.transaction(async (tx) => {
      ({ examId } = await sessionForUpload(tx, actor, sessionId, { lock: true }));
      return tx
        .insert(sessionEvents)
        .values(
          unique.map((e) => ({
            sessionId,
            source: 'client',
            seq: e.seq,
            type: e.type,
            clientMs: e.at,
            data: e.data,
          })),
        )
        .onConflictDoNothing({
          target: [sessionEvents.sessionId, sessionEvents.source, sessionEvents.seq],
        })
        .returning({ seq: sessionEvents.seq });
    });
    // Even a batch of duplicates shows the page is alive and uploading.
    this.onUploaded?.({ id: sessionId, examId });
    const accepted = new Set(stored.map((r) => r.seq));
    if (accepted.size > 0) {
      await this.onStored?.(
        sessionId,
        unique.filter((e) => accepted.has(e.seq)),
      );
    }
    const bySeq = (a: number, b: number) => a - b;
    return {
      accepted: [...accepted].sort(bySeq),
      duplicates: batch.events
        .map((e) => e.seq)
        .filter((seq, i, all) => !accepted.has(seq) || all.indexOf(seq) !== i)
        .sort(bySeq),
    };
  }

  /** Every event of a session, client events first, each source in sequence order. */
  async list(actor: Actor, sessionId: string): Promise<SessionEvent[]> {
    const row = await sessionForRead(this.db, actor, sessionId);
    await auditRecordingView(this.db, actor, row, 'events', this.clock.now());
    // Students see their own timeline but not the server's detector analysis of it (it
    // carries scores such as identity similarity); what was found reaches them with review.
    const ofSession = eq(sessionEvents.sessionId, sessionId);
    const notAnalysis = or(
      eq(sessionEvents.source, 'client'),
      notLike(sessionEvents.type, 'detect.%'),
    );
    const rows = await this.db
      .select()
      .from(sessionEvents)
      .where(actor.role === 'student' ? and(ofSession, notAnalysis) : ofSession)
      .orderBy(asc(sessionEvents.source), asc(sessionEvents.seq));
    return rows.map(toEvent);
  }
}
