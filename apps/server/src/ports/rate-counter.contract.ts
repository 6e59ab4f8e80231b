import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RateCounter } from './rate-counter.port.js';

/** Two handles on one store (two processes' worth) and a way to let time pass. */
export interface RateCounterFixture {
  a: RateCounter;
  b: RateCounter;
  /** Let `ms` pass on the counter's clock. */
  pass(ms: number): Promise<void>;
  cleanup(): Promise<void>;
}

let unique = 0;
const key = () => `contract-${process.pid}-${(unique += 1)}`;

/** The behaviour every RateCounter adapter must have. */
export function rateCounterContract(name: string, factory: () => Promise<RateCounterFixture>) {
  describe(`RateCounter contract: ${name}`, () => {
    let f: RateCounterFixture;
    beforeAll(async () => {
      f = await factory();
    });
    afterAll(async () => f?.cleanup());

    it('counts hits in a window shared by every handle, and starts again after it', async () => {
      const k = key();
      expect((await f.a.hit(k, 300)).count).toBe(1);
      expect((await f.b.hit(k, 300)).count).toBe(2);
      const third = await f.a.hit(k, 300);
      expect(third.count).toBe(3);
      expect(third.resetInMs).toBeGreaterThan(0);
      expect(third.resetInMs).toBeLessThanOrEqual(300);
      await f.pass(third.resetInMs + 50);
      expect((await f.b.hit(k, 300)).count).toBe(1);
    });

    it('keeps keys apart', async () => {
      const [k1, k2] = [key(), key()];
      await f.a.hit(k1, 10_000);
      await f.a.hit(k1, 10_000);
      expect((await f.b.hit(k2, 10_000)).count).toBe(1);
    });

    it('counts concurrent hits exactly', async () => {
      const k = key();
      const hits = await Promise.all(
        Array.from({ length: 40 }, (_, i) => (i % 2 ? f.a : f.b).hit(k, 10_000)),
      );
      expect(hits.map((h) => h.count).sort((x, y) => x - y)).toEqual(
        Array.from({ length: 40 }, (_, i) => i + 1),
      );
    });
  });
}
