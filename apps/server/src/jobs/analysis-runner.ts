import type { Clock } from '../ports/clock.port.js';
import type { AnalysisQueue, LeasedJob } from '../services/detection/analysis-queue.js';
import type { AnalysisOutcome } from '../services/detection/snapshot-analysis.service.js';

/** A running analysis runner. */
export interface AnalysisRunner {
  /** Look for work now (called when jobs were queued in this process). */
  kick(): void;
  /** Stop taking jobs and wait for the ones running, so the database can close safely. */
  stop(): Promise<void>;
}

/** What the runner needs: the queue, how to run a job, and what to do after. */
export interface AnalysisRunnerDeps {
  queue: AnalysisQueue;
  clock: Clock;
  run(job: LeasedJob): Promise<AnalysisOutcome>;
  /** Called after each job with its outcome (re-judge the session's flags). */
  after(job: LeasedJob, outcome: AnalysisOutcome): Promise<void>;
  onError(error: unknown): void;
  /**
   * How long to rest after a job before taking the next one (ms; AnalysisPace: 0 while the
   * machine has CPU to spare). Unset: never rests.
   */
  restMs?(): number;
}

/**
 * Works the analysis queue with up to `concurrency` jobs at once (the detector pool's
 * size, so the pool never builds a backlog of its own): polls every `pollMs` and at once
 * when kicked, and rests `restMs()` after a job while the machine is busy. A job that throws unexpectedly stays leased and is retried when its lease
 * runs out.
 */
export function startAnalysisRunner(
  deps: AnalysisRunnerDeps,
  concurrency: number,
  pollMs: number,
): AnalysisRunner {
  const running = new Set<Promise<void>>();
  let stopped = false;
  let claiming = false;
  let again = false;
  /** While the machine is busy, no job starts before this (epoch ms); a timer wakes us then. */
  let restingUntil = 0;
  let wake: NodeJS.Timeout | undefined;

  const fill = async () => {
    const resting = restingUntil - Date.now();
    if (resting > 0) {
      wake ??= setTimeout(() => {
        wake = undefined;
        void fill();
      }, resting);
      return;
    }
    if (claiming) {
      again = true;
      return;
    }
    claiming = true;
    try {
      do {
        again = false;
        const free = concurrency - running.size;
        if (stopped || free <= 0) break;
        const jobs = await deps.queue.claim(free, deps.clock.now());
        for (const job of jobs) {
          const task: Promise<void> = deps
            .run(job)
            .then((outcome) => deps.after(job, outcome))
            .catch(deps.onError)
            .finally(() => {
              running.delete(task);
              const rest = deps.restMs?.() ?? 0;
              if (rest > 0) restingUntil = Math.max(restingUntil, Date.now() + rest);
              if (!stopped) void fill();
            });
          running.add(task);
        }
        if (jobs.length === free) again = true;
      } while (again && !stopped);
    } catch (error) {
      deps.onError(error);
    } finally {
      claiming = false;
    }
  };

  const timer = setInterval(() => void fill(), pollMs);
  timer.unref();
  void fill();
  return {
    kick: () => void fill(),
    async stop() {
      stopped = true;
      clearInterval(timer);
      if (wake) clearTimeout(wake);
      while (claiming || running.size > 0) {
        await Promise.allSettled([...running]);
        if (claiming) await new Promise((r) => setTimeout(r, 10));
      }
    },
  };
}
