import type { Redis } from 'ioredis';
import type { RateCounter, RateHit } from '../ports/rate-counter.port.js';

/** Count and start the window in one step, so two processes never both start it. */
const HIT = `local c = redis.call('INCR', KEYS[1])
local t = redis.call('PTTL', KEYS[1])
if t < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  t = tonumber(ARGV[1])
end
return {c, t}`;

/**
 * Rate counters in Redis (`REDIS_URL`), shared by every process of a deployment. Windows run
 * on Redis's clock (a key's expiry), not the server's.
 */
export class RedisRateCounter implements RateCounter {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'invigil:rate:',
  ) {}

  async hit(key: string, windowMs: number): Promise<RateHit> {
    const [count, ttl] = (await this.redis.eval(HIT, 1, this.prefix + key, windowMs)) as [
      number,
      number,
    ];
    return { count, resetInMs: ttl };
  }
}

/**
 * A Redis connection for rate limits: commands fail fast while Redis is away (a request is
 * refused with an error rather than left hanging), and it reconnects by itself.
 */
export async function connectRateLimitRedis(url: string): Promise<Redis> {
  const { Redis } = await import('ioredis');
  const redis = new Redis(url, {
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    lazyConnect: true,
  });
  redis.on('error', () => {
    // Reported by the commands that fail; ioredis keeps reconnecting.
  });
  await redis.connect();
  return redis;
}
