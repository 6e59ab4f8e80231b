import { and, eq, inArray, max } from 'drizzle-orm';
import type { UntrustedReason } from '@invigil/contracts';
import {
  estimateClockOffset,
  eventDetector,
  judgeArrivals,
  type ArrivingEvent,
} from '@invigil/detection/rules';
import { EVENT_ARRIVAL_LOCK, lockInTransaction } from '../db/advisory-locks.js';
import type { Tx } from '../db/database.js';
import { eventDetectorSql, sessionEvents, trustedDetectorEventSql } from '../db/schema.js';
import { loadClockSamples } from './flag-inputs.js';

/**
 * Judge a batch's client events on arrival, on the server's clock (see `judgeArrivals`), their
 * times corrected by the student's estimated clock offset (`estimateClockOffset`): why each
 * new one is not trusted, or null. Events already stored are left out (the first write
 * won). Takes a per-session lock, so concurrent batches are judged one after the other against
 * what the other accepted.
 */
export async function judgeArrivingEvents(
  tx: Tx,
  sessionId: string,
  events: readonly ArrivingEvent[],
  receivedMs: number,
): Promise<Map<number, UntrustedReason | null>> {
  await lockInTransaction(tx, EVENT_ARRIVAL_LOCK, sessionId);
  const ofClient = and(eq(sessionEvents.sessionId, sessionId), eq(sessionEvents.source, 'client'));
  const stored = await tx
    .select({ seq: sessionEvents.seq })
    .from(sessionEvents)
    .where(
      and(
        ofClient,
        inArray(
          sessionEvents.seq,
          events.map((e) => e.seq),
        ),
      ),
    );
  const known = new Set(stored.map((r) => r.seq));
  const fresh = events.filter((e) => !known.has(e.seq)).sort((a, b) => a.seq - b.seq);
  const detectors = new Set<string>();
  for (const e of fresh) {
    const detector = eventDetector(e.type, e.data);
    if (detector !== null) detectors.add(detector);
  }
  if (fresh.length === 0) return new Map();
  const lastTrusted = await newestTrusted(tx, sessionId, detectors);
  // Client times are corrected by the student's clock offset, estimated from what arrived so
  // far and this batch: a clock steadily off is clock_skew's to report, not every event's.
  const offsetMs = estimateClockOffset([
    ...(await loadClockSamples(tx, sessionId)),
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

/**
 * The newest trusted client time stored for each of `detectors` of a session: one probe of
 * `session_events_trusted_detector_idx` per detector, however long the session.
 */
async function newestTrusted(
  tx: Tx,
  sessionId: string,
  detectors: ReadonlySet<string>,
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const detector of detectors) {
    const [row] = await tx
      .select({ newest: max(sessionEvents.clientMs) })
      .from(sessionEvents)
      .where(
        and(
          eq(sessionEvents.sessionId, sessionId),
          trustedDetectorEventSql(
            sessionEvents.source,
            sessionEvents.untrustedReason,
            sessionEvents.type,
          ),
          eq(eventDetectorSql(sessionEvents.type, sessionEvents.data), detector),
        ),
      );
    if (row?.newest !== null && row?.newest !== undefined) out.set(detector, Number(row.newest));
  }
  return out;
}
