import {
  EVIDENCE_EVENTS,
  EvidenceAbsenceData,
  requiredTracks,
  snapshotSilenceMs,
  trackSilenceMs,
  type EvidencePolicy,
  type EvidenceEventType,
} from '@invigil/contracts';
import type { ServerEventInput } from '../recording/session-events.service.js';

/**
 * Something the server expects to keep arriving while an attempt runs; `connection` is
 * anything at all from the student's page (an upload of any kind or a live heartbeat);
 * `uploads` is the recording reaching the server in time (see `judgeUploads`).
 */
export type Watch =
  'webcam' | 'screen' | 'snapshots' | 'detection' | 'connection' | 'fullscreen' | 'uploads';

/** Every watch, in the order they are judged. */
export const WATCHES: readonly Watch[] = [
  'connection',
  'webcam',
  'screen',
  'snapshots',
  'detection',
  'fullscreen',
  'uploads',
];

/** Default of CONNECTION_LOST_SECONDS: a page silent this long has lost its connection. */
export const CONNECTION_LOST_MS = 20_000;

/**
 * Default of UPLOAD_BACKLOG_SECONDS: a connected page whose recording reaches the server this
 * late is falling behind (the browser warns its student at the same backlog).
 */
export const UPLOAD_BACKLOG_MS = 60_000;

/**
 * How long after an attempt starts the page of an exam that requires full screen may go
 * without entering it: time to read the gate and press its button, or for the page to load.
 */
export const FULLSCREEN_GRACE_MS = 30_000;

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
   * How long the page may send nothing at all before its connection counts as lost
   * (CONNECTION_LOST_SECONDS, default CONNECTION_LOST_MS); absent or 0: not watched.
   */
  connectionLostMs?: number;
  /**
   * How long the page may go without entering full screen after the attempt started, when the
   * exam requires it (FULLSCREEN_GRACE_MS); absent or 0: not watched.
   */
  fullscreenGraceMs?: number;
  /**
   * The newest received item per watch (segments by track, webcam snapshots, detector
   * reports — trusted or not: an untrusted report still shows that detection runs).
   */
  newest: Record<Exclude<Watch, 'connection' | 'fullscreen' | 'uploads'>, Receipt | null> & {
    connection?: Receipt | null;
    /** The newest `fullscreen.enter` the page reported (any, even before the start). */
    fullscreen?: Receipt | null;
  };
  /**
   * How far behind the present a required track's uploads may be while the page is heard
   * (UPLOAD_BACKLOG_SECONDS, default UPLOAD_BACKLOG_MS); absent or 0: not watched.
   */
  uploadBacklogMs?: number;
  /**
   * Per required track, the server-clock moment its newest segment (by sequence number) was
   * recorded up to, at the latest (see `recordedUpTo`); null: no segment yet.
   */
  recordedTo?: Partial<Record<'webcam' | 'screen', number | null>>;
  /**
   * The newest `upload.backlog` the page reported (received at `atMs`, server clock) and the
   * recorded time it said was waiting (`pendingMs`).
   */
  backlogReport?: (Receipt & { pendingMs: number }) | null;
  /** When the last upload backlog this watchdog recorded ended (server clock), if any. */
  uploadsEndedMs?: number | null;
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
  connection: EVIDENCE_EVENTS.connectionLost,
  fullscreen: EVIDENCE_EVENTS.fullscreenMissing,
  uploads: EVIDENCE_EVENTS.uploadBacklog,
};

/** The watch an `evidence.*` event belongs to, or null. */
export function watchOf(type: string, data: EvidenceAbsenceData): Watch | null {
  if (type === EVIDENCE_EVENTS.gap) return data.subject === 'page' ? null : data.subject;
  if (type === EVIDENCE_EVENTS.connectionLost) return 'connection';
  if (type === EVIDENCE_EVENTS.fullscreenMissing) return 'fullscreen';
  if (type === EVIDENCE_EVENTS.snapshotsMissing) return 'snapshots';
  if (type === EVIDENCE_EVENTS.detectionSilent) return 'detection';
  if (type === EVIDENCE_EVENTS.uploadBacklog) return 'uploads';
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

/** When the last absence of `watch` in a session's `evidence.*` events ended (null: none). */
export function lastEndedMs(
  events: readonly { type: string; data: unknown }[],
  watch: Watch,
): number | null {
  let last: number | null = null;
  for (const e of events) {
    const parsed = EvidenceAbsenceData.safeParse(e.data);
    if (!parsed.success || watchOf(e.type, parsed.data) !== watch) continue;
    const to = parsed.data.toMs;
    if (to !== null && (last === null || to > last)) last = to;
  }
  return last;
}

/**
 * The server-clock moment a track's newest segment was recorded up to, at the latest: the
 * first segment was recorded by the time it was received, and the browser's clock only
 * measures the time between the two segments (its offset never counts); nothing is recorded
 * after it is received. `first`/`newest`: received at (server) and recorded end (browser).
 */
export function recordedUpTo(
  first: { receivedMs: number; endMs: number },
  newest: { receivedMs: number; endMs: number },
): number {
  return Math.min(first.receivedMs + (newest.endMs - first.endMs), newest.receivedMs);
}

/** Which watches apply to an attempt under its policy, and their thresholds (ms). */
export function watchThresholds(
  f: Pick<
    WatchFacts,
    | 'policy'
    | 'cameraDetection'
    | 'detectionSilenceMs'
    | 'connectionLostMs'
    | 'fullscreenGraceMs'
    | 'uploadBacklogMs'
  >,
): Partial<Record<Watch, number>> {
  const out: Partial<Record<Watch, number>> = {};
  if (f.connectionLostMs) out.connection = f.connectionLostMs;
  if (f.fullscreenGraceMs) out.fullscreen = f.fullscreenGraceMs;
  if (f.uploadBacklogMs && requiredTracks(f.policy).length > 0) out.uploads = f.uploadBacklogMs;
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
 *   webcam is a recording gap of its own);
 * - full screen counts as missing only until the page first reports entering it (leaving it
 *   later is the browser's own `fullscreen.exit`): one absence at most, from the start.
 * Pure: the same facts always give the same events.
 */
export function judgeEvidence(f: WatchFacts): ServerEventInput[] {
  const out: ServerEventInput[] = [];
  const thresholds = watchThresholds(f);
  const webcamArriving =
    f.newest.webcam !== null &&
    f.nowMs - f.newest.webcam.atMs <= (thresholds.webcam ?? trackSilenceMs(f.policy));
  for (const watch of WATCHES) {
    if (watch === 'uploads') {
      out.push(...judgeUploads(f, thresholds));
      continue;
    }
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
    if (watch === 'fullscreen' && newest) continue;
    const since = Math.max(newest?.atMs ?? f.startedAtMs, f.startedAtMs);
    if (f.nowMs - since <= threshold) continue;
    const data: EvidenceAbsenceData = {
      subject:
        watch === 'connection' || watch === 'fullscreen'
          ? 'page'
          : watch === 'screen'
            ? 'screen'
            : 'webcam',
      fromMs: since,
      toMs: null,
      // Sequence numbers are per kind of upload: none names "the last thing received".
      lastSeq: watch === 'connection' || watch === 'fullscreen' ? null : (newest?.seq ?? null),
      thresholdMs: threshold,
    };
    out.push({ type: EVENT_OF[watch], clientMs: since, data });
  }
  return out;
}

/**
 * How far the uploads of the required tracks lag behind the present now, the worst track's
 * (null: no track can be judged). A track counts only while its segments keep arriving
 * (a track that stopped is a recording gap, judged on its own).
 */
function uploadLag(
  f: WatchFacts,
  thresholds: Partial<Record<Watch, number>>,
): { track: 'webcam' | 'screen'; lagMs: number; seq: number } | null {
  let worst: { track: 'webcam' | 'screen'; lagMs: number; seq: number } | null = null;
  for (const track of ['webcam', 'screen'] as const) {
    const silence = thresholds[track];
    const newest = f.newest[track];
    const to = f.recordedTo?.[track];
    if (silence === undefined || !newest || to === null || to === undefined) continue;
    if (f.open[track] || f.nowMs - newest.atMs > silence) continue;
    const lagMs = Math.max(0, f.nowMs - to);
    if (!worst || lagMs > worst.lagMs) worst = { track, lagMs, seq: newest.seq };
  }
  return worst;
}

/**
 * Uploads falling behind while the page is still heard (a page not heard at all is a lost
 * connection instead):
 * - begins when the server's own estimate of a required track's lag (see `recordedUpTo`)
 *   passes the threshold, or when the page reports an `upload.backlog` of more than the
 *   threshold received after the last backlog ended (the browser's report can open one);
 * - ends only when the server's estimate is back under half the threshold (the browser's
 *   word never ends one), at the sweep that sees it.
 */
function judgeUploads(
  f: WatchFacts,
  thresholds: Partial<Record<Watch, number>>,
): ServerEventInput[] {
  const threshold = thresholds.uploads;
  const open = f.open.uploads;
  const lag = uploadLag(f, thresholds);
  if (open) {
    if (!lag || lag.lagMs > open.thresholdMs / 2 || f.nowMs <= open.fromMs) return [];
    const data: EvidenceAbsenceData = { ...open, toMs: f.nowMs, resumedSeq: lag.seq };
    return [{ type: EVIDENCE_EVENTS.uploadBacklog, clientMs: f.nowMs, data }];
  }
  if (!threshold) return [];
  const heard = f.newest.connection ?? null;
  const connectedWithin = f.connectionLostMs || CONNECTION_LOST_MS;
  if (f.open.connection || !heard || f.nowMs - heard.atMs > connectedWithin) return [];
  const start = (fromMs: number, d: Partial<EvidenceAbsenceData>): ServerEventInput[] => [
    {
      type: EVIDENCE_EVENTS.uploadBacklog,
      clientMs: fromMs,
      data: { subject: 'page', fromMs, toMs: null, lastSeq: null, thresholdMs: threshold, ...d },
    },
  ];
  if (lag && lag.lagMs > threshold) {
    return start(f.nowMs, { subject: lag.track, lastSeq: lag.seq, lagMs: lag.lagMs });
  }
  const report = f.backlogReport;
  if (
    report &&
    report.pendingMs > threshold &&
    report.atMs >= f.startedAtMs &&
    report.atMs > (f.uploadsEndedMs ?? -Infinity)
  ) {
    return start(report.atMs, { lagMs: Math.round(report.pendingMs), reported: true });
  }
  return [];
}
