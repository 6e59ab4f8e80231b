import { formatDuration } from './messages.js';
import { RECEIPT_MODEL } from './late-events.js';
import type { ClockSample, Condition, StoredFlag } from './types.js';

/** How far a client time may stray from the server's receipt before the clock is suspect. */
export const CLOCK_SKEW_TOLERANCE_MS = 60_000;
/** The span of server time a clock set back is judged over. */
export const CLOCK_WINDOW_MS = 5 * 60_000;
/** Fewest items a window needs before a clock set back is judged from it. */
export const CLOCK_MIN_ITEMS = 3;
/** At most this many items are named in one flag's evidence. */
export const MAX_CLOCK_EVIDENCE = 6;

/** Which way the student's clock is off. */
export type SkewDirection = 'ahead' | 'behind';

/** One item judged: its own lead (client − receipt) and what it shows of the clock. */
interface Point {
  sample: ClockSample;
  /** What the clock looks like at this item; null when it cannot tell. */
  status: SkewDirection | 'ok' | null;
  /** The best guess of the offset here (client − server, ms). */
  estimateMs: number;
}

const leadOf = (s: ClockSample) => s.clientMs - s.receivedMs;

/**
 * Judge every item in the order it arrived. Ahead: the item is dated after its own receipt by
 * more than the tolerance (nothing honest arrives before it happens). Behind: over the window
 * of server time ending at the item, with at least CLOCK_MIN_ITEMS items covering half of it,
 * even the freshest item is older than the tolerance — and the items are not catching up (a
 * backlog drained after an outage advances in client time faster than the server's, and fresh
 * items follow it; a clock set back keeps pace and never recovers). An item within the
 * tolerance proves the clock right at that moment.
 */
function judge(samples: readonly ClockSample[], toleranceMs: number, windowMs: number): Point[] {
  const sorted = [...samples].sort(
    (a, b) => a.receivedMs - b.receivedMs || a.clientMs - b.clientMs,
  );
  let from = 0;
  return sorted.map((sample, i) => {
    const lead = leadOf(sample);
    if (lead > toleranceMs) return { sample, status: 'ahead', estimateMs: lead };
    if (lead >= -toleranceMs) return { sample, status: 'ok', estimateMs: lead };
    while ((sorted[from] as ClockSample).receivedMs <= sample.receivedMs - windowMs) from += 1;
    const window = sorted.slice(from, i + 1);
    const freshest = Math.max(...window.map(leadOf));
    const receiptSpan = sample.receivedMs - (window[0] as ClockSample).receivedMs;
    const clientTimes = window.map((s) => s.clientMs);
    const clientSpan = Math.max(...clientTimes) - Math.min(...clientTimes);
    const behind =
      window.length >= CLOCK_MIN_ITEMS &&
      receiptSpan >= windowMs / 2 &&
      freshest < -toleranceMs &&
      clientSpan <= receiptSpan + toleranceMs;
    return { sample, status: behind ? 'behind' : null, estimateMs: freshest };
  });
}

/** Items showing the same skew, one after another. */
interface Run {
  direction: SkewDirection;
  points: Point[];
  /** An item proving the clock right came after it. */
  closed: boolean;
}

/** Runs of items showing the same skew; an item proving the clock right ends a run. */
function runs(points: readonly Point[]): Run[] {
  const out: Run[] = [];
  for (const p of points) {
    if (p.status === null) continue;
    const last = out.at(-1);
    if (p.status === 'ok') {
      if (last) last.closed = true;
    } else if (last && !last.closed && last.direction === p.status) last.points.push(p);
    else out.push({ direction: p.status, points: [p], closed: false });
  }
  return out;
}

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : Math.round(((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2);
};

/** Client-timed items received within the same this much server time are one bucket. */
export const OFFSET_BUCKET_MS = 10_000;
/** Fewest buckets that must show a clock behind before it is taken to be (see below). */
export const OFFSET_MIN_BUCKETS_BEHIND = 3;
/** Offsets smaller than this are the network's delay, not the clock: taken as 0. */
export const OFFSET_NOISE_MS = 2000;

/**
 * The student's clock offset (client − server, ms, to the second), estimated from client-timed
 * items and when they arrived: the one estimate the server corrects client times with (event
 * trust on arrival, client conditions, recording coverage), so that a clock steadily off
 * raises `clock_skew` and nothing else. Nothing honest arrives before it happens, so in each
 * bucket of receipts (OFFSET_BUCKET_MS of server time) the freshest item (the largest lead) is
 * the closest to the clock; the offset is the median of the buckets' freshest leads (of the
 * two middle ones, the one nearer zero), so a few forged or late items move nothing. A clock
 * ahead shows at once; one behind only over at least OFFSET_MIN_BUCKETS_BEHIND buckets, since
 * a few stale buckets are as likely a backlog drained after a network cut. Under
 * OFFSET_NOISE_MS, and without items, it is 0.
 */
export function estimateClockOffset(samples: readonly ClockSample[]): number {
  const freshest = new Map<number, number>();
  for (const s of samples) {
    const bucket = Math.floor(s.receivedMs / OFFSET_BUCKET_MS);
    freshest.set(bucket, Math.max(freshest.get(bucket) ?? -Infinity, leadOf(s)));
  }
  if (freshest.size === 0) return 0;
  const leads = [...freshest.values()].sort((a, b) => a - b);
  const mid = Math.floor(leads.length / 2);
  const upper = leads[mid] as number;
  const lower = leads[leads.length % 2 === 1 ? mid : mid - 1] as number;
  const estimate = Math.abs(lower) < Math.abs(upper) ? lower : upper;
  if (Math.abs(estimate) < OFFSET_NOISE_MS) return 0;
  if (estimate < 0 && freshest.size < OFFSET_MIN_BUCKETS_BEHIND) return 0;
  return Math.round(estimate / 1000) * 1000;
}

const directionOf = (key: string): string | undefined => key.split(':')[2];

/** An offset as people say it: to 5 s under two minutes, else to the minute. */
const roughly = (ms: number) => {
  const step = Math.abs(ms) < 120_000 ? 5000 : 60_000;
  return formatDuration(Math.round(Math.abs(ms) / step) * step);
};

/**
 * clock_skew: stretches of server time during which the student's clock disagreed with the
 * server's by more than the tolerance, judged from every client-timed item the server received
 * (event times, segment ends, snapshot times) against when it arrived. The estimated offset
 * (median over the stretch, client − server), the largest, the window and sample items go
 * into the evidence. A stretch that begins within a window of a stored clock_skew flag of the
 * same direction continues it, so callers may pass only recent items.
 */
export function clockSkewConditions(
  samples: readonly ClockSample[],
  stored: readonly StoredFlag[] = [],
  toleranceMs = CLOCK_SKEW_TOLERANCE_MS,
  windowMs = CLOCK_WINDOW_MS,
): Condition[] {
  const previous = stored
    .filter((f) => f.type === 'clock_skew')
    .sort((a, b) => a.startMs - b.startMs);
  const continuedKeys = new Set<string>();
  return runs(judge(samples, toleranceMs, windowMs)).map(({ direction, points }) => {
    const startMs = (points[0] as Point).sample.receivedMs;
    const endMs = (points.at(-1) as Point).sample.receivedMs;
    const continued = previous.findLast(
      (f) =>
        !continuedKeys.has(f.key) &&
        directionOf(f.key) === direction &&
        f.startMs <= startMs &&
        startMs <= (f.endMs ?? f.startMs) + windowMs,
    );
    if (continued) continuedKeys.add(continued.key);
    const estimates = points.map((p) => p.estimateMs);
    const offsetMs = median(estimates);
    const largestMs = direction === 'ahead' ? Math.max(...estimates) : Math.min(...estimates);
    const half = Math.floor(MAX_CLOCK_EVIDENCE / 2);
    const shown =
      points.length <= MAX_CLOCK_EVIDENCE
        ? points
        : [...points.slice(0, half), ...points.slice(points.length - half)];
    return {
      key: continued?.key ?? `rules:clock_skew:${direction}:${startMs}`,
      type: 'clock_skew',
      source: 'rules',
      startMs: continued ? Math.min(continued.startMs, startMs) : startMs,
      endMs,
      confidence: Math.min(1, Math.max(0.3, Math.abs(offsetMs) / (5 * toleranceMs))),
      model: RECEIPT_MODEL,
      instant: true,
      serverClock: true,
      snapshotIds: [],
      detail: `about ${roughly(offsetMs)} ${direction}`,
      facts: {
        direction,
        offsetMs,
        largestMs,
        toleranceMs,
        windowMs,
        items: points.length,
      },
      items: { samples: shown.map((p) => p.sample) },
    };
  });
}
