const MINUTE = 60_000;

/** What an attempt's deadline depends on. */
export interface DeadlineInputs {
  startedAt: Date;
  durationMinutes: number;
  /** Accommodation of the student's registration. */
  extraTimeMinutes: number;
  closesAt: Date;
  /** Time the proctor kept the attempt paused, in total. */
  pausedMs: number;
  /** Minutes staff added to this attempt alone ("extend time"). */
  extendedMinutes: number;
}

/**
 * When an attempt must end: start + duration + extra time, capped at the exam's close, then
 * pushed out by the time spent paused and by staff extensions. Both may go beyond the close
 * on purpose: the proctor stopped the clock or chose to give time, so the student keeps it.
 */
export function computeDeadline(d: DeadlineInputs): Date {
  const worked = d.startedAt.getTime() + (d.durationMinutes + d.extraTimeMinutes) * MINUTE;
  return new Date(Math.min(worked, d.closesAt.getTime()) + d.pausedMs + d.extendedMinutes * MINUTE);
}

/**
 * The time an attempt had left when it ended at `endedAt` (0 when none): a terminated attempt
 * that staff reopen gets exactly this back. While paused the clock was stopped, so a pause
 * running at the end does not count against it.
 */
export function remainingAt(s: ClockState, endedAt: Date): number {
  const deadline = effectiveDeadline(s, endedAt);
  return deadline === null ? 0 : Math.max(0, deadline.getTime() - endedAt.getTime());
}

/** Where the clock of an attempt stands. */
export interface ClockState {
  deadlineAt: Date | null;
  pausedAt: Date | null;
}

/** True when the time had already run out at the moment the attempt was paused. */
export function pausedAfterTimeUp(s: ClockState): boolean {
  return s.deadlineAt !== null && s.pausedAt !== null && s.pausedAt >= s.deadlineAt;
}

/**
 * The deadline as it stands at `now`. While paused the clock is stopped, so the deadline
 * moves with the pause (unless time was already up when the pause began).
 */
export function effectiveDeadline(s: ClockState, now: Date): Date | null {
  if (!s.deadlineAt) return null;
  if (!s.pausedAt || pausedAfterTimeUp(s)) return s.deadlineAt;
  return new Date(s.deadlineAt.getTime() + Math.max(0, now.getTime() - s.pausedAt.getTime()));
}

/** True when no time is left at `now`. Attempts without a deadline never run out. */
export function isTimeUp(s: ClockState, now: Date): boolean {
  const deadline = effectiveDeadline(s, now);
  return deadline !== null && now >= deadline;
}

/** The clock after resuming at `now`: the pause is added to the total and to the deadline. */
export function resumeClock(
  s: { deadlineAt: Date | null; pausedAt: Date; pausedMs: number },
  now: Date,
): { deadlineAt: Date | null; pausedMs: number } {
  const paused = Math.max(0, now.getTime() - s.pausedAt.getTime());
  return {
    deadlineAt: s.deadlineAt ? new Date(s.deadlineAt.getTime() + paused) : null,
    pausedMs: s.pausedMs + paused,
  };
}
