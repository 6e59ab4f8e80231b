import { describe, expect, it } from 'vitest';
import {
  PermanentJobError,
  type Job,
  type JobQueue,
  type JobType,
} from '../ports/job-queue.port.js';
import type { AnalysisQueue, LeasedJob } from '../services/detection/analysis-queue.js';
import type { AnalysisResult } from '../services/detection/snapshot-analysis.service.js';
import { startAnalysisWorker, type AnalysisWorkerDeps } from './analysis-worker.js';

/** A job queue whose handlers the test calls itself. */
function handQueue() {
  const handlers = new Map<JobType, (job: Job) => Promise<void>>();
  const queue = {
    work: (type: JobType, handler: (job: Job) => Promise<void>) => {
      handlers.set(type, handler);
      return { stop: async () => undefined };
    },
  } as unknown as JobQueue;
  const run = (type: JobType, payload: unknown, attempt = 1, maxAttempts = 5) => {
    const handler = handlers.get(type);
    if (!handler) throw new Error(`no worker for ${type}`);
    return handler({ id: '1', type, payload, attempt, maxAttempts } as Job);
  };
  return { queue, run };
}

const leased = (id: number): LeasedJob => ({
  id,
  sessionId: 's',
  snapshotId: `snap-${id}`,
  reason: 'sample',
  attempts: 1,
});

function worker(
  result: (job: LeasedJob) => Promise<AnalysisResult>,
  over: Partial<AnalysisWorkerDeps> = {},
  concurrency = 2,
) {
  const { queue, run } = handQueue();
  const calls: { id: number; lastAttempt: boolean }[] = [];
  const after: AnalysisResult[] = [];
  const analyses = {
    begin: async (ref: { analysisJobId?: number; snapshotId?: string }) =>
      ref.analysisJobId === 404 ? undefined : leased(ref.analysisJobId ?? 7),
    redispatch: async () => 0,
  } as unknown as AnalysisQueue;
  const w = startAnalysisWorker(
    {
      jobs: queue,
      analyses,
      clock: { now: () => new Date() },
      run: async (job, lastAttempt) => {
        calls.push({ id: job.id, lastAttempt });
        return result(job);
      },
      after: async (_job, r) => void after.push(r),
      onError: (e) => {
        throw e;
      },
      ...over,
    },
    concurrency,
    60_000,
  );
  return { run, calls, after, stop: () => w.stop() };
}

describe('startAnalysisWorker', () => {
  it('does nothing for an analysis already done or shed', async () => {
    const w = worker(async () => ({ outcome: 'analysed' }));
    await w.run('analysis.snapshot', { analysisJobId: 404 });
    expect(w.calls).toEqual([]);
    await w.stop();
  });

  it('completes the job when analysed, and on the last attempt says so', async () => {
    const w = worker(async () => ({ outcome: 'analysed' }));
    await w.run('analysis.snapshot', { analysisJobId: 1 });
    await w.run('analysis.snapshot', { analysisJobId: 2 }, 5, 5);
    await w.run('identity.enrolment', { sessionId: 's', snapshotId: 'x' });
    expect(w.calls).toEqual([
      { id: 1, lastAttempt: false },
      { id: 2, lastAttempt: true },
      { id: 7, lastAttempt: false },
    ]);
    expect(w.after).toHaveLength(3);
    await w.stop();
  });

  it('hands a failed attempt back to the queue, and dead-letters only what kept failing', async () => {
    const retry = worker(async () => ({ outcome: 'retry', error: 'worker crashed' }));
    await expect(retry.run('analysis.snapshot', { analysisJobId: 1 })).rejects.toThrow(
      'worker crashed',
    );
    const dead = worker(async () => ({ outcome: 'failed', error: 'boom', deadLetter: true }));
    await expect(dead.run('analysis.snapshot', { analysisJobId: 1 }, 5)).rejects.toBeInstanceOf(
      PermanentJobError,
    );
    // An unreadable image is given up at once: evidence (its flag), not a dead letter.
    const unreadable = worker(async () => ({ outcome: 'failed', error: 'not an image' }));
    await expect(unreadable.run('analysis.snapshot', { analysisJobId: 1 })).resolves.toBe(
      undefined,
    );
    expect(unreadable.after).toEqual([{ outcome: 'failed', error: 'not an image' }]);
    await Promise.all([retry.stop(), dead.stop(), unreadable.stop()]);
  });

  it('shares its slots between snapshots and identity photos', async () => {
    let running = 0;
    let most = 0;
    const release: (() => void)[] = [];
    const w = worker(
      async () => {
        running += 1;
        most = Math.max(most, running);
        await new Promise<void>((r) => release.push(r));
        running -= 1;
        return { outcome: 'analysed' };
      },
      {},
      1,
    );
    const a = w.run('analysis.snapshot', { analysisJobId: 1 });
    const b = w.run('identity.enrolment', { sessionId: 's', snapshotId: 'x' });
    await new Promise((r) => setTimeout(r, 20));
    expect(w.calls).toHaveLength(1);
    release.shift()?.();
    await a;
    await new Promise((r) => setTimeout(r, 20));
    expect(w.calls).toHaveLength(2);
    release.shift()?.();
    await b;
    expect(most).toBe(1);
    await w.stop();
  });

  it('rests between runs while the machine is busy', async () => {
    let rest = 300;
    const w = worker(async () => ({ outcome: 'analysed' }), { restMs: () => rest }, 1);
    await w.run('analysis.snapshot', { analysisJobId: 1 });
    rest = 0;
    let started = false;
    const next = w.run('analysis.snapshot', { analysisJobId: 2 }).then(() => {
      started = true;
    });
    await new Promise((r) => setTimeout(r, 30));
    // Still resting: the second run has not begun.
    expect(started).toBe(false);
    expect(w.calls).toHaveLength(1);
    await next;
    expect(w.calls).toHaveLength(2);
    await w.stop();
  });
});
