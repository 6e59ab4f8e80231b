import type { DetectorName, FlagEvidence, FlagSource, Severity } from '@invigil/contracts';

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
  /** When the attempt ended (client clock): conditions still open end there. */
  sessionEndMs?: number;
}

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
  snapshotIds: string[];
  /** Extra words for the message (e.g. "2 faces", "similarity 0.31"). */
  detail?: string;
}
