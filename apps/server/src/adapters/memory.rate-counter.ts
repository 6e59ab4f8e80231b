import type { Clock } from '../ports/clock.port.js';
import type { RateCounter, RateHit } from '../ports/rate-counter.port.js';
import { WindowCounter } from '../services/live/window-counter.js';

/** Keys kept before idle ones are dropped, so the map cannot grow without end. */
const MAX_KEYS = 10_000;

/**
 * Rate counters in this process's memory, on the server's clock: the default of one process
 * (and of several without Redis, where a limit then applies per process). Each key counts
 * with a WindowCounter, so fixed-window counting is written once.
 */
export class MemoryRateCounter implements RateCounter {
  private readonly windows = new Map<string, WindowCounter>();

  constructor(private readonly clock: Clock) {}

  async hit(key: string, windowMs: number): Promise<RateHit> {
    const now = this.clock.now().getTime();
    let w = this.windows.get(key);
    if (!w) {
      if (this.windows.size >= MAX_KEYS) this.forgetEnded(now);
      // No limit of its own (callers compare the count); its first window starts with this hit.
      w = new WindowCounter(Infinity, windowMs, now);
      this.windows.set(key, w);
    }
    return w.hit(now, windowMs);
  }

  private forgetEnded(now: number): void {
    for (const [key, w] of this.windows) if (w.ended(now)) this.windows.delete(key);
  }
}
