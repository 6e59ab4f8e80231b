import type { UntrustedEventEvidence } from '@invigil/contracts';
import { formatDuration } from './messages.js';
import type { Condition, RuleEvent, StoredFlag, UntrustedTally } from './types.js';

/** Untrusted events received within this of each other (server time) are one cluster. */
export const LATE_CLUSTER_GAP_MS = 5 * 60_000;
/** At most this many events are named in one flag's evidence (the first and the last). */
export const MAX_LATE_EVIDENCE = 40;

/** The model name of conditions the server judges from when things arrived. */
export const RECEIPT_MODEL = 'server receipt';

/** The untrusted client events with their receipt, in the order they arrived. */
function untrustedEvents(events: readonly RuleEvent[]): UntrustedEventEvidence[] {
  const out: UntrustedEventEvidence[] = [];
  for (const e of events) {
    if (e.source !== 'client' || !e.untrusted || e.receivedMs === undefined) continue;
    out.push({
      seq: e.seq ?? -1,
      type: e.type,
      clientMs: e.atMs,
      receivedMs: e.receivedMs,
      reason: e.untrusted,
    });
  }
  return out.sort((a, b) => a.receivedMs - b.receivedMs || a.seq - b.seq);
}

/** A cluster of untrusted arrivals: the events passed one by one and the tallies counted. */
interface Cluster {
  events: UntrustedEventEvidence[];
  tallies: UntrustedTally[];
  firstMs: number;
  lastMs: number;
}

/**
 * Clusters: runs of arrivals no more than LATE_CLUSTER_GAP_MS apart. A tally is one run
 * already, from its first to its last arrival.
 */
function clusters(
  events: readonly UntrustedEventEvidence[],
  tallies: readonly UntrustedTally[],
): Cluster[] {
  const arrivals = [
    ...tallies.map((t) => ({ firstMs: t.firstReceivedMs, lastMs: t.lastReceivedMs, tally: t })),
    ...events.map((e) => ({ firstMs: e.receivedMs, lastMs: e.receivedMs, event: e })),
  ].sort((a, b) => a.firstMs - b.firstMs);
  const out: Cluster[] = [];
  for (const a of arrivals) {
    let c = out.at(-1);
    if (!c || a.firstMs - c.lastMs > LATE_CLUSTER_GAP_MS) {
      c = { events: [], tallies: [], firstMs: a.firstMs, lastMs: a.lastMs };
      out.push(c);
    }
    c.lastMs = Math.max(c.lastMs, a.lastMs);
    if ('tally' in a) c.tallies.push(a.tally);
    else c.events.push(a.event);
  }
  return out;
}

/** How many events of a cluster were untrusted for each reason, and the furthest dates. */
interface Counts {
  late: number;
  future: number;
  outOfOrder: number;
  maxLateMs: number;
  maxFutureMs: number;
}

function countsOf(c: Cluster): Counts {
  const n: Counts = {
    late: 0,
    future: 0,
    outOfOrder: 0,
    maxLateMs: -Infinity,
    maxFutureMs: -Infinity,
  };
  for (const e of c.events) {
    if (e.reason === 'late') {
      n.late += 1;
      n.maxLateMs = Math.max(n.maxLateMs, e.receivedMs - e.clientMs);
    } else if (e.reason === 'future') {
      n.future += 1;
      n.maxFutureMs = Math.max(n.maxFutureMs, e.clientMs - e.receivedMs);
    } else n.outOfOrder += 1;
  }
  for (const t of c.tallies) {
    n.late += t.late;
    n.future += t.future;
    n.outOfOrder += t.outOfOrder;
    if (t.late > 0) n.maxLateMs = Math.max(n.maxLateMs, t.maxLateMs);
    if (t.future > 0) n.maxFutureMs = Math.max(n.maxFutureMs, t.maxFutureMs);
  }
  return n;
}

/** The first and last events of a long cluster. */
function sample<T>(items: readonly T[], max: number): T[] {
  if (items.length <= max) return [...items];
  const half = Math.floor(max / 2);
  return [...items.slice(0, half), ...items.slice(items.length - (max - half))];
}

/** "3 events: 2 dated up to 10 min before they arrived, 1 older than one already accepted". */
function describe(c: Counts): string {
  const parts: string[] = [];
  if (c.late > 0) {
    parts.push(`${c.late} dated up to ${formatDuration(c.maxLateMs)} before they arrived`);
  }
  if (c.future > 0) {
    parts.push(`${c.future} dated up to ${formatDuration(c.maxFutureMs)} after they arrived`);
  }
  if (c.outOfOrder > 0) parts.push(`${c.outOfOrder} older than an event already accepted`);
  const n = c.late + c.future + c.outOfOrder;
  return `${n} event${n === 1 ? '' : 's'}: ${parts.join(', ')}`;
}

/**
 * late_event: one condition per cluster of client events the server did not trust on arrival
 * (see event-trust.ts), from the first to the last arrival (server time). A cluster that
 * begins within LATE_CLUSTER_GAP_MS of a stored late_event flag continues that flag (same
 * key), so a long run of late events stays one flag. A back-dated "condition ended", a clock
 * set far off, or a long outage all show here; which it was is for the reviewer to judge from
 * the evidence (each event's seq, client time, arrival and reason). Forged dates (`future`,
 * `out_of_order`) are more telling than lateness alone, so they weigh more. `tallies` are
 * untrusted events counted rather than passed one by one: they count, extend and join
 * clusters like the events they stand for; the evidence names the events passed.
 */
export function lateEventConditions(
  events: readonly RuleEvent[],
  stored: readonly StoredFlag[] = [],
  tallies: readonly UntrustedTally[] = [],
): Condition[] {
  const previous = stored
    .filter((f) => f.type === 'late_event')
    .sort((a, b) => a.startMs - b.startMs);
  const continuedKeys = new Set<string>();
  return clusters(untrustedEvents(events), tallies).map((cluster) => {
    const { firstMs, lastMs } = cluster;
    const continued = previous.findLast(
      (f) =>
        !continuedKeys.has(f.key) &&
        f.startMs <= firstMs &&
        firstMs <= (f.endMs ?? f.startMs) + LATE_CLUSTER_GAP_MS,
    );
    if (continued) continuedKeys.add(continued.key);
    const counts = countsOf(cluster);
    const forged = counts.future + counts.outOfOrder > 0;
    return {
      key: continued?.key ?? `rules:late_event:${firstMs}`,
      type: 'late_event',
      source: 'rules',
      startMs: continued ? Math.min(continued.startMs, firstMs) : firstMs,
      endMs: lastMs,
      confidence: forged ? 1 : 0.5,
      model: RECEIPT_MODEL,
      instant: true,
      serverClock: true,
      snapshotIds: [],
      detail: describe(counts),
      facts: {
        count: counts.late + counts.future + counts.outOfOrder,
        late: counts.late,
        outOfOrder: counts.outOfOrder,
        future: counts.future,
      },
      items: { events: sample(cluster.events, MAX_LATE_EVIDENCE) },
    };
  });
}
