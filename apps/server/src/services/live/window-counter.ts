import type { RateHit } from '../../ports/rate-counter.port.js';

/**
 * Counts events in fixed windows: `take()` is true while fewer than `max` happened in the
 * current window of `windowMs`. One per socket, so memory goes with the socket. The one place
 * fixed-window counting is done: MemoryRateCounter keeps one of these per key.
 */
export class WindowCounter {
  private windowStart: number;
  private windowLength: number;
  private count = 0;

  /**
   * `startMs`: when the first window began. The default 0 means the first event (at any real
   * time) opens a fresh window; a counter made for an event about to be counted passes its time.
   */
  constructor(
    private readonly max: number,
    private readonly windowMs: number,
    startMs = 0,
  ) {
    this.windowStart = startMs;
    this.windowLength = windowMs;
  }

  /**
   * Count one event at `nowMs`: how many the current window now holds and how long until it
   * ends. A window that is over gives way to one starting now of `windowMs` (default the
   * constructor's; a RateCounter is told the length with each hit).
   */
  hit(nowMs: number, windowMs = this.windowMs): RateHit {
    if (this.ended(nowMs)) {
      this.windowStart = nowMs;
      this.windowLength = windowMs;
      this.count = 0;
    }
    this.count += 1;
    return { count: this.count, resetInMs: this.windowStart + this.windowLength - nowMs };
  }

  /** Count one event at `nowMs`; false once the window's allowance is used up. */
  take(nowMs: number): boolean {
    return this.hit(nowMs).count <= this.max;
  }

  /** How long until the current window ends and the allowance is back (0: already back). */
  msUntilReset(nowMs: number): number {
    return Math.max(0, this.windowStart + this.windowLength - nowMs);
  }

  /** Whether the current window is over at `nowMs`, so the next event starts a new one. */
  ended(nowMs: number): boolean {
    return nowMs - this.windowStart >= this.windowLength;
  }
}
