import type {
  ClockSampleEvidence,
  DetectorName,
  FlagEvidence,
  FlagSource,
  Severity,
  UntrustedReason,
} from '@invigil/contracts';

/**
 * One event of a session as the rules read it: client events (`detect.state`,
 * `detect.snapshot`, `page.hidden`, `page.visible`) and server events (`detect.analysis`).
 * Other types are ignored, so a whole timeline can be passed.
 */
export interface RuleEvent {
  source: 'client' | 'server';
  type: string;
  /** Client-clock epoch ms the event refers to (server analyses: the snapshot's time). */
  atMs: number;
  data: Record<string, unknown>;
  /** The event's sequence number within its source, for evidence. */
  seq?: number;
  /** When the server received it (server epoch ms); absent in the browser. */
  receivedMs?: number;
  /**
   * Why the server did not trust the event's time (set on arrival, see event-trust.ts); such
   * an event may add to a condition but never ends or shortens one the server trusted.
   */
  untrusted?: UntrustedReason | null;
}

/** A webcam snapshot that may serve as evidence. */
export interface EvidenceSnapshot {
  id: string;
  seq: number;
  takenMs: number;
}

/** What deriveFlags needs besides the events. */
export interface DeriveContext {
  /** The session's webcam snapshots, for evidence; any order. */
  snapshots?: readonly EvidenceSnapshot[];
  /**
   * When the attempt ended (server clock): conditions still open end there (for conditions on
   * the student's clock, mapped to it with the estimated clock offset).
   */
  sessionEndMs?: number;
  /**
   * The session's stored flags. A condition with a stored flag's key never ends up smaller
   * than that flag (see flag-extent.ts); late_event and clock_skew continue their stored flags.
   */
  stored?: readonly StoredFlag[];
  /**
   * Client-timed items with their receipt (events, segments, snapshots): for clock_skew, and
   * the student's clock offset (`estimateClockOffset`) that client times are judged with.
   */
  clockSamples?: readonly ClockSample[];
  /**
   * Untrusted client events counted rather than passed one by one (the older part of a long
   * run): late_event counts them with the untrusted events among `events`.
   */
  untrustedTallies?: readonly UntrustedTally[];
}

/**
 * Untrusted client events counted together: one run of their arrivals, no more than
 * LATE_CLUSTER_GAP_MS apart (see late-events.ts), by reason. None is also among the events.
 */
export interface UntrustedTally {
  /** The first and the last arrival counted (server epoch ms). */
  firstReceivedMs: number;
  lastReceivedMs: number;
  late: number;
  future: number;
  outOfOrder: number;
  /** How far the most `late` one was dated before its arrival (ms; meaningless if none). */
  maxLateMs: number;
  /** How far the most `future` one was dated after its arrival (ms; meaningless if none). */
  maxFutureMs: number;
}

/** What the rules need of a flag already stored. */
export interface StoredFlag {
  key: string;
  type: DetectorName;
  startMs: number;
  endMs: number | null;
  /**
   * For an open flag: the last moment the server saw it open (server epoch ms); it is never
   * closed earlier than that.
   */
  seenOpenMs?: number;
  /** The snapshots it already names as evidence. */
  snapshotIds?: readonly string[];
}

/** One client-timed item the server received: its client time and when it arrived. */
export type ClockSample = ClockSampleEvidence;

/**
 * A flag as the rules derive it, before storage gives it an id and a review status.
 * `key` names the same condition across re-derivations, so storage updates rather than
 * duplicates it.
 */
export interface FlagDraft {
  key: string;
  type: DetectorName;
  source: FlagSource;
  startMs: number;
  /** Null while the condition still lasts. */
  endMs: number | null;
  severity: Severity;
  confidence: number;
  detector: string;
  model: string;
  evidence: FlagEvidence;
  message: string;
}

/**
 * A stretch during which a detector's condition held, before the rules decide whether it
 * is long enough (or certain enough) to be a flag.
 */
export interface Condition {
  key: string;
  type: DetectorName;
  source: FlagSource;
  startMs: number;
  endMs: number | null;
  confidence: number;
  model: string;
  /** Whether one observation suffices (a still frame showing an object or a second person). */
  instant: boolean;
  /** Judged from identity photos, compared once (not watched over webcam snapshots). */
  identityPhotos?: boolean;
  /**
   * Its times are the server's own (receipts), not the student's clock: the clock offset is
   * not applied to it (see deriveFlags).
   */
  serverClock?: boolean;
  snapshotIds: string[];
  /** Extra words for the message (e.g. "2 faces", "similarity 0.31"). */
  detail?: string;
  /** Facts kept with the flag's evidence (`FlagEvidence.details`), for evidence flags. */
  facts?: Record<string, string | number | boolean | null>;
  /** Items kept with the flag's evidence (late events, clock samples). */
  items?: Pick<FlagEvidence, 'events' | 'samples'>;
}
