import type { Clock } from '../ports/clock.port.js';
import type { AnalysisQueue, LeasedJob } from '../services/analysis-queue.js';
import type { AnalysisOutcome } from '../services/snapshot-analysis.service.js';

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
}

/**
 * Works the analysis queue with up to `concurrency` jobs at once (the detector pool's
 * size, so the pool never builds a backlog of its own): polls every `pollMs` and at once
 * when kicked. A job that throws unexpectedly stays leased and is retried when its lease
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

  const fill = async () => {
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
      while (claiming || running.size > 0) {
        await Promise.allSettled([...running]);
        if (claiming) await new Promise((r) => setTimeout(r, 10));
      }
    },
  };
}
