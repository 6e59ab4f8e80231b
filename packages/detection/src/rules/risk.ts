import {
  DEFAULT_DETECTOR_RULES,
  type EVIDENCE_FLAG_TYPES,
  type DetectorName,
  type FlagReviewStatus,
  type Severity,
} from '@invigil/contracts';

/** What the risk score reads of a flag. */
export interface RiskFlag {
  type: DetectorName;
  severity: Severity;
  confidence: number;
  startMs: number;
  endMs: number | null;
  message: string;
  reviewStatus?: FlagReviewStatus;
}

/** One flag's share of the score. */
export interface RiskPart<T extends RiskFlag> {
  flag: T;
  /** The flag's weight w in 0..MAX_WEIGHT. */
  weight: number;
  /** Its share of the score; the parts add up to the score (up to rounding). */
  points: number;
  /** One sentence: the flag's message and what it adds. */
  explanation: string;
}

/** A session's risk: 0 (nothing seen) to 100, and the parts, largest first. */
export interface Risk<T extends RiskFlag> {
  score: number;
  parts: RiskPart<T>[];
}

/** How much one certain flag of each severity weighs before duration. */
export const SEVERITY_WEIGHT: Record<Severity, number> = { low: 0.15, medium: 0.35, high: 0.6 };
/** A flag's duration weighs fully from this length on; open flags grow towards it. */
export const RISK_FULL_DURATION_MS = 60_000;
/** No single flag makes the score certain; also keeps the logarithms finite. */
export const MAX_WEIGHT = 0.95;

/** A flag type the server raises about the evidence itself. */
export type EvidenceFlagType = (typeof EVIDENCE_FLAG_TYPES)[number];

/**
 * What each evidence flag weighs (at its default severity, certain, full length) and what it
 * means for the attempt. Missing or inconsistent evidence is not a finding of cheating: it
 * weighs less than a detector's finding of the same severity, except an ID document that does
 * not match the face, which is a finding about who sat the exam.
 */
export const EVIDENCE_RISK: Record<EvidenceFlagType, { weight: number; why: string }> = {
  recording_gap: {
    weight: 0.3,
    why: 'part of the recording never arrived, so nothing in it can be checked',
  },
  detection_silent: {
    weight: 0.2,
    why: 'the browser stopped reporting its detectors, so the attempt was not watched live then',
  },
  snapshots_missing: {
    weight: 0.25,
    why: 'webcam snapshots stopped arriving, so the server could not check the camera',
  },
  snapshot_unreadable: {
    weight: 0.2,
    why: 'an upload was not the image it claimed to be (broken or tampered)',
  },
  clock_skew: {
    weight: 0.25,
    why: 'the computer’s clock disagreed with the server’s, so its times cannot be taken as given',
  },
  late_event: {
    weight: 0.15,
    why: 'events arrived late or out of order; they were kept, and never shorten a flag',
  },
  id_document_mismatch: {
    weight: 0.55,
    why: 'the ID document does not show the person in the identity photo',
  },
  connection_lost: {
    weight: 0.15,
    why: 'nothing arrived from the student’s page for a while, so the attempt was not watched live then',
  },
  upload_backlog: {
    weight: 0.05,
    why: 'the recording reached the server late (a slow network), so the attempt was not watched live then',
  },
};

const isEvidence = (type: DetectorName): type is EvidenceFlagType => type in EVIDENCE_RISK;

/** Flags that weigh fully however short: one contradiction or one finding is the whole story. */
const WHOLE_AT_ONCE: ReadonlySet<DetectorName> = new Set([
  'client_integrity',
  'snapshot_unreadable',
  'clock_skew',
  'late_event',
  'id_document_mismatch',
]);

/**
 * Duration factor: half weight for a moment, full weight from RISK_FULL_DURATION_MS on.
 * A contradicted client report (and the single findings above) is as serious however short.
 */
function durationFactor(f: RiskFlag, nowMs: number): number {
  if (WHOLE_AT_ONCE.has(f.type)) return 1;
  const ms = Math.max(0, (f.endMs ?? nowMs) - f.startMs);
  return 0.5 + 0.5 * Math.min(1, ms / RISK_FULL_DURATION_MS);
}

/**
 * A flag's base weight: its severity's, or for an evidence flag its own weight scaled by how
 * far the exam moved its severity from the default (a policy raising it to high counts more).
 */
function baseWeight(f: RiskFlag): number {
  if (!isEvidence(f.type)) return SEVERITY_WEIGHT[f.severity];
  const usual = SEVERITY_WEIGHT[DEFAULT_DETECTOR_RULES[f.type].severity];
  return EVIDENCE_RISK[f.type].weight * (SEVERITY_WEIGHT[f.severity] / usual);
}

/** A flag's weight: base weight × confidence × duration. Dismissed flags weigh nothing. */
export function flagWeight(f: RiskFlag, nowMs: number): number {
  if (f.reviewStatus === 'dismissed') return 0;
  const confidence = f.reviewStatus === 'confirmed' ? 1 : Math.min(1, Math.max(0, f.confidence));
  return Math.min(MAX_WEIGHT, baseWeight(f) * confidence * durationFactor(f, nowMs));
}

/** The sentence explaining one flag's share of the score. */
function explain(f: RiskFlag, points: number): string {
  const sure = Math.round(f.confidence * 100);
  const how = `${f.severity} severity, ${sure} % confidence${f.reviewStatus === 'confirmed' ? ', confirmed' : ''}`;
  if (!isEvidence(f.type)) return `${f.message}: +${points} points (${how}).`;
  return `${f.message}: +${points} points (evidence check: ${EVIDENCE_RISK[f.type].why}; ${how}).`;
}

/**
 * The risk score: score = 100 · (1 − Π(1 − wᵢ)), wᵢ = severity weight (an evidence flag's
 * own weight) × confidence × duration factor (0.5 … 1 over the first minute), so
 * independent pieces of evidence add up without ever passing 100 and one weak flag stays a
 * low score. Each flag's points are
 * its share of the score by log-odds, pointsᵢ = score · ln(1 − wᵢ) / Σ ln(1 − wⱼ), so the
 * parts add up to the score. A confirmed flag counts as certain; a dismissed one not at all.
 */
export function riskScore<T extends RiskFlag>(flags: readonly T[], nowMs: number): Risk<T> {
  const weighted = flags
    .map((flag) => ({ flag, weight: flagWeight(flag, nowMs) }))
    .filter((p) => p.weight > 0);
  const logs = weighted.map((p) => Math.log(1 - p.weight));
  const total = logs.reduce((a, b) => a + b, 0);
  const score = Math.round(100 * (1 - Math.exp(total)));
  const parts = weighted
    .map((p, i) => {
      const points = total === 0 ? 0 : Math.round(((score * (logs[i] ?? 0)) / total) * 10) / 10;
      return { ...p, points, explanation: explain(p.flag, points) };
    })
    .sort((a, b) => b.points - a.points);
  return { score, parts };
}

/**
 * When an open flag's weight will next grow (it counts duration until RISK_FULL_DURATION_MS),
 * so the score can be refreshed; null when no open flag is still growing.
 */
export function nextRiskChangeMs(
  flags: readonly RiskFlag[],
  nowMs: number,
  stepMs = 5000,
): number | null {
  const growing = flags.some(
    (f) =>
      f.endMs === null &&
      f.reviewStatus !== 'dismissed' &&
      !WHOLE_AT_ONCE.has(f.type) &&
      nowMs - f.startMs < RISK_FULL_DURATION_MS,
  );
  return growing ? nowMs + stepMs : null;
}
