import {
  and,
  asc,
  desc,
  eq,
  gt,
  inArray,
  isNotNull,
  lte,
  notInArray,
  or,
  sql,
  type SQL,
} from 'drizzle-orm';
import { SERVER_DETECT_EVENTS, type UntrustedReason } from '@invigil/contracts';
import {
  EVIDENCE_RULE_EVENT_TYPES,
  LATE_CLUSTER_GAP_MS,
  MAX_LATE_EVIDENCE,
  type ClockSample,
  type RuleEvent,
  type StoredFlag,
  type UntrustedTally,
} from '@invigil/detection/rules';
import type { DbOrTx } from '../../db/database.js';
import { type flags, mediaSegments, sessionEvents, snapshots } from '../../db/schema.js';
import { RULE_INPUT_EVENT_TYPES } from './detection-event-data.js';

/**
 * Server event types the rules read. A rule that reads a new server event type adds it here
 * (nothing else needs to change): the analyses, the identity photos' enrolment and the ID
 * document's comparison, and what the evidence watchdog and recording checks wrote.
 */
export const RULE_SERVER_EVENT_TYPES: readonly string[] = [
  SERVER_DETECT_EVENTS.analysis,
  SERVER_DETECT_EVENTS.enrolment,
  SERVER_DETECT_EVENTS.idDocument,
  ...EVIDENCE_RULE_EVENT_TYPES,
];

/** The newest client events, segments and snapshots the clock check looks at. */
const CLOCK_EVENTS = 200;
const CLOCK_SEGMENTS = 120;
const CLOCK_SNAPSHOTS = 120;

/**
 * Untrusted client events that are no rule input (they only make late_event flags) read one
 * by one, the newest; of older ones only the ends of each run of arrivals (see
 * `olderUntrusted`).
 */
export const UNTRUSTED_EVENTS_LOADED = 500;

/** What the rules read of a session, bounded however much a client sent. */
export interface RuleInputs {
  /**
   * As RuleEvents, in time order: every client rule input (trusted or not: each can open,
   * extend or end a condition), the server event types above, and of the other untrusted
   * client events the newest UNTRUSTED_EVENTS_LOADED and the ends of each older run. Times
   * are the client's (server time if none), with the receipt and trust of each.
   */
  events: RuleEvent[];
  /** The other older untrusted client events, counted per run (late_event). */
  untrustedTallies: UntrustedTally[];
}

type EventRow = {
  source: string;
  seq: number;
  type: string;
  clientMs: number | null;
  serverAt: Date;
  data: unknown;
  untrustedReason: string | null;
};

const eventColumns = {
  source: sessionEvents.source,
  seq: sessionEvents.seq,
  type: sessionEvents.type,
  clientMs: sessionEvents.clientMs,
  serverAt: sessionEvents.serverAt,
  data: sessionEvents.data,
  untrustedReason: sessionEvents.untrustedReason,
};

/** The order of the rules' input: client time (none last), then source and sequence number. */
function byClientTime(a: EventRow, b: EventRow): number {
  if (a.clientMs !== b.clientMs) {
    if (a.clientMs === null) return 1;
    if (b.clientMs === null) return -1;
    return a.clientMs - b.clientMs;
  }
  if (a.source !== b.source) return a.source < b.source ? -1 : 1;
  return a.seq - b.seq;
}

/**
 * The session's rule inputs (see RuleInputs), each kind through an index. What can open,
 * extend or end a condition is always read whole: client rule inputs are bounded by the
 * session's event allowance (upload-quota.ts), server events by the server itself. Untrusted
 * events that only count towards late_event are read one by one up to
 * UNTRUSTED_EVENTS_LOADED; the rest are counted in the database per run of arrivals, which
 * leaves late_event's flags — extent, counts, message and named events — as they would be.
 */
export async function loadRuleEvents(db: DbOrTx, sessionId: string): Promise<RuleInputs> {
  const ofSession = eq(sessionEvents.sessionId, sessionId);
  const inputs = await db
    .select(eventColumns)
    .from(sessionEvents)
    .where(
      and(
        ofSession,
        or(
          and(
            eq(sessionEvents.source, 'client'),
            inArray(sessionEvents.type, [...RULE_INPUT_EVENT_TYPES]),
          ),
          and(
            eq(sessionEvents.source, 'server'),
            inArray(sessionEvents.type, [...RULE_SERVER_EVENT_TYPES]),
          ),
        ),
      ),
    );
  const otherUntrusted = and(
    ofSession,
    isNotNull(sessionEvents.untrustedReason),
    eq(sessionEvents.source, 'client'),
    notInArray(sessionEvents.type, [...RULE_INPUT_EVENT_TYPES]),
  );
  const untrusted = await db
    .select({ ...eventColumns, id: sessionEvents.id })
    .from(sessionEvents)
    .where(otherUntrusted)
    .orderBy(desc(sessionEvents.serverAt), desc(sessionEvents.seq))
    .limit(UNTRUSTED_EVENTS_LOADED + 1);
  const loaded = untrusted.slice(0, UNTRUSTED_EVENTS_LOADED);
  const oldestLoaded = untrusted.length > UNTRUSTED_EVENTS_LOADED ? loaded.at(-1) : undefined;
  const older = oldestLoaded
    ? await olderUntrusted(db, otherUntrusted, oldestLoaded.id)
    : { edges: [], tallies: [] };
  const rows: EventRow[] = [...inputs, ...loaded, ...older.edges].sort(byClientTime);
  return {
    events: rows.map((r) => ({
      source: r.source as RuleEvent['source'],
      type: r.type,
      atMs: r.clientMs ?? r.serverAt.getTime(),
      data: r.data as Record<string, unknown>,
      seq: r.seq,
      receivedMs: r.serverAt.getTime(),
      untrusted: r.untrustedReason as UntrustedReason | null,
    })),
    untrustedTallies: older.tallies,
  };
}

/** Events at each end of a run that are still read one by one: what late_event names. */
const RUN_EDGE = Math.ceil(MAX_LATE_EVIDENCE / 2);

/**
 * The untrusted events matching `where` that arrived before event `beforeId` (by arrival,
 * then sequence number), grouped in the database into runs of arrivals no more than
 * LATE_CLUSTER_GAP_MS apart, as late_event clusters them. Of each run, the first and last
 * RUN_EDGE events are read one by one (`edges`: the events a late_event flag names) and
 * the rest counted (`tallies`), so the flags come out as if every event had been read.
 */
async function olderUntrusted(
  db: DbOrTx,
  where: SQL | undefined,
  beforeId: number,
): Promise<{ edges: EventRow[]; tallies: UntrustedTally[] }> {
  const e = sessionEvents;
  const receivedMs = sql<number>`floor(extract(epoch from ${e.serverAt}) * 1000)::bigint`;
  const cutoff = db.select({ serverAt: e.serverAt, seq: e.seq }).from(e).where(eq(e.id, beforeId));
  const arrivals = db
    .select({
      seq: sql<number>`${e.seq}`.as('seq'),
      type: sql<string>`${e.type}`.as('type'),
      data: sql<unknown>`${e.data}`.as('data'),
      clientMs: sql<string>`${e.clientMs}`.as('client_ms'),
      reason: sql<string>`${e.untrustedReason}`.as('reason'),
      receivedMs: receivedMs.as('received_ms'),
      starts:
        sql<number>`case when ${receivedMs} - lag(${receivedMs}) over (order by ${e.serverAt}, ${e.seq}) <= ${LATE_CLUSTER_GAP_MS} then 0 else 1 end`.as(
          'starts',
        ),
    })
    .from(e)
    .where(and(where, sql`(${e.serverAt}, ${e.seq}) < (${cutoff})`))
    .as('arrivals');
  const runs = db
    .select({
      seq: arrivals.seq,
      type: arrivals.type,
      data: arrivals.data,
      clientMs: arrivals.clientMs,
      reason: arrivals.reason,
      receivedMs: arrivals.receivedMs,
      run: sql<number>`sum(${arrivals.starts}) over (order by ${arrivals.receivedMs}, ${arrivals.seq})`.as(
        'run',
      ),
    })
    .from(arrivals)
    .as('runs');
  const ranked = db.$with('ranked').as(
    db
      .select({
        seq: runs.seq,
        type: runs.type,
        data: runs.data,
        clientMs: runs.clientMs,
        reason: runs.reason,
        receivedMs: runs.receivedMs,
        run: runs.run,
        fromFirst:
          sql<number>`row_number() over (partition by ${runs.run} order by ${runs.receivedMs}, ${runs.seq})`.as(
            'from_first',
          ),
        fromLast:
          sql<number>`row_number() over (partition by ${runs.run} order by ${runs.receivedMs} desc, ${runs.seq} desc)`.as(
            'from_last',
          ),
      })
      .from(runs),
  );
  const edges = await db
    .with(ranked)
    .select({
      seq: ranked.seq,
      type: ranked.type,
      data: ranked.data,
      clientMs: ranked.clientMs,
      reason: ranked.reason,
      receivedMs: ranked.receivedMs,
    })
    .from(ranked)
    .where(or(lte(ranked.fromFirst, RUN_EDGE), lte(ranked.fromLast, RUN_EDGE)));
  const of = (reason: UntrustedReason) => sql`${ranked.reason} = ${reason}`;
  const middles = await db
    .with(ranked)
    .select({
      first: sql<string>`min(${ranked.receivedMs})`,
      last: sql<string>`max(${ranked.receivedMs})`,
      late: sql<string>`count(*) filter (where ${of('late')})`,
      future: sql<string>`count(*) filter (where ${of('future')})`,
      outOfOrder: sql<string>`count(*) filter (where ${of('out_of_order')})`,
      maxLate: sql<
        string | null
      >`max(${ranked.receivedMs} - ${ranked.clientMs}) filter (where ${of('late')})`,
      maxFuture: sql<
        string | null
      >`max(${ranked.clientMs} - ${ranked.receivedMs}) filter (where ${of('future')})`,
    })
    .from(ranked)
    .where(and(gt(ranked.fromFirst, RUN_EDGE), gt(ranked.fromLast, RUN_EDGE)))
    .groupBy(ranked.run)
    .orderBy(asc(ranked.run));
  return {
    edges: edges.map((r) => ({
      source: 'client',
      seq: Number(r.seq),
      type: r.type,
      clientMs: Number(r.clientMs),
      serverAt: new Date(Number(r.receivedMs)),
      data: typeof r.data === 'string' ? (JSON.parse(r.data) as unknown) : r.data,
      untrustedReason: r.reason,
    })),
    tallies: middles.map((r) => ({
      firstReceivedMs: Number(r.first),
      lastReceivedMs: Number(r.last),
      late: Number(r.late),
      future: Number(r.future),
      outOfOrder: Number(r.outOfOrder),
      maxLateMs: Number(r.maxLate ?? 0),
      maxFutureMs: Number(r.maxFuture ?? 0),
    })),
  };
}

/**
 * The newest client-timed items of each kind with their receipt, for the clock check:
 * bounded, so a long attempt costs the same to re-judge; older stretches are kept by the
 * stored clock_skew flags they already raised.
 */
export async function loadClockSamples(db: DbOrTx, sessionId: string): Promise<ClockSample[]> {
  const events = await db
    .select({
      seq: sessionEvents.seq,
      type: sessionEvents.type,
      clientMs: sessionEvents.clientMs,
      receivedAt: sessionEvents.serverAt,
    })
    .from(sessionEvents)
    .where(and(eq(sessionEvents.sessionId, sessionId), eq(sessionEvents.source, 'client')))
    .orderBy(desc(sessionEvents.seq))
    .limit(CLOCK_EVENTS);
  const segments = await db
    .select({
      track: mediaSegments.track,
      seq: mediaSegments.seq,
      endMs: mediaSegments.endMs,
      receivedAt: mediaSegments.receivedAt,
    })
    .from(mediaSegments)
    .where(eq(mediaSegments.sessionId, sessionId))
    .orderBy(desc(mediaSegments.receivedAt))
    .limit(CLOCK_SEGMENTS);
  const shots = await db
    .select({
      kind: snapshots.kind,
      seq: snapshots.seq,
      takenMs: snapshots.takenMs,
      receivedAt: snapshots.receivedAt,
    })
    .from(snapshots)
    .where(eq(snapshots.sessionId, sessionId))
    .orderBy(desc(snapshots.receivedAt))
    .limit(CLOCK_SNAPSHOTS);
  return [
    ...events
      .filter((e) => e.clientMs !== null)
      .map((e) => ({
        kind: 'event' as const,
        ref: `event ${e.seq} (${e.type})`,
        clientMs: e.clientMs as number,
        receivedMs: e.receivedAt.getTime(),
      })),
    ...segments.map((s) => ({
      kind: 'segment' as const,
      ref: `${s.track} segment ${s.seq}`,
      clientMs: s.endMs,
      receivedMs: s.receivedAt.getTime(),
    })),
    ...shots.map((s) => ({
      kind: 'snapshot' as const,
      ref: `${s.kind} snapshot ${s.seq}`,
      clientMs: s.takenMs,
      receivedMs: s.receivedAt.getTime(),
    })),
  ];
}

/**
 * A stored flag as the rules see it. An open flag's row is rewritten by every re-judgement
 * that still finds it open (see FlagService), so its `updated_at` is the last moment the
 * server saw it open.
 */
export function storedFlagOf(row: typeof flags.$inferSelect, nowMs: number): StoredFlag {
  const evidence = row.evidence as { snapshotIds?: string[] } | null;
  return {
    key: row.key,
    type: row.type as StoredFlag['type'],
    startMs: row.startMs,
    endMs: row.endMs,
    ...(row.endMs === null && { seenOpenMs: Math.min(row.updatedAt.getTime(), nowMs) }),
    snapshotIds: evidence?.snapshotIds ?? [],
  };
}
