import { describe, expect, it } from 'vitest';
import { systemClock } from '../ports/clock.port.js';
import type { AnalysisQueue, LeasedJob } from '../services/detection/analysis-queue.js';
import { startAnalysisRunner } from './analysis-runner.js';

/** A queue of `n` jobs handed out as claimed. */
function queueOf(n: number) {
  const jobs: LeasedJob[] = Array.from({ length: n }, (_, i) => ({
    id: i + 1,
    sessionId: 's',
    snapshotId: `snap-${i}`,
    reason: 'sample',
    attempts: 0,
  }));
  return { claim: async (limit: number) => jobs.splice(0, limit) } as unknown as AnalysisQueue;
}

const until = async (done: () => boolean, ms = 5000) => {
  const deadline = Date.now() + ms;
  while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
};

describe('analysis runner', () => {
  it('works the queue without resting while the machine has CPU to spare', async () => {
    const ran: number[] = [];
    const runner = startAnalysisRunner(
      {
        queue: queueOf(5),
        clock: systemClock,
        run: async (job) => (ran.push(job.id), 'analysed'),
        after: async () => undefined,
        onError: (e) => {
          throw e;
        },
        restMs: () => 0,
      },
      1,
      60_000,
    );
    await until(() => ran.length === 5);
    expect(ran).toEqual([1, 2, 3, 4, 5]);
    await runner.stop();
  });

  it('rests between jobs while told to, then goes on', async () => {
    const ran: number[] = [];
    let rest = 300;
    const runner = startAnalysisRunner(
      {
        queue: queueOf(3),
        clock: systemClock,
        run: async (job) => (ran.push(job.id), 'analysed'),
        after: async () => undefined,
        onError: (e) => {
          throw e;
        },
        restMs: () => rest,
      },
      1,
      60_000,
    );
    await until(() => ran.length >= 1);
    // Resting: nothing else starts for now, however often it is kicked.
    runner.kick();
    await new Promise((r) => setTimeout(r, 50));
    expect(ran).toEqual([1]);
    rest = 0;
    await until(() => ran.length === 3);
    expect(ran).toEqual([1, 2, 3]);
    await runner.stop();
  });
});
