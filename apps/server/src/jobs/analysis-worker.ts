import type { Clock } from '../ports/clock.port.js';
import {
  type Job,
  type JobQueue,
  type JobWorker,
  PermanentJobError,
} from '../ports/job-queue.port.js';
import type {
  AnalysisJobRef,
  AnalysisQueue,
  LeasedJob,
} from '../services/detection/analysis-queue.js';
import type { AnalysisResult } from '../services/detection/snapshot-analysis.service.js';
import { startIntervalJob } from './interval-job.js';

/** What the analysis worker needs. */
export interface AnalysisWorkerDeps {
  jobs: JobQueue;
  analyses: AnalysisQueue;
  clock: Clock;
  /** Run one begun analysis (SnapshotAnalysisService.run). */
  run(job: LeasedJob, lastAttempt: boolean): Promise<AnalysisResult>;
  /** Called after each run with its result (re-judge the session's flags). */
  after(job: LeasedJob, result: AnalysisResult): Promise<void>;
  onError(error: unknown): void;
  /**
   * How long to rest after a run before the next one starts (ms; AnalysisPace: 0 while the
   * machine has CPU to spare). Unset: never rests.
   */
  restMs?(): number;
}

/** An analysis waiting this long without a change is dispatched again by the sweep. */
const STRANDED_MS = 5 * 60_000;

/**
 * Works the analysis jobs of the job queue in the worker role: `analysis.snapshot` and
 * `identity.enrolment`, up to `concurrency` runs at once between them (the detector pool's
 * size, so the pool never builds a backlog of its own). A run
 * rests `restMs()` before starting while the machine is busy. A failed attempt is thrown back
 * to the queue, which retries it with backoff; the last one, given up, is dead-lettered. Every
 * `sweepMs` analyses whose job was lost are dispatched again.
 */
export function startAnalysisWorker(
  deps: AnalysisWorkerDeps,
  concurrency: number,
  sweepMs: number,
): { stop(): Promise<void> } {
  /** While the machine is busy, no run starts before this (epoch ms). */
  let restingUntil = 0;
  // Both job types share the detector's slots: identity photos never wait behind a backlog
  // of samples (that waits in the queue), at most behind the analyses running now.
  const slots = new Slots(Math.max(1, concurrency));
  const handle = async (ref: AnalysisJobRef, job: Job) => {
    await slots.take();
    try {
      const resting = restingUntil - Date.now();
      if (resting > 0) await new Promise((r) => setTimeout(r, resting));
      await runOne(ref, job);
    } finally {
      slots.give();
    }
  };
  const runOne = async (ref: AnalysisJobRef, job: Job) => {
    const leased = await deps.analyses.begin(ref, deps.clock.now());
    if (!leased) return; // done, shed, or its session deleted
    try {
      const result = await deps.run(leased, job.attempt >= job.maxAttempts);
      await deps.after(leased, result).catch(deps.onError);
      if (result.outcome === 'retry') throw new Error(result.error ?? 'analysis failed');
      if (result.outcome === 'failed' && result.deadLetter) {
        throw new PermanentJobError(result.error ?? 'analysis failed');
      }
    } finally {
      const rest = deps.restMs?.() ?? 0;
      if (rest > 0) restingUntil = Math.max(restingUntil, Date.now() + rest);
    }
  };
  const workers: JobWorker[] = [
    deps.jobs.work('analysis.snapshot', (job) => handle(job.payload, job), {
      concurrency: Math.max(1, concurrency),
    }),
    deps.jobs.work('identity.enrolment', (job) => handle(job.payload, job), {
      concurrency: Math.max(1, concurrency),
    }),
  ];
  const sweep = startIntervalJob(
    () => deps.analyses.redispatch(deps.clock.now(), STRANDED_MS),
    sweepMs,
    deps.onError,
  );
  return {
    async stop() {
      await sweep.stop();
      await Promise.all(workers.map((w) => w.stop()));
    },
  };
}

/** A counting semaphore: at most `size` holders, the rest wait in arrival order. */
class Slots {
  private free: number;
  private readonly waiting: (() => void)[] = [];

  constructor(size: number) {
    this.free = size;
  }

  async take(): Promise<void> {
    if (this.free > 0) {
      this.free -= 1;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  give(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free += 1;
  }
}
