import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BusTopics, EventBus } from './event-bus.port.js';

/** A bus under test (two handles on the same bus where the adapter is networked). */
export interface EventBusFixture {
  /** Publishes. */
  publisher: EventBus;
  /** Subscribes; may be the publisher itself for an in-process bus. */
  subscriber: EventBus;
  cleanup(): Promise<void>;
}

/** A small message of a real topic, numbered so that tests can tell copies and order apart. */
export const busMessage = (n: number): BusTopics['review.verdict'] => ({
  sessionId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  examId: '00000000-0000-4000-8000-000000000002',
  verdict: 'clean',
  reason: `message ${n}`,
  final: false,
  reviewerId: null,
  decidedAt: '2026-12-06T10:00:00.000Z',
});

/** Resolve after `ms`, so late (wrong) deliveries would have arrived. */
const settle = (ms = 50) => new Promise((r) => setTimeout(r, ms));

/** Collects messages and waits until `count` have arrived (or fails after `ms`). */
function collector<T>() {
  const got: T[] = [];
  let wake: (() => void) | null = null;
  return {
    got,
    handler: (m: T) => {
      got.push(m);
      wake?.();
    },
    async waitFor(count: number, ms = 2000) {
      const deadline = Date.now() + ms;
      while (got.length < count) {
        if (Date.now() > deadline) throw new Error(`got ${got.length} of ${count} messages`);
        await new Promise<void>((r) => {
          wake = r;
          setTimeout(r, 20);
        });
      }
    },
  };
}

/**
 * The behaviour every EventBus adapter must have. Each adapter's test calls this once:
 * `eventBusContract('in-process', async () => ({ publisher, subscriber, cleanup }))`; a
 * Redis adapter passes two connections to the same server.
 */
export function eventBusContract(name: string, factory: () => Promise<EventBusFixture>): void {
  describe(`EventBus contract: ${name}`, () => {
    let f: EventBusFixture;
    beforeAll(async () => {
      f = await factory();
    });
    afterAll(async () => f?.cleanup());

    it('delivers a copy of each message to every subscriber of the topic, in order', async () => {
      const a = collector<BusTopics['review.verdict']>();
      const b = collector<BusTopics['review.verdict']>();
      const offA = await f.subscriber.subscribe('review.verdict', a.handler);
      const offB = await f.subscriber.subscribe('review.verdict', b.handler);
      const first = busMessage(1);
      await f.publisher.publish('review.verdict', first);
      await f.publisher.publish('review.verdict', busMessage(2));
      await a.waitFor(2);
      await b.waitFor(2);
      expect(a.got).toEqual([busMessage(1), busMessage(2)]);
      expect(b.got).toEqual([busMessage(1), busMessage(2)]);
      expect(a.got[0]).not.toBe(first);
      await offA();
      await offB();
    });

    it('does not deliver other topics', async () => {
      const c = collector<unknown>();
      const off = await f.subscriber.subscribe('session.risk', c.handler);
      await f.publisher.publish('review.verdict', busMessage(3));
      await settle();
      expect(c.got).toEqual([]);
      await off();
    });

    it('never delivers inside publish', async () => {
      const c = collector<unknown>();
      const off = await f.subscriber.subscribe('review.verdict', c.handler);
      // Not during the call itself; a networked bus may deliver before the promise settles.
      const publishing = f.publisher.publish('review.verdict', busMessage(4));
      expect(c.got).toEqual([]);
      await publishing;
      await c.waitFor(1);
      await off();
    });

    it('stops delivering after unsubscribe', async () => {
      const c = collector<unknown>();
      const off = await f.subscriber.subscribe('review.verdict', c.handler);
      await off();
      await f.publisher.publish('review.verdict', busMessage(5));
      await settle();
      expect(c.got).toEqual([]);
    });

    it('a failing subscriber affects neither the publisher nor other subscribers', async () => {
      const c = collector<unknown>();
      const offBad = await f.subscriber.subscribe('review.verdict', () => {
        throw new Error('subscriber bug');
      });
      const offAsync = await f.subscriber.subscribe('review.verdict', async () => {
        throw new Error('async subscriber bug');
      });
      const off = await f.subscriber.subscribe('review.verdict', c.handler);
      await expect(f.publisher.publish('review.verdict', busMessage(6))).resolves.toBeUndefined();
      await c.waitFor(1);
      await Promise.all([offBad(), offAsync(), off()]);
    });

    it('publishing with no subscriber is fine', async () => {
      await expect(f.publisher.publish('review.verdict', busMessage(7))).resolves.toBeUndefined();
    });
  });
}
