import {
  EVIDENCE_EVENTS,
  EvidenceAbsenceData,
  requiredTracks,
  snapshotSilenceMs,
  trackSilenceMs,
  type EvidencePolicy,
  type EvidenceEventType,
} from '@invigil/contracts';
import type { ServerEventInput } from './session-events.service.js';

/** Something the server expects to keep arriving while an attempt runs. */
export type Watch = 'webcam' | 'screen' | 'snapshots' | 'detection';

/** Every watch, in the order they are judged. */
export const WATCHES: readonly Watch[] = ['webcam', 'screen', 'snapshots', 'detection'];

/** When the newest item of a watch was received (server clock) and its sequence number. */
export interface Receipt {
  atMs: number;
  seq: number;
}

/** An absence recorded and not yet ended. */
export type OpenAbsence = EvidenceAbsenceData & { toMs: null };

/** Everything the judgement of one running attempt needs, read at one moment. */
export interface WatchFacts {
  /** The server's clock. */
  nowMs: number;
  /** When the attempt started (server clock). */
  startedAtMs: number;
  policy: EvidencePolicy;
  /** Whether the browser should be running at least one camera detector for this student. */
  cameraDetection: boolean;
  /** How long detector reports may stop (the detection_silent rule's minimum duration). */
  detectionSilenceMs: number;
  /**
   * The newest received item per watch (segments by track, webcam snapshots, detector
   * reports — trusted or not: an untrusted report still shows that detection runs).
   */
  newest: Record<Watch, Receipt | null>;
  /** Absences this watchdog recorded that have not ended. */
  open: Partial<Record<Watch, OpenAbsence>>;
  /**
   * For an open absence: the first item received after it began, if any (of detector
   * reports, the first trusted one: an untrusted report never ends a recorded silence).
   */
  resumed: Partial<Record<Watch, Receipt | null>>;
}

const EVENT_OF: Record<Watch, EvidenceEventType> = {
  webcam: EVIDENCE_EVENTS.gap,
  screen: EVIDENCE_EVENTS.gap,
  snapshots: EVIDENCE_EVENTS.snapshotsMissing,
  detection: EVIDENCE_EVENTS.detectionSilent,
};

/** The watch an `evidence.*` event belongs to, or null. */
export function watchOf(type: string, data: EvidenceAbsenceData): Watch | null {
  if (type === EVIDENCE_EVENTS.gap) return data.subject;
  if (type === EVIDENCE_EVENTS.snapshotsMissing) return 'snapshots';
  if (type === EVIDENCE_EVENTS.detectionSilent) return 'detection';
  return null;
}

/**
 * The absences still open after a session's `evidence.*` events (in the order written): a
 * start opens its watch, the end with the same `fromMs` closes it. Malformed data is skipped.
 */
export function openAbsences(
  events: readonly { type: string; data: unknown }[],
): Partial<Record<Watch, OpenAbsence>> {
  const open: Partial<Record<Watch, OpenAbsence>> = {};
  for (const e of events) {
    const parsed = EvidenceAbsenceData.safeParse(e.data);
    if (!parsed.success) continue;
    const watch = watchOf(e.type, parsed.data);
    if (!watch) continue;
    const d = parsed.data;
    if (d.toMs === null) open[watch] ??= { ...d, toMs: null };
    else if (open[watch]?.fromMs === d.fromMs) delete open[watch];
  }
  return open;
}

/** Which watches apply to an attempt under its policy, and their thresholds (ms). */
export function watchThresholds(
  f: Pick<WatchFacts, 'policy' | 'cameraDetection' | 'detectionSilenceMs'>,
): Partial<Record<Watch, number>> {
  const out: Partial<Record<Watch, number>> = {};
  const track = trackSilenceMs(f.policy);
  for (const t of requiredTracks(f.policy)) if (t === 'webcam' || t === 'screen') out[t] = track;
  if (f.policy.webcam) out.snapshots = snapshotSilenceMs(f.policy);
  if (f.policy.webcam && f.cameraDetection) out.detection = f.detectionSilenceMs;
  return out;
}

/**
 * The server events that record what changed since the last judgement of a running attempt,
 * on the server's clock only:
 * - an open absence whose evidence arrived again ends at the first item received after it
 *   began (the flag keeps its start and gets an end; it stays for review);
 * - a watched item with nothing received for longer than its threshold — since the newer of
 *   the newest receipt and the attempt's start — begins an absence from that moment;
 * - detector reports count as missing only while webcam segments keep arriving (a missing
 *   webcam is a recording gap of its own).
 * Pure: the same facts always give the same events.
 */
export function judgeEvidence(f: WatchFacts): ServerEventInput[] {
  const out: ServerEventInput[] = [];
  const thresholds = watchThresholds(f);
  const webcamArriving =
    f.newest.webcam !== null &&
    f.nowMs - f.newest.webcam.atMs <= (thresholds.webcam ?? trackSilenceMs(f.policy));
  for (const watch of WATCHES) {
    let open = f.open[watch];
    const resumed = open ? f.resumed[watch] : null;
    if (open && resumed && resumed.atMs > open.fromMs) {
      const data: EvidenceAbsenceData = {
        ...open,
        toMs: resumed.atMs,
        resumedSeq: resumed.seq,
      };
      out.push({ type: EVENT_OF[watch], clientMs: resumed.atMs, data });
      open = undefined;
    }
    const threshold = thresholds[watch];
    if (open || threshold === undefined) continue;
    if (watch === 'detection' && !webcamArriving) continue;
    const newest = f.newest[watch];
    const since = Math.max(newest?.atMs ?? f.startedAtMs, f.startedAtMs);
    if (f.nowMs - since <= threshold) continue;
    const data: EvidenceAbsenceData = {
      subject: watch === 'screen' ? 'screen' : 'webcam',
      fromMs: since,
      toMs: null,
      lastSeq: newest?.seq ?? null,
      thresholdMs: threshold,
    };
    out.push({ type: EVENT_OF[watch], clientMs: since, data });
  }
  return out;
}
