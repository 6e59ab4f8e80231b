import { JOB_DEFAULTS } from '../../ports/job-queue.port.js';
import type { AnalysisReason } from './analysis-queue.js';

/** Priorities at or above this are routine samples; below, detections' snapshots and photos. */
export const ROUTINE_PRIORITY = JOB_DEFAULTS.maxPriority / 2;

/**
 * The job-queue priority of an analysis (lower runs first). Detections' snapshots and
 * identity photos go before every routine sample of every session: under load samples wait
 * (and are shed), a detection is checked at once. Within each class, sessions take turns:
 * `turn` is how many analyses of the same session and class were already waiting when this
 * one was queued, so every session's first job runs before any session's second, and a
 * session with a thousand jobs waiting delays another session by one job per turn, not by
 * its backlog (a tampered client's reports are also capped by its budget).
 */
export function analysisPriority(reason: AnalysisReason, turn: number): number {
  const within = Math.min(Math.max(0, Math.floor(turn)), ROUTINE_PRIORITY - 1);
  return (reason === 'sample' ? ROUTINE_PRIORITY : 0) + within;
}
