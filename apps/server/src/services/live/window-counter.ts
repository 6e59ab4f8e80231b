/**
 * Counts events in fixed windows: `take()` is true while fewer than `max` happened in the
 * current window of `windowMs`. One per socket, so memory goes with the socket.
 */
export class WindowCounter {
  private windowStart = 0;
  private count = 0;

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
  ) {}

  /** Count one event at `nowMs`; false once the window's allowance is used up. */
  take(nowMs: number): boolean {
    if (nowMs - this.windowStart >= this.windowMs) {
      this.windowStart = nowMs;
      this.count = 0;
    }
    this.count += 1;
    return this.count <= this.max;
  }

  /** How long until the current window ends and the allowance is back (0: already back). */
  msUntilReset(nowMs: number): number {
    return Math.max(0, this.windowStart + this.windowMs - nowMs);
  }
}
