import {
  DetectFailedData,
  EVIDENCE_EVENTS,
  EvidenceAbsenceData,
  RECORDING_GAP_EVENT,
  RecordingGapEventData,
  SERVER_DETECT_EVENTS,
  UPLOAD_REFUSED_EVENT,
  type DetectorName,
  type RecordingGapReason,
} from '@invigil/contracts';
import type { Condition, RuleEvent } from './types.js';

/**
 * Server event types these rules read, besides the analyses: what the evidence watchdog
 * wrote, the holes found in a recording, analyses that could not read a snapshot, and
 * uploads refused for what they contained.
 */
export const EVIDENCE_RULE_EVENT_TYPES: readonly string[] = [
  EVIDENCE_EVENTS.gap,
  EVIDENCE_EVENTS.snapshotsMissing,
  EVIDENCE_EVENTS.detectionSilent,
  EVIDENCE_EVENTS.connectionLost,
  EVIDENCE_EVENTS.fullscreenMissing,
  EVIDENCE_EVENTS.uploadBacklog,
  RECORDING_GAP_EVENT,
  SERVER_DETECT_EVENTS.failed,
  UPLOAD_REFUSED_EVENT,
];

/**
 * Flag types about evidence that did not arrive: their message says how long it was missing
 * (or that it still is) instead of counting snapshots.
 */
export const ABSENCE_FLAG_TYPES: ReadonlySet<DetectorName> = new Set([
  'recording_gap',
  'detection_silent',
  'snapshots_missing',
  'snapshot_unreadable',
  'connection_lost',
  'upload_backlog',
  // Left, or (judged by the server) never entered: either way, for how long.
  'fullscreen_exit',
]);

/** The permanent reason an analysis gives for bytes that are not an image. */
export const UNREADABLE_IMAGE_REASON = 'not a readable image';

/** Refusals that mean a snapshot's bytes could not be an image the server may decode. */
const UNREADABLE_CODES = new Set(['CONTENT_MISMATCH', 'IMAGE_TOO_LARGE']);
/** Refusals that leave a hole in a recording (the segment was not kept). */
const LOST_SEGMENT_CODES = new Set(['CONTENT_MISMATCH', 'QUOTA_EXCEEDED']);

/** The model name of conditions the server judges from what it received. */
export const EVIDENCE_MODEL = 'server receipt';

const ABSENCE_TYPE: Record<string, DetectorName> = {
  [EVIDENCE_EVENTS.gap]: 'recording_gap',
  [EVIDENCE_EVENTS.snapshotsMissing]: 'snapshots_missing',
  [EVIDENCE_EVENTS.detectionSilent]: 'detection_silent',
  [EVIDENCE_EVENTS.connectionLost]: 'connection_lost',
  // Never entering full screen is judged like leaving it (enabled only when it is required).
  [EVIDENCE_EVENTS.fullscreenMissing]: 'fullscreen_exit',
  [EVIDENCE_EVENTS.uploadBacklog]: 'upload_backlog',
};

const ABSENCE_DETAIL: Record<string, (d: EvidenceAbsenceData) => string> = {
  [EVIDENCE_EVENTS.gap]: (d) =>
    `${d.subject}: no segment received ${d.lastSeq === null ? 'at all' : `after segment ${d.lastSeq}`}`,
  [EVIDENCE_EVENTS.snapshotsMissing]: (d) =>
    `no webcam snapshot received ${d.lastSeq === null ? 'at all' : `after snapshot ${d.lastSeq}`}`,
  [EVIDENCE_EVENTS.detectionSilent]: () => 'webcam recording, no detector report received',
  [EVIDENCE_EVENTS.connectionLost]: () => 'no upload and no live heartbeat received',
  [EVIDENCE_EVENTS.fullscreenMissing]: () => 'never entered full screen after the attempt began',
  [EVIDENCE_EVENTS.uploadBacklog]: (d) =>
    `${d.subject === 'page' ? 'recording' : d.subject}: uploads ${formatLag(d.lagMs)} behind` +
    (d.reported ? ' (reported by the browser)' : '') +
    ', while the page is still connected',
};

/** "about 75 s" from a lag in ms (unknown: "far"). */
const formatLag = (ms: number | undefined) =>
  ms === undefined ? 'far' : `about ${Math.round(ms / 1000)} s`;

/**
 * Absences the watchdog recorded: each start event opens a condition, the matching end
 * event (same type, subject and `fromMs`) closes it. Times are the server's.
 */
function absences(events: readonly RuleEvent[]): Condition[] {
  const open = new Map<string, Condition>();
  const out: Condition[] = [];
  for (const e of events) {
    const type = ABSENCE_TYPE[e.type];
    if (e.source !== 'server' || !type) continue;
    const parsed = EvidenceAbsenceData.safeParse(e.data);
    if (!parsed.success) continue;
    const d = parsed.data;
    const key = `server:${type}:${d.subject}:${d.fromMs}`;
    const known = open.get(key);
    if (d.toMs === null) {
      if (known) continue;
      const c: Condition = {
        key,
        type,
        source: 'server',
        startMs: d.fromMs,
        endMs: null,
        confidence: 1,
        model: EVIDENCE_MODEL,
        instant: false,
        serverClock: true,
        snapshotIds: [],
        detail: ABSENCE_DETAIL[e.type]?.(d) ?? d.subject,
        facts: {
          subject: d.subject,
          fromServerMs: d.fromMs,
          toServerMs: null,
          lastSeq: d.lastSeq,
          thresholdMs: d.thresholdMs,
          ...(d.lagMs !== undefined && { lagMs: d.lagMs }),
          ...(d.reported && { reported: true }),
        },
      };
      open.set(key, c);
      out.push(c);
    } else if (known && known.endMs === null) {
      known.endMs = Math.max(d.toMs, known.startMs);
      known.facts = { ...known.facts, toServerMs: d.toMs, resumedSeq: d.resumedSeq ?? null };
    }
  }
  return out;
}

const GAP_WORDS: Record<RecordingGapReason, string> = {
  missing_seqs: 'segments never received',
  time_gap: 'nothing recorded between two segments',
  late_start: 'recording started after the attempt began',
  early_stop: 'recording stopped before the attempt ended',
  never: 'never recorded during the attempt',
  behind: 'recording lags behind the present',
};

/** Holes in a required track found once uploads settled (client-clock times). */
function recordingGaps(events: readonly RuleEvent[]): Condition[] {
  const out: Condition[] = [];
  for (const e of events) {
    if (e.source !== 'server' || e.type !== RECORDING_GAP_EVENT) continue;
    const parsed = RecordingGapEventData.safeParse(e.data);
    if (!parsed.success || parsed.data.required !== true || !parsed.data.reason) continue;
    const g = parsed.data;
    const reason = g.reason ?? 'time_gap';
    const missing = g.missingSeqs.length;
    out.push({
      key: `server:recording_gap:${g.track}:${g.afterSeq ?? 'start'}:${g.fromMs}:${reason}`,
      type: 'recording_gap',
      source: 'server',
      startMs: g.fromMs,
      endMs: Math.max(g.fromMs, g.toMs),
      confidence: 1,
      model: EVIDENCE_MODEL,
      // A missing sequence number is evidence by itself, whatever the time it spans.
      instant: reason === 'missing_seqs' || reason === 'never',
      snapshotIds: [],
      detail:
        `${g.track}: ${GAP_WORDS[reason]}` +
        (missing > 0 ? ` (${missing} missing from ${g.missingSeqs[0]})` : ''),
      facts: {
        subject: g.track,
        reason,
        afterSeq: g.afterSeq,
        missingSeqs: missing,
        toleranceMs: g.toleranceMs ?? null,
      },
    });
  }
  return out;
}

/** What an `upload.refused` event says, read leniently (it is stored data). */
interface Refusal {
  target?: unknown;
  track?: unknown;
  kind?: unknown;
  seq?: unknown;
  code?: unknown;
}

/**
 * Snapshots the server could not read (an analysis' permanent failure, or an upload refused
 * for its content or size) and recording segments refused for their content or a full
 * quota: single findings, each a flag by itself.
 */
function unreadable(events: readonly RuleEvent[]): Condition[] {
  const out: Condition[] = [];
  const instant = (
    key: string,
    type: DetectorName,
    atMs: number,
    detail: string,
    facts: Condition['facts'],
    snapshotIds: string[] = [],
  ): Condition => ({
    key,
    type,
    source: 'server',
    startMs: atMs,
    endMs: atMs,
    confidence: 1,
    model: EVIDENCE_MODEL,
    instant: true,
    snapshotIds,
    detail,
    facts,
  });
  for (const e of events) {
    if (e.source !== 'server') continue;
    if (e.type === SERVER_DETECT_EVENTS.failed) {
      const parsed = DetectFailedData.safeParse(e.data);
      if (!parsed.success || parsed.data.reason !== UNREADABLE_IMAGE_REASON) continue;
      const d = parsed.data;
      out.push(
        instant(
          `server:snapshot_unreadable:${d.snapshotKind}:${d.snapshotSeq}`,
          'snapshot_unreadable',
          e.atMs,
          `${d.snapshotKind} snapshot ${d.snapshotSeq}: not a readable image`,
          { subject: d.snapshotKind, seq: d.snapshotSeq, reason: d.reason },
          [d.snapshotId],
        ),
      );
    } else if (e.type === UPLOAD_REFUSED_EVENT) {
      const r = e.data as Refusal;
      const code = typeof r.code === 'string' ? r.code : '';
      const seq = typeof r.seq === 'number' ? r.seq : null;
      if (r.target === 'snapshot' && typeof r.kind === 'string' && UNREADABLE_CODES.has(code)) {
        out.push(
          instant(
            `server:snapshot_unreadable:${r.kind}:${seq}:refused:${e.atMs}`,
            'snapshot_unreadable',
            e.atMs,
            `${r.kind} snapshot ${seq ?? '?'} refused on upload (${code})`,
            { subject: r.kind, seq, code },
          ),
        );
      } else if (
        r.target === 'media' &&
        typeof r.track === 'string' &&
        LOST_SEGMENT_CODES.has(code)
      ) {
        out.push(
          instant(
            `server:recording_gap:${r.track}:${seq}:refused:${e.atMs}`,
            'recording_gap',
            e.atMs,
            `${r.track} segment ${seq ?? '?'} refused on upload (${code})`,
            { subject: r.track, seq, code },
          ),
        );
      }
    }
  }
  return out;
}

/**
 * The server's conditions about the evidence itself: required tracks, webcam snapshots or
 * detector reports that stopped arriving (open until they arrive again, then ended but kept
 * for review), holes in a required track found once uploads settled, and snapshots or
 * segments the server could not use. Never taken from a browser's report.
 */
export function evidenceConditions(events: readonly RuleEvent[]): Condition[] {
  // The same finding recorded twice (two checks racing) is one condition: keys are unique.
  const byKey = new Map<string, Condition>();
  for (const c of [...absences(events), ...recordingGaps(events), ...unreadable(events)]) {
    if (!byKey.has(c.key)) byKey.set(c.key, c);
  }
  return [...byKey.values()];
}
