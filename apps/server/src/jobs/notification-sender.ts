import type { Clock } from '../ports/clock.port.js';
import type {
  AttemptResult,
  LeasedDelivery,
  NotificationOutbox,
} from '../services/notifications/outbox.js';

/** A running sender. */
export interface NotificationSender {
  /** Look for due deliveries now (called after new ones were queued). */
  kick(): void;
  /** Stop and wait for the attempts in flight, so the database can close safely. */
  stop(): Promise<void>;
}

/** What the sender needs: the outbox, how to attempt one delivery, a clock. */
export interface NotificationSenderDeps {
  outbox: NotificationOutbox;
  clock: Clock;
  attempt(delivery: LeasedDelivery): Promise<AttemptResult>;
  /** Told of each delivery given up (for the log: ids only, never URLs or secrets). */
  onGiveUp?(delivery: LeasedDelivery, result: AttemptResult): void;
  onError(error: unknown): void;
}

/** Deliveries leased per round; each round's attempts run concurrently. */
const BATCH = 10;

/**
 * Sends the outbox: polls every `pollMs` (retries fall due with time) and at once when
 * kicked. One round at a time per process: lease a batch, attempt each concurrently,
 * record each outcome, and go again while batches come back full or a kick arrived. An
 * attempt that crashes stays leased and is taken over when its lease runs out.
 */
export function startNotificationSender(
  deps: NotificationSenderDeps,
  pollMs: number,
): NotificationSender {
  let stopped = false;
  let round: Promise<void> | null = null;
  let again = false;

  const one = async (delivery: LeasedDelivery) => {
    const result = await deps.attempt(delivery);
    const status = await deps.outbox.record(delivery, result, deps.clock.now());
    if (status === 'failed') deps.onGiveUp?.(delivery, result);
  };

  const drain = async () => {
    do {
      again = false;
      const batch = await deps.outbox.claim(BATCH, deps.clock.now());
      const outcomes = await Promise.allSettled(batch.map(one));
      for (const o of outcomes) if (o.status === 'rejected') deps.onError(o.reason);
      if (batch.length === BATCH) again = true;
    } while (again && !stopped);
  };

  const wake = () => {
    if (stopped) return;
    if (round) {
      again = true;
      return;
    }
    round = drain()
      .catch(deps.onError)
      .finally(() => {
        round = null;
        // A kick that came after the last claim must not wait for the next poll.
        if (again) wake();
      });
  };

  const timer = setInterval(wake, pollMs);
  timer.unref();
  wake();
  return {
    kick: wake,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await round;
    },
  };
}
