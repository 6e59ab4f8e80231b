import { DetectStateData, type UntrustedReason } from '@invigil/contracts';

/**
 * How much earlier than its arrival a client event may be dated (after the student's clock
 * offset is taken out) and still be used. Generous:
 * batches leave every 2 s, a hidden tab may flush once a minute, and an ordinary network cut of
 * a minute or two must not count. Older events are kept as evidence, not used.
 */
export const EVENT_LATE_TOLERANCE_MS = 120_000;
/** How much later than its arrival a client event may be dated (offset taken out). */
export const EVENT_FUTURE_TOLERANCE_MS = 60_000;

/** The tolerances an arrival is judged with. */
export interface TrustTolerances {
  lateMs: number;
  futureMs: number;
}

const DEFAULT_TOLERANCES: TrustTolerances = {
  lateMs: EVENT_LATE_TOLERANCE_MS,
  futureMs: EVENT_FUTURE_TOLERANCE_MS,
};

/** How arrivals are judged: the tolerances, and the student's clock offset. */
export interface TrustOptions extends Partial<TrustTolerances> {
  /**
   * The student's clock offset (client − server, see `estimateClockOffset`): client times are
   * corrected by it before they are compared with the receipt, so a clock steadily off does
   * not make every event late or future (it is `clock_skew`'s to report). Default 0.
   */
  offsetMs?: number;
}

/** A client event as it arrives. */
export interface ArrivingEvent {
  seq: number;
  type: string;
  atMs: number;
  data: Record<string, unknown>;
}

/**
 * The detector a client event speaks for, whose events must arrive in time order:
 * `detect.state` its `data.detector`, the page's visibility `tab_switch`; null for others.
 */
export function eventDetector(type: string, data: Record<string, unknown>): string | null {
  if (type === 'page.hidden' || type === 'page.visible') return 'tab_switch';
  if (type !== 'detect.state') return null;
  const parsed = DetectStateData.safeParse(data);
  return parsed.success ? parsed.data.detector : null;
}

/**
 * Judge a batch's new events on arrival, in the order the browser numbered them, against
 * the server's receive time, each client time corrected by the student's clock offset:
 * `future` when dated after the receipt by more than the tolerance, `late` when dated before
 * it by more, `out_of_order` when older (by the client's own clock) than an event of the same
 * detector already accepted (`lastTrusted`: the newest trusted time per detector stored so
 * far; events of this batch count as they are accepted). Null: the event is trusted.
 * Untrusted events never move `lastTrusted`, so one forged date cannot discredit the rest.
 */
export function judgeArrivals(
  events: readonly ArrivingEvent[],
  receivedMs: number,
  lastTrusted: ReadonlyMap<string, number>,
  options: TrustOptions = {},
): (UntrustedReason | null)[] {
  const lateMs = options.lateMs ?? DEFAULT_TOLERANCES.lateMs;
  const futureMs = options.futureMs ?? DEFAULT_TOLERANCES.futureMs;
  const offsetMs = options.offsetMs ?? 0;
  const newest = new Map(lastTrusted);
  return events.map((e) => {
    const serverMs = e.atMs - offsetMs;
    if (serverMs > receivedMs + futureMs) return 'future';
    if (serverMs < receivedMs - lateMs) return 'late';
    const detector = eventDetector(e.type, e.data);
    if (detector === null) return null;
    const before = newest.get(detector);
    if (before !== undefined && e.atMs < before) return 'out_of_order';
    newest.set(detector, e.atMs);
    return null;
  });
}
