import { sql } from 'drizzle-orm';
import type { UntrustedReason } from '@invigil/contracts';
import {
  type ClockSample,
  estimateClockOffset,
  eventDetector,
  judgeArrivals,
  type ArrivingEvent,
} from '@invigil/detection/rules';
import type { Db, DbOrTx } from '../../db/database.js';
import { preparedSql } from '../../db/prepared-statement.js';
import {
  eventDetectorSql,
  mediaSegments,
  sessionEvents,
  snapshots,
  trustedDetectorEventSql,
} from '../../db/schema.js';

/**
 * How many of the newest client events, segments and snapshots the clock offset is estimated
 * from: the same windows as `loadClockSamples` (flag-inputs.ts) uses for re-judging flags.
 */
const CLOCK_EVENTS = 200;
const CLOCK_SEGMENTS = 120;
const CLOCK_SNAPSHOTS = 120;

/** What one read tells the arrival judgement (see ARRIVAL_READ). */
interface ArrivalRow extends Record<string, unknown> {
  /** Which of the batch's sequence numbers are already stored. */
  stored: number[] | null;
  /** [seq, type, clientMs, receivedMs] of the newest client events. */
  events: [number, string, number | null, number][] | null;
  /** [track, seq, endMs, receivedMs] of the newest segments. */
  segments: [string, number, number, number][] | null;
  /** [kind, seq, takenMs, receivedMs] of the newest snapshots. */
  shots: [string, number, number, number][] | null;
  /** The newest trusted client time per detector asked for (absent: none stored). */
  trusted: Record<string, number | string> | null;
}

const p = (name: string) => sql.placeholder(name);
const epochMs = (column: unknown) => sql`floor(extract(epoch from ${column}) * 1000)`;
const se = sessionEvents;

/**
 * Everything the arrival judgement reads, in one statement: the batch's sequence numbers
 * already stored, the clock samples (as `loadClockSamples`), and the newest trusted client
 * time of each detector in `detectors` (one probe of `session_events_trusted_detector_idx`
 * each). `seqs` and `detectors` are JSON arrays, so the text stays the same for any batch.
 */
const ARRIVAL_READ = sql`select
  (select json_agg(${se.seq}) from ${se} where ${se.sessionId} = ${p('sessionId')}::uuid
    and ${se.source} = 'client'
    and ${se.seq} in (select (jsonb_array_elements_text(${p('seqs')}::jsonb))::integer)) as stored,
  (select json_agg(json_build_array(e.seq, e.type, e.client_ms, e.received_ms) order by e.seq desc)
    from (select ${se.seq} as seq, ${se.type} as type, ${se.clientMs} as client_ms,
      ${epochMs(se.serverAt)} as received_ms
      from ${se} where ${se.sessionId} = ${p('sessionId')}::uuid and ${se.source} = 'client'
      order by ${se.seq} desc limit ${CLOCK_EVENTS}) e) as events,
  (select json_agg(json_build_array(m.track, m.seq, m.end_ms, m.received_ms) order by m.received_ms desc)
    from (select ${mediaSegments.track} as track, ${mediaSegments.seq} as seq,
      ${mediaSegments.endMs} as end_ms, ${epochMs(mediaSegments.receivedAt)} as received_ms
      from ${mediaSegments} where ${mediaSegments.sessionId} = ${p('sessionId')}::uuid
      order by ${mediaSegments.receivedAt} desc limit ${CLOCK_SEGMENTS}) m) as segments,
  (select json_agg(json_build_array(s.kind, s.seq, s.taken_ms, s.received_ms) order by s.received_ms desc)
    from (select ${snapshots.kind} as kind, ${snapshots.seq} as seq,
      ${snapshots.takenMs} as taken_ms, ${epochMs(snapshots.receivedAt)} as received_ms
      from ${snapshots} where ${snapshots.sessionId} = ${p('sessionId')}::uuid
      order by ${snapshots.receivedAt} desc limit ${CLOCK_SNAPSHOTS}) s) as shots,
  (select json_object_agg(t.detector, t.newest) from (
    select d.detector, (select max(${se.clientMs}) from ${se}
      where ${se.sessionId} = ${p('sessionId')}::uuid
        and ${trustedDetectorEventSql(se.source, se.untrustedReason, se.type)}
        and ${eventDetectorSql(se.type, se.data)} = d.detector) as newest
    from jsonb_array_elements_text(${p('detectors')}::jsonb) as d(detector)) t
    where t.newest is not null) as trusted`;

/**
 * Judges a batch's client events on arrival, on the server's clock (see `judgeArrivals`),
 * their times corrected by the student's estimated clock offset (`estimateClockOffset`).
 */
export class EventArrival {
  private readonly read;

  constructor(db: Db) {
    this.read = preparedSql<ArrivalRow>(db, 'events_arrival_read', ARRIVAL_READ);
  }

  /**
   * Why each new event of the batch is not trusted, or null. Events already stored are left
   * out (the first write won). The caller's transaction must already hold EVENT_ARRIVAL_LOCK
   * on the session, taken in an EARLIER statement (this read must see what a concurrent
   * batch committed while the caller waited), so batches are judged one after the other
   * against what the other accepted.
   */
  async judge(
    tx: DbOrTx,
    sessionId: string,
    events: readonly ArrivingEvent[],
    receivedMs: number,
  ): Promise<Map<number, UntrustedReason | null>> {
    // Every detector the batch speaks for: those of events found already stored are unused.
    const detectors = new Set<string>();
    for (const e of events) {
      const detector = eventDetector(e.type, e.data);
      if (detector !== null) detectors.add(detector);
    }
    const result = await this.read(tx).execute({
      sessionId,
      seqs: JSON.stringify(events.map((e) => e.seq)),
      detectors: JSON.stringify([...detectors]),
    });
    const row = result.rows[0];
    const known = new Set((row?.stored ?? []).map(Number));
    const fresh = events.filter((e) => !known.has(e.seq)).sort((a, b) => a.seq - b.seq);
    if (fresh.length === 0) return new Map();
    const lastTrusted = new Map(
      Object.entries(row?.trusted ?? {}).map(([detector, ms]) => [detector, Number(ms)]),
    );
    // Client times are corrected by the student's clock offset, estimated from what arrived so
    // far and this batch: a clock steadily off is clock_skew's to report, not every event's.
    const offsetMs = estimateClockOffset([
      ...clockSamples(row),
      ...fresh.map((e) => ({
        kind: 'event' as const,
        ref: `event ${e.seq} (${e.type})`,
        clientMs: e.atMs,
        receivedMs,
      })),
    ]);
    const reasons = judgeArrivals(fresh, receivedMs, lastTrusted, { offsetMs });
    return new Map(fresh.map((e, i) => [e.seq, reasons[i] ?? null]));
  }
}

/** The clock samples of the read, as `loadClockSamples` builds them. */
function clockSamples(row: ArrivalRow | undefined): ClockSample[] {
  return [
    ...(row?.events ?? [])
      .filter(([, , clientMs]) => clientMs !== null)
      .map(([seq, type, clientMs, receivedMs]) => ({
        kind: 'event' as const,
        ref: `event ${seq} (${type})`,
        clientMs: Number(clientMs),
        receivedMs: Number(receivedMs),
      })),
    ...(row?.segments ?? []).map(([track, seq, endMs, receivedMs]) => ({
      kind: 'segment' as const,
      ref: `${track} segment ${seq}`,
      clientMs: Number(endMs),
      receivedMs: Number(receivedMs),
    })),
    ...(row?.shots ?? []).map(([kind, seq, takenMs, receivedMs]) => ({
      kind: 'snapshot' as const,
      ref: `${kind} snapshot ${seq}`,
      clientMs: Number(takenMs),
      receivedMs: Number(receivedMs),
    })),
  ];
}
