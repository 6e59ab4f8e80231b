import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisEventBus } from '../src/adapters/redis.event-bus.js';
import { busMessage, eventBusContract } from '../src/ports/event-bus.contract.js';
import { redisSkipReason, startRedis, type RedisServer } from './helpers/redis.js';

const skip = redisSkipReason();

describe.skipIf(skip !== null)('Redis event bus', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => redis?.stop());

  // Two processes' worth of connections on one Redis: what one publishes, the other hears.
  eventBusContract('redis', async () => {
    const publisher = await RedisEventBus.connect(redis.url);
    const subscriber = await RedisEventBus.connect(redis.url);
    return {
      publisher,
      subscriber,
      cleanup: async () => {
        await publisher.close();
        await subscriber.close();
      },
    };
  });

  it('keeps deployments apart by prefix and reports an unreachable server', async () => {
    const a = await RedisEventBus.connect(redis.url, undefined, 'a:');
    const b = await RedisEventBus.connect(redis.url, undefined, 'b:');
    const got: unknown[] = [];
    await b.subscribe('review.verdict', (m) => void got.push(m));
    await a.publish('review.verdict', busMessage(1));
    await new Promise((r) => setTimeout(r, 100));
    expect(got).toEqual([]);
    await Promise.all([a.close(), b.close()]);

    await expect(RedisEventBus.connect('redis://127.0.0.1:1')).rejects.toThrow();
  });
});
