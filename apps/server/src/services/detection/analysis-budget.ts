/**
 * Snapshot times and detections come from the browser's clock, so a tampered client could
 * ask for an analysis of every snapshot, or upload identity photos without end. The
 * server's own clock caps it: per session, one analysis per this many seconds since the
 * attempt started, plus a start allowance.
 */
export const MIN_SECONDS_PER_ANALYSIS = 2;
export const BUDGET_ALLOWANCE_JOBS = 30;
/**
 * Identity photo analyses reserved for every session, whatever else it used: check-in's
 * face and ID document photos plus three re-enrolments of both. A normal check-in is never
 * refused; identity photos beyond this draw on the webcam budget like any other analysis.
 */
export const ENROLMENT_ALLOWANCE_JOBS = 8;

/** Analyses a session already has (shed jobs excluded: shedding is the server's doing). */
export interface AnalysesUsed {
  /** Identity photo analyses. */
  enrolment: number;
  /** Webcam snapshot analyses (samples and snapshots near a detection). */
  webcam: number;
}

/** How many more analyses a session may get, by kind (≤ 0: none). */
export interface AnalysisBudget {
  webcam: number;
  enrolment: number;
}

/**
 * The session's remaining analyses: the server-clock budget minus what it used, identity
 * photos first spending their reserved allowance and only then the shared budget.
 */
export function analysisBudget(
  startedAt: Date | null,
  now: Date,
  used: AnalysesUsed,
): AnalysisBudget {
  const elapsedS = startedAt ? Math.max(0, (now.getTime() - startedAt.getTime()) / 1000) : 0;
  const enrolmentOverflow = Math.max(0, used.enrolment - ENROLMENT_ALLOWANCE_JOBS);
  const webcam =
    Math.floor(elapsedS / MIN_SECONDS_PER_ANALYSIS) +
    BUDGET_ALLOWANCE_JOBS -
    used.webcam -
    enrolmentOverflow;
  const reserved = Math.max(0, ENROLMENT_ALLOWANCE_JOBS - used.enrolment);
  return { webcam, enrolment: reserved + Math.max(0, webcam) };
}
