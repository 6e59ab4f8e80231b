import type { Clock } from '../ports/clock.port.js';
import type { RateCounter, RateHit } from '../ports/rate-counter.port.js';

/** Keys kept before idle ones are dropped, so the map cannot grow without end. */
const MAX_KEYS = 10_000;

/**
 * Rate counters in this process's memory, on the server's clock: the default of one process
 * (and of several without Redis, where a limit then applies per process).
 */
export class MemoryRateCounter implements RateCounter {
  private readonly windows = new Map<string, { start: number; end: number; count: number }>();

  constructor(private readonly clock: Clock) {}

  async hit(key: string, windowMs: number): Promise<RateHit> {
    const now = this.clock.now().getTime();
    let w = this.windows.get(key);
    if (!w || now >= w.end) {
      if (!w && this.windows.size >= MAX_KEYS) this.forgetEnded(now);
      w = { start: now, end: now + windowMs, count: 0 };
      this.windows.set(key, w);
    }
    w.count += 1;
    return { count: w.count, resetInMs: w.end - now };
  }

  private forgetEnded(now: number): void {
    for (const [key, w] of this.windows) if (now >= w.end) this.windows.delete(key);
  }
}
