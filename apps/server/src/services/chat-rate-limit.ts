import { AppError } from '../errors.js';
import type { Clock } from '../ports/clock.port.js';
import { WindowCounter } from './window-counter.js';

/** How many chat messages and announcements (or hand raises) one user may send per window. */
export interface ChatRateLimit {
  max: number;
  windowMs: number;
}

/** Default: ten messages per 30 s, plenty for typing, too few to flood a proctor's screen. */
export const DEFAULT_CHAT_RATE_LIMIT: ChatRateLimit = { max: 10, windowMs: 30_000 };

/** What a refusal says: its stable code, and what the user was doing too often. */
export interface RateLimitRefusal {
  code: 'CHAT_RATE_LIMITED' | 'HAND_RATE_LIMITED';
  /** Completes "You are … too quickly". */
  doing: string;
}

const CHAT_REFUSAL: RateLimitRefusal = { code: 'CHAT_RATE_LIMITED', doing: 'sending messages' };

/**
 * A per-user limit in fixed windows (one `WindowCounter` per user, the same counting the live
 * socket's signalling limit uses), in this process's memory: behind several processes it
 * applies per process, like the write limit. Separate from the general write limit, which is
 * sized for uploads and would let a chat flood pass. Used for chat and for raised hands.
 */
export class ChatRateLimiter {
  private readonly counters = new Map<string, WindowCounter>();

  constructor(
    private readonly clock: Clock,
    private readonly limit: ChatRateLimit = DEFAULT_CHAT_RATE_LIMIT,
    private readonly refusal: RateLimitRefusal = CHAT_REFUSAL,
  ) {}

  /**
   * Count one action by `userId`, or refuse with 429 (the refusal's code; `retry-after` in
   * seconds) when the user's window is used up.
   */
  take(userId: string): void {
    const now = this.clock.now().getTime();
    let counter = this.counters.get(userId);
    if (!counter) {
      if (this.counters.size >= 10_000) this.forgetIdle(now);
      counter = new WindowCounter(this.limit.max, this.limit.windowMs);
      this.counters.set(userId, counter);
    }
    if (counter.take(now)) return;
    const retryAfter = Math.max(1, Math.ceil(counter.msUntilReset(now) / 1000));
    throw new AppError(
      429,
      this.refusal.code,
      `You are ${this.refusal.doing} too quickly; wait ${retryAfter} s and try again`,
      {
        limit: this.limit.max,
        windowSeconds: Math.round(this.limit.windowMs / 1000),
        retryAfterSeconds: retryAfter,
      },
      { 'retry-after': String(retryAfter) },
    );
  }

  /** Drop users whose window has ended, so the map does not grow without end. */
  private forgetIdle(now: number): void {
    for (const [user, counter] of this.counters) {
      if (counter.msUntilReset(now) === 0) this.counters.delete(user);
    }
  }
}
