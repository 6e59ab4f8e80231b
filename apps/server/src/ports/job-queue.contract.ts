import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Job, JobQueue, JobType } from './job-queue.port.js';
import { PermanentJobError, RetryLaterError } from './job-queue.port.js';

/** Two handles on one queue (two processes' worth), one of which can crash. */
export interface JobQueueFixture {
  /** Adds jobs and works them in most cases. */
  queue: JobQueue;
  /** Another handle on the same queue; `crash` drops it as a killed process would. */
  other(): Promise<{ queue: JobQueue; crash(): void }>;
  /** The lease after which a crashed worker's job is taken over (the fixture sets it short). */
  leaseMs: number;
  cleanup(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Wait until `check` holds, polling; fails after `ms`. */
async function until(check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await sleep(25);
  }
}

let unique = 0;
/** A session id no other test uses, so each test's jobs are told apart by payload. */
const sessionId = () => `00000000-0000-4000-8000-${String((unique += 1)).padStart(12, '0')}`;

/**
 * The behaviour every JobQueue adapter must have. Each adapter's test calls this once with a
 * factory of a fresh, empty queue and a short lease. Every test uses its own job type's
 * payloads and stops its workers, so one queue serves the whole suite.
 */
export function jobQueueContract(name: string, factory: () => Promise<JobQueueFixture>): void {
  describe(`JobQueue contract: ${name}`, () => {
    let f: JobQueueFixture;
    const stops: (() => Promise<void>)[] = [];
    beforeAll(async () => {
      f = await factory();
    });
    afterEach(async () => {
      await Promise.all(stops.splice(0).map((s) => s()));
    });
    afterAll(async () => f?.cleanup());

    /** Start a worker that is stopped after the test. */
    function work<T extends JobType>(
      q: JobQueue,
      type: T,
      handler: (job: Job<T>) => Promise<void>,
      concurrency = 1,
    ) {
      const w = q.work(type, handler, { concurrency });
      stops.push(() => w.stop());
      return w;
    }

    it('runs an added job once with its payload, then forgets it', async () => {
      const id = sessionId();
      const seen: Job<'recording.check'>[] = [];
      const added = await f.queue.add('recording.check', { sessionId: id });
      expect(added).toMatchObject({ added: true, id: expect.any(String) });
      work(f.queue, 'recording.check', async (job) => void seen.push(job));
      await until(() => seen.length === 1);
      expect(seen[0]).toMatchObject({
        id: added.id,
        type: 'recording.check',
        payload: { sessionId: id },
        attempt: 1,
      });
      await until(async () => (await f.queue.counts('recording.check')).running === 0);
      await sleep(100);
      expect(seen).toHaveLength(1);
      expect(await f.queue.counts('recording.check')).toMatchObject({
        waiting: 0,
        running: 0,
        delayed: 0,
      });
    });

    it('adds a keyed job once while it waits, and again after it completed', async () => {
      const id = sessionId();
      const first = await f.queue.add('recording.check', { sessionId: id }, { key: id });
      const again = await f.queue.add('recording.check', { sessionId: id }, { key: id });
      expect(first.added).toBe(true);
      expect(again).toEqual({ id: first.id, added: false });
      expect((await f.queue.counts('recording.check')).waiting).toBe(1);
      const seen: string[] = [];
      work(f.queue, 'recording.check', async (job) => void seen.push(job.payload.sessionId));
      await until(() => seen.length === 1);
      await until(async () => (await f.queue.counts('recording.check')).running === 0);
      const later = await f.queue.add('recording.check', { sessionId: id }, { key: id });
      expect(later.added).toBe(true);
      await until(() => seen.length === 2);
    });

    it('retries a failing job with backoff and sees each attempt', async () => {
      const attempts: number[] = [];
      const times: number[] = [];
      await f.queue.add(
        'identity.enrolment',
        { sessionId: sessionId(), snapshotId: 'x' },
        { maxAttempts: 4, backoffMs: 100 },
      );
      work(f.queue, 'identity.enrolment', async (job) => {
        attempts.push(job.attempt);
        times.push(Date.now());
        if (job.attempt < 3) throw new Error(`try ${job.attempt} fails`);
      });
      await until(() => attempts.length === 3);
      expect(attempts).toEqual([1, 2, 3]);
      // Backoff: at least 100 ms before the second attempt and 200 ms before the third.
      expect((times[1] as number) - (times[0] as number)).toBeGreaterThanOrEqual(90);
      expect((times[2] as number) - (times[1] as number)).toBeGreaterThanOrEqual(190);
      await sleep(300);
      expect(attempts).toHaveLength(3);
      expect((await f.queue.counts('identity.enrolment')).dead).toBe(0);
    });

    it('retries when the handler says (RetryLaterError), whatever the backoff', async () => {
      const times: number[] = [];
      await f.queue.add(
        'identity.enrolment',
        { sessionId: sessionId(), snapshotId: 'z' },
        { maxAttempts: 2, backoffMs: 1 },
      );
      work(f.queue, 'identity.enrolment', async () => {
        times.push(Date.now());
        if (times.length === 1) throw new RetryLaterError('the receiver said later', 400);
      });
      await until(() => times.length === 2);
      expect((times[1] as number) - (times[0] as number)).toBeGreaterThanOrEqual(390);
    });

    it('dead-letters a job out of attempts, lists it, and retries it on request', async () => {
      const id = sessionId();
      let fail = true;
      const runs: number[] = [];
      await f.queue.add(
        'notification.delivery',
        { deliveryId: 7 },
        { maxAttempts: 2, backoffMs: 20, key: id },
      );
      work(f.queue, 'notification.delivery', async (job) => {
        runs.push(job.attempt);
        if (fail) throw new Error('the receiver said 500');
      });
      await until(async () => (await f.queue.counts('notification.delivery')).dead === 1);
      expect(runs).toEqual([1, 2]);
      const [dead] = await f.queue.deadLetters('notification.delivery');
      expect(dead).toMatchObject({
        type: 'notification.delivery',
        key: id,
        payload: { deliveryId: 7 },
        attempts: 2,
        error: expect.stringContaining('the receiver said 500'),
      });
      // While dead, the key is taken: adding it again is a no-op.
      expect(
        (await f.queue.add('notification.delivery', { deliveryId: 7 }, { key: id })).added,
      ).toBe(false);
      fail = false;
      expect(await f.queue.retryDead(dead?.id ?? '')).toBe(true);
      await until(() => runs.length === 3);
      expect(runs[2]).toBe(1);
      await until(async () => (await f.queue.counts('notification.delivery')).dead === 0);
      expect(await f.queue.deadLetters('notification.delivery')).toEqual([]);
      expect(await f.queue.retryDead(dead?.id ?? '')).toBe(false);
      expect(await f.queue.retryDead('no-such-job')).toBe(false);
    });

    it('dead-letters a permanent failure at once', async () => {
      const runs: number[] = [];
      await f.queue.add('notification.delivery', { deliveryId: 8 }, { maxAttempts: 5 });
      work(f.queue, 'notification.delivery', async (job) => {
        runs.push(job.attempt);
        throw new PermanentJobError('the webhook was deleted');
      });
      await until(async () => (await f.queue.counts('notification.delivery')).dead === 1);
      expect(runs).toEqual([1]);
      const [dead] = await f.queue.deadLetters('notification.delivery');
      expect(dead?.error).toContain('the webhook was deleted');
      expect(await f.queue.retryDead(dead?.id ?? '')).toBe(true);
      // It fails permanently again; clean the list for the next test.
      await until(async () => (await f.queue.counts('notification.delivery')).dead === 1);
    });

    it('holds a delayed job until it is due, and runs lower priorities first', async () => {
      const id = sessionId();
      const ran: string[] = [];
      const addedAt = Date.now();
      let ranAt = 0;
      await f.queue.add('recording.check', { sessionId: `${id}-late` }, { delayMs: 400 });
      expect((await f.queue.counts('recording.check')).delayed).toBe(1);
      await f.queue.add('recording.check', { sessionId: `${id}-low` }, { priority: 10 });
      await f.queue.add('recording.check', { sessionId: `${id}-high` }, { priority: 1 });
      await f.queue.add('recording.check', { sessionId: `${id}-top` });
      expect((await f.queue.counts('recording.check')).waiting).toBe(3);
      work(f.queue, 'recording.check', async (job) => {
        ran.push(job.payload.sessionId.slice(id.length + 1));
        if (job.payload.sessionId.endsWith('late')) ranAt = Date.now();
      });
      await until(() => ran.length === 4);
      expect(ran).toEqual(['top', 'high', 'low', 'late']);
      expect(ranAt - addedAt).toBeGreaterThanOrEqual(390);
    });

    it('runs at most `concurrency` jobs at once per worker', async () => {
      let now = 0;
      let most = 0;
      let done = 0;
      for (let i = 0; i < 6; i += 1)
        await f.queue.add('recording.check', { sessionId: sessionId() });
      work(
        f.queue,
        'recording.check',
        async () => {
          now += 1;
          most = Math.max(most, now);
          await sleep(60);
          now -= 1;
          done += 1;
        },
        2,
      );
      await until(() => done === 6);
      expect(most).toBe(2);
    });

    it('reports how long the oldest due job has waited', async () => {
      await f.queue.add('identity.enrolment', { sessionId: sessionId(), snapshotId: 'y' });
      await sleep(150);
      const counts = await f.queue.counts('identity.enrolment');
      expect(counts.waiting).toBe(1);
      expect(counts.oldestWaitingMs).toBeGreaterThanOrEqual(100);
      const ran: number[] = [];
      work(f.queue, 'identity.enrolment', async (job) => void ran.push(job.attempt));
      await until(() => ran.length === 1);
      await until(async () => (await f.queue.counts('identity.enrolment')).running === 0);
      expect((await f.queue.counts('identity.enrolment')).oldestWaitingMs).toBe(0);
    });

    it('a job whose worker crashed mid-way runs again elsewhere and finishes once', async () => {
      const id = sessionId();
      const crashing = await f.other();
      let started = 0;
      crashing.queue.work('recording.check', async () => {
        started += 1;
        await new Promise(() => {}); // hangs until the process dies
      });
      await f.queue.add('recording.check', { sessionId: id }, { key: id });
      await until(() => started === 1);
      crashing.crash();
      const finished: number[] = [];
      work(f.queue, 'recording.check', async (job) => void finished.push(job.attempt));
      await until(() => finished.length === 1, f.leaseMs * 6 + 10_000);
      await until(async () => (await f.queue.counts('recording.check')).running === 0);
      await sleep(f.leaseMs);
      expect(finished).toHaveLength(1);
      expect((await f.queue.counts('recording.check')).dead).toBe(0);
      // The key is free again: the crashed run did not leave the job behind.
      expect((await f.queue.add('recording.check', { sessionId: id }, { key: id })).added).toBe(
        true,
      );
      await until(() => finished.length === 2);
    });

    it('refuses options it cannot honour', async () => {
      await expect(
        f.queue.add('recording.check', { sessionId: sessionId() }, { priority: -1 }),
      ).rejects.toThrow(RangeError);
      await expect(
        f.queue.add('recording.check', { sessionId: sessionId() }, { maxAttempts: 0 }),
      ).rejects.toThrow(RangeError);
      await expect(
        f.queue.add('recording.check', { sessionId: sessionId() }, { key: '' }),
      ).rejects.toThrow(RangeError);
    });
  });
}
