import { and, asc, eq, inArray, or, sql } from 'drizzle-orm';
import type { z } from 'zod';
import type {
  ClientEventBatch,
  EventBatchAck,
  SessionEvent,
  UntrustedReason,
} from '@invigil/contracts';
import {
  EVENT_ARRIVAL_LOCK,
  lockInTransaction,
  SERVER_EVENT_SEQ_LOCK,
} from '../../db/advisory-locks.js';
import type { Db, DbOrTx } from '../../db/database.js';
import { preparedSql } from '../../db/prepared-statement.js';
import { sessionEvents } from '../../db/schema.js';
import { errors } from '../../errors.js';
import type { Clock } from '../../ports/clock.port.js';
import type { Actor } from '../accounts/actor.js';
import { assertClientEventData } from '../detection/detection-event-data.js';
import { EventArrival } from './event-arrival.js';
import {
  assertEventsRetried,
  assertRecording,
  auditRecordingView,
  DEFAULT_INGEST_GRACE_MS,
  sessionForRead,
} from '../sessions/session-access.js';
import { STUDENT_SERVER_EVENTS } from '../sessions/student-view.js';
import { iso } from '../sessions/time.js';
import { eventQuotaError } from './upload-admission.js';
import { eventQuota, judgeEvents } from './upload-quota.js';
import { UploadStatements } from './upload-statements.js';

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

/**
 * A client event as stored (what `onStored` hears of), with why the server did not trust its
 * time on arrival (null: trusted; see event-arrival.ts).
 */
export type StoredClientEvent = ClientEventBatchInput['events'][number] & {
  untrustedReason: UntrustedReason | null;
};

const toEvent = (r: EventRow): SessionEvent => ({
  source: r.source as SessionEvent['source'],
  seq: r.seq,
  type: r.type,
  clientMs: r.clientMs,
  serverAt: iso(r.serverAt),
  data: r.data as Record<string, unknown>,
  untrustedReason: r.untrustedReason as UntrustedReason | null,
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
    await lockInTransaction(tx, SERVER_EVENT_SEQ_LOCK, sessionId);
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

/**
 * A batch's client events, stamped with the server's receive time, first write wins: one
 * statement whatever the batch's size (the events go as one JSON array), built once.
 */
const CLIENT_EVENTS_INSERT = sql`insert into ${sessionEvents}
    (session_id, source, seq, type, client_ms, server_at, data, untrusted_reason)
  select ${sql.placeholder('sessionId')}::uuid, 'client', e.seq, e.type, e.client_ms,
    ${sql.placeholder('serverAt')}::timestamptz, coalesce(e.data, '{}'::jsonb), e.untrusted_reason
  from jsonb_to_recordset(${sql.placeholder('events')}::jsonb)
    as e(seq integer, type text, client_ms bigint, data jsonb, untrusted_reason text)
  on conflict (session_id, source, seq) do nothing
  returning seq`;

/** Integrity events of a session: the browser's batches in, the timeline out. */
export class SessionEventService {
  private readonly statements: UploadStatements;
  private readonly arrival: EventArrival;
  private readonly insertClient;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    /** Told of newly stored client events (analysis scheduling, flags); never throws. */
    private readonly onStored?: (sessionId: string, events: StoredClientEvent[]) => Promise<void>,
    /** Told of every batch that arrived (upload health on the live dashboard); never throws. */
    private readonly onUploaded?: (session: { id: string; examId: string }) => void,
    /** How long after a session ended new events are still taken (then retries only). */
    private readonly ingestGraceMs = DEFAULT_INGEST_GRACE_MS,
  ) {
    this.statements = new UploadStatements(db);
    this.arrival = new EventArrival(db);
    this.insertClient = preparedSql<{ seq: number | string }>(
      db,
      'events_insert_client',
      CLIENT_EVENTS_INSERT,
    );
  }

  /**
   * Store a batch from the student's browser. Idempotent by sequence number: a number
   * already stored (or repeated within the batch) is reported as a duplicate and the first
   * write wins, so retrying a batch is always safe. Detector events' data is checked
   * against the contracts first; then `onStored` hears of the events this call stored.
   * Each new event is stamped with the server's receive time and judged against it: one
   * dated far before or after it, or before an accepted event of its detector, is stored
   * with its `untrusted_reason` — kept as evidence, never used to end a condition. A batch
   * past the session's event allowance (`eventQuota`: sequence numbers grow with the
   * attempt's server time; data size per event) is refused whole with 413 QUOTA_EXCEEDED.
   */
  async recordClientEvents(
    actor: Actor,
    sessionId: string,
    batch: ClientEventBatchInput,
  ): Promise<EventBatchAck> {
    if (actor.role !== 'student') {
      throw errors.forbidden('Only the student taking the exam uploads');
    }
    assertClientEventData(batch.events);
    const seen = new Set<number>();
    const unique = batch.events.filter((e) => !seen.has(e.seq) && seen.add(e.seq));
    let examId = '';
    let trust = new Map<number, UntrustedReason | null>();
    const stored = await this.db.transaction(async (tx) => {
      // The session row share-locked (a state change waits for this batch) and the session's
      // arrival lock in one statement; everything the lock guards is read in later ones.
      const row = await this.statements.lockSession(tx, {
        sessionId,
        lockClass: EVENT_ARRIVAL_LOCK,
        lockKey: sessionId,
      });
      if (!row || row.studentId !== actor.userId) throw errors.notFound('Session');
      assertRecording(row);
      ({ examId } = row);
      const seqs = unique.map((e) => e.seq);
      await assertEventsRetried(tx, row, seqs, this.clock.now(), this.ingestGraceMs);
      // Past the session's allowance, nothing of the batch is stored (413 QUOTA_EXCEEDED).
      const allowance = judgeEvents(eventQuota(row, this.clock.now()), unique);
      if (!allowance.ok) throw eventQuotaError(allowance);
      // Received on the server's clock: what the evidence watchdog and the trust check judge by.
      const receivedAt = this.clock.now();
      trust = await this.arrival.judge(
        tx,
        sessionId,
        unique.map((e) => ({ seq: e.seq, type: e.type, atMs: e.at, data: e.data })),
        receivedAt.getTime(),
      );
      const inserted = await this.insertClient(tx).execute({
        sessionId,
        serverAt: receivedAt.toISOString(),
        events: JSON.stringify(
          unique.map((e) => ({
            seq: e.seq,
            type: e.type,
            client_ms: e.at,
            data: e.data,
            untrusted_reason: trust.get(e.seq) ?? null,
          })),
        ),
      });
      return inserted.rows.map((r) => ({ seq: Number(r.seq) }));
    });
    // Even a batch of duplicates shows the page is alive and uploading.
    this.onUploaded?.({ id: sessionId, examId });
    const accepted = new Set(stored.map((r) => r.seq));
    if (accepted.size > 0) {
      await this.onStored?.(
        sessionId,
        unique
          .filter((e) => accepted.has(e.seq))
          .map((e) => ({ ...e, untrustedReason: trust.get(e.seq) ?? null })),
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
    // Students see what their browser sent, not the server's judgement of it (analysis,
    // gaps, refusals, lateness): that would tell a tampered client what is caught. What was
    // found reaches them with review; see student-view.ts for server events meant for them.
    const ofSession = eq(sessionEvents.sessionId, sessionId);
    const addressed = [...STUDENT_SERVER_EVENTS];
    const own = or(
      eq(sessionEvents.source, 'client'),
      addressed.length > 0
        ? and(eq(sessionEvents.source, 'server'), inArray(sessionEvents.type, addressed))
        : undefined,
    );
    const rows = await this.db
      .select()
      .from(sessionEvents)
      .where(actor.role === 'student' ? and(ofSession, own) : ofSession)
      .orderBy(asc(sessionEvents.source), asc(sessionEvents.seq));
    if (actor.role !== 'student') return rows.map(toEvent);
    // Whether the server trusted an event's time is its judgement too: staff only.
    return rows.map((r) => {
      const { untrustedReason: _judged, ...event } = toEvent(r);
      return event;
    });
  }
}
