/** Time source; tests substitute a controllable clock so window and deadline rules can be tested. */
export interface Clock {
  now(): Date;
}

/** The real clock. */
export const systemClock: Clock = { now: () => new Date() };
