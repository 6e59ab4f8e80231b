import type { Clock } from '../ports/clock.port.js';
import {
  type Job,
  type JobQueue,
  PermanentJobError,
  RetryLaterError,
} from '../ports/job-queue.port.js';
import { retryDelayMs } from '../services/notifications/backoff.js';
import type {
  AttemptResult,
  LeasedDelivery,
  NotificationOutbox,
} from '../services/notifications/outbox.js';

/** How deliveries are retried. */
export interface DeliveryRetries {
  /** Delay before the first retry; then ×4 with jitter (services/notifications/backoff.ts). */
  retryBaseMs: number;
  /** Attempts before a delivery is given up (its job dead-lettered). */
  maxAttempts: number;
}

/** The job of delivery `id`: one per row, so adding it again is a no-op while it exists. */
const keyOf = (id: number) => `delivery-${id}`;

/**
 * Add the jobs that send newly queued deliveries. Called by any process right after the rows
 * are committed; a failure here loses nothing (the worker's sweep adds overdue rows again).
 */
export async function dispatchDeliveries(
  queue: JobQueue,
  ids: readonly number[],
  retries: DeliveryRetries,
): Promise<void> {
  for (const id of ids) {
    await queue.add(
      'notification.delivery',
      { deliveryId: id },
      { key: keyOf(id), maxAttempts: retries.maxAttempts, backoffMs: retries.retryBaseMs },
    );
  }
}

/** What the delivery worker needs. */
export interface DeliveryWorkerDeps {
  queue: JobQueue;
  outbox: NotificationOutbox;
  clock: Clock;
  retries: DeliveryRetries;
  attempt(delivery: LeasedDelivery): Promise<AttemptResult>;
  /** Told of each delivery sent (for metrics). */
  onDelivered?(delivery: LeasedDelivery): void;
  /** Told of each delivery given up (for the log: ids only, never URLs or secrets). */
  onGiveUp?(delivery: LeasedDelivery, result: AttemptResult): void;
  onError(error: unknown): void;
}

/** Deliveries attempted at once by one process (each may wait up to the webhook timeout). */
const CONCURRENCY = 10;
/** A row due this long without being sent is dispatched again by the sweep. */
const OVERDUE_GRACE_MS = 30_000;
const SWEEP_LIMIT = 500;

/**
 * Sends deliveries in the process that runs the background jobs: works the
 * `notification.delivery` jobs (one attempt per run; a failure is retried by the queue on the
 * delivery schedule, the last one or a permanent one is given up and dead-lettered) and sweeps
 * every `sweepMs` for rows whose job was lost.
 */
export function startDeliveryWorker(
  deps: DeliveryWorkerDeps,
  sweepMs: number,
): { stop(): Promise<void> } {
  const worker = deps.queue.work('notification.delivery', (job) => deliver(deps, job), {
    concurrency: CONCURRENCY,
  });
  let sweeping: Promise<void> | undefined;
  const sweep = () => {
    sweeping ??= deps.outbox
      .overdue(deps.clock.now(), OVERDUE_GRACE_MS, SWEEP_LIMIT)
      .then((ids) => dispatchDeliveries(deps.queue, ids, deps.retries))
      .catch(deps.onError)
      .finally(() => {
        sweeping = undefined;
      });
  };
  const timer = setInterval(sweep, sweepMs);
  timer.unref();
  sweep();
  return {
    async stop() {
      clearInterval(timer);
      await sweeping;
      await worker.stop();
    },
  };
}

/** One attempt at one delivery: the job's outcome mirrors the row's. */
async function deliver(deps: DeliveryWorkerDeps, job: Job<'notification.delivery'>) {
  const delivery = await deps.outbox.begin(job.payload.deliveryId);
  if (!delivery) return; // delivered already, or deleted with its webhook
  const result = await deps.attempt(delivery);
  const final = job.attempt >= job.maxAttempts;
  const retryInMs = retryDelayMs(job.attempt, deps.retries.retryBaseMs);
  const status = await deps.outbox.record(delivery, result, deps.clock.now(), {
    final,
    retryInMs,
  });
  if (result.ok) {
    deps.onDelivered?.(delivery);
    return;
  }
  const error = result.error ?? 'failed';
  if (status === 'failed') deps.onGiveUp?.(delivery, result);
  if (result.permanent) throw new PermanentJobError(error);
  if (final) throw new Error(error);
  throw new RetryLaterError(error, retryInMs);
}
