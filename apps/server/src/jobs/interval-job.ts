/** A job repeated on a timer. */
export interface IntervalJob {
  /** Stop the timer and wait for a run in flight, so the database can close safely. */
  stop(): Promise<void>;
}

/**
 * Run `work` every `intervalMs`. Runs never overlap (a tick while one is in flight is
 * skipped); a failed run is reported to `onError` and tried again at the next tick. The
 * timer does not keep the process alive.
 */
export function startIntervalJob(
  work: () => Promise<unknown>,
  intervalMs: number,
  onError: (error: unknown) => void,
): IntervalJob {
  let running: Promise<void> | null = null;
  const tick = () => {
    if (running) return;
    running = work()
      .then(() => undefined, onError)
      .finally(() => {
        running = null;
      });
  };
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
