import { AppError } from '../../errors.js';
import type { RateCounter } from '../../ports/rate-counter.port.js';

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
 * A per-user limit in fixed windows, counted in the deployment's RateCounter (Redis when
 * configured, so several processes share one limit; else this process's memory). Separate
 * from the general write limit, which is sized for uploads and would let a chat flood pass.
 * Used for chat and for raised hands, each under its own key prefix.
 */
export class ChatRateLimiter {
  constructor(
    private readonly counter: RateCounter,
    private readonly limit: ChatRateLimit = DEFAULT_CHAT_RATE_LIMIT,
    private readonly refusal: RateLimitRefusal = CHAT_REFUSAL,
  ) {}

  /**
   * Count one action by `userId`, or refuse with 429 (the refusal's code; `retry-after` in
   * seconds) when the user's window is used up.
   */
  async take(userId: string): Promise<void> {
    const hit = await this.counter.hit(`${this.refusal.code}:${userId}`, this.limit.windowMs);
    if (hit.count <= this.limit.max) return;
    const retryAfter = Math.max(1, Math.ceil(hit.resetInMs / 1000));
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
}
