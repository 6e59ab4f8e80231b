import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisRateCounter } from '../src/adapters/redis.rate-counter.js';
import { rateCounterContract } from '../src/ports/rate-counter.contract.js';
import { inProgress } from './helpers/check-in.js';
import { expectError } from './helpers/matrix-errors.js';
import { redisSkipReason, startRedis, type RedisServer } from './helpers/redis.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';

const skip = redisSkipReason();

describe.skipIf(skip !== null)('rate limits in Redis', () => {
  let redis: RedisServer;
  const clients: Redis[] = [];
  const client = () => {
    const c = new Redis(redis.url);
    clients.push(c);
    return c;
  };
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await redis?.stop();
  });

  // Two connections, as two processes have: one count.
  rateCounterContract('redis', async () => ({
    a: new RedisRateCounter(client()),
    b: new RedisRateCounter(client()),
    pass: (ms) => new Promise((r) => setTimeout(r, ms)),
    cleanup: async () => {},
  }));

  describe('a server with REDIS_URL', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer('pglite', {
        redisUrl: redis.url,
        loginRateLimitPerMinute: 10,
        chatRateLimit: { max: 2, windowMs: 30_000 },
      });
    });
    afterAll(async () => server?.close());

    it('counts sign-in attempts in Redis', async () => {
      const anon = server.anonymous();
      // A different address each time: the address limit is what counts here, not the
      // per-account waits (which would answer SIGN_IN_THROTTLED after a few).
      let n = 0;
      const attempt = () =>
        anon.post('/api/auth/login', {
          email: `nobody-${++n}@test.invigil.test`,
          password: 'wrong one',
        });
      for (let i = 0; i < 10; i++) expect((await attempt()).status).toBe(401);
      expectError(await attempt(), 429, 'RATE_LIMITED');
      // The count lives in Redis: with its keys gone, the next attempt is let through.
      const keys = await client().keys('invigil:rl:*');
      expect(keys).not.toEqual([]);
      await client().del(...keys);
      expect((await attempt()).status).toBe(401);
      await client().del(...(await client().keys('invigil:rl:*')));
    });

    it('counts a user’s chat messages in Redis: another process sees the same count', async () => {
      const f = await inProgress(server);
      // Half the allowance used up by "another process" (straight in Redis).
      const other = new RedisRateCounter(client());
      await other.hit(`CHAT_RATE_LIMITED:${f.proctor.userId}`, 30_000);
      const announce = () =>
        f.proctor.post(`/api/exams/${f.examId}/announcements`, { body: 'Hello' });
      const first = await announce();
      expect(first.status, JSON.stringify(first.body)).toBe(201);
      expectError(await announce(), 429, 'CHAT_RATE_LIMITED');
    });
  });
});
