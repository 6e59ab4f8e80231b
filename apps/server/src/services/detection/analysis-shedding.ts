import type { AnalysisReason } from './analysis-queue.js';

/** How much analysis may wait: beyond these, the oldest routine samples are shed. */
export interface QueueBounds {
  /** Queued routine samples per session. */
  perSession: number;
  /** Queued jobs of every kind on the whole server. */
  total: number;
}

/**
 * Defaults: five samples are five `serverAnalysisSeconds` intervals of one student's exam
 * still waiting; a thousand jobs are minutes of work for a small worker pool.
 */
export const DEFAULT_QUEUE_BOUNDS: QueueBounds = { perSession: 5, total: 1000 };

/** A queued job as the shedding rule sees it. */
export interface QueuedJob {
  id: number;
  sessionId: string;
  reason: AnalysisReason;
}

/** A job to shed, and which bound it broke. */
export interface ShedChoice {
  id: number;
  sessionId: string;
  bound: 'session' | 'server';
}

/**
 * Which queued jobs to shed so the queue is back within `bounds`; `queued` is oldest first.
 * Only routine samples are ever shed — a detection's snapshots and identity photos stay
 * (they are bounded by each session's budget instead). First every session keeps its
 * newest `perSession` samples; then, while the queue is over `total`, the oldest sample
 * of the session with the most queued jobs goes, so the session that floods the queue
 * pays first and a quiet session keeps its samples as long as possible.
 */
export function chooseShed(queued: readonly QueuedJob[], bounds: QueueBounds): ShedChoice[] {
  const samples = new Map<string, QueuedJob[]>();
  const queuedOf = new Map<string, number>();
  for (const job of queued) {
    queuedOf.set(job.sessionId, (queuedOf.get(job.sessionId) ?? 0) + 1);
    if (job.reason !== 'sample') continue;
    const list = samples.get(job.sessionId) ?? [];
    list.push(job);
    samples.set(job.sessionId, list);
  }
  const shed: ShedChoice[] = [];
  const drop = (sessionId: string, bound: ShedChoice['bound']) => {
    const job = samples.get(sessionId)?.shift();
    if (!job) return false;
    shed.push({ id: job.id, sessionId, bound });
    queuedOf.set(sessionId, (queuedOf.get(sessionId) ?? 1) - 1);
    return true;
  };
  for (const [sessionId, list] of samples) {
    while (list.length > bounds.perSession) drop(sessionId, 'session');
  }
  let remaining = queued.length - shed.length;
  while (remaining > bounds.total) {
    let fullest: string | undefined;
    for (const [sessionId, list] of samples) {
      if (list.length === 0) continue;
      if (fullest === undefined || (queuedOf.get(sessionId) ?? 0) > (queuedOf.get(fullest) ?? 0)) {
        fullest = sessionId;
      }
    }
    if (fullest === undefined || !drop(fullest, 'server')) break;
    remaining -= 1;
  }
  return shed;
}
