import type { DetectorName, FlagReviewStatus, Severity } from '@invigil/contracts';

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

/**
 * Duration factor: half weight for a moment, full weight from RISK_FULL_DURATION_MS on.
 * A contradicted client report is as serious however short it was.
 */
function durationFactor(f: RiskFlag, nowMs: number): number {
  if (f.type === 'client_integrity') return 1;
  const ms = Math.max(0, (f.endMs ?? nowMs) - f.startMs);
  return 0.5 + 0.5 * Math.min(1, ms / RISK_FULL_DURATION_MS);
}

/** A flag's weight: severity × confidence × duration. Dismissed flags weigh nothing. */
export function flagWeight(f: RiskFlag, nowMs: number): number {
  if (f.reviewStatus === 'dismissed') return 0;
  const confidence = f.reviewStatus === 'confirmed' ? 1 : Math.min(1, Math.max(0, f.confidence));
  return Math.min(MAX_WEIGHT, SEVERITY_WEIGHT[f.severity] * confidence * durationFactor(f, nowMs));
}

/**
 * The risk score: score = 100 · (1 − Π(1 − wᵢ)), wᵢ = severity weight × confidence ×
 * duration factor (0.5 … 1 over the first minute), so independent pieces of evidence add
 * up without ever passing 100 and one weak flag stays a low score. Each flag's points are
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
      const sure = Math.round(p.flag.confidence * 100);
      return {
        ...p,
        points,
        explanation: `${p.flag.message}: +${points} points (${p.flag.severity} severity, ${sure} % confidence${p.flag.reviewStatus === 'confirmed' ? ', confirmed' : ''}).`,
      };
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
      f.type !== 'client_integrity' &&
      nowMs - f.startMs < RISK_FULL_DURATION_MS,
  );
  return growing ? nowMs + stepMs : null;
}
