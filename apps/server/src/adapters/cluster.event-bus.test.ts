import { describe, expect, it, vi } from 'vitest';
import { busMessage, eventBusContract } from '../ports/event-bus.contract.js';
import {
  type BusFrame,
  type BusLink,
  ClusterEventBus,
  isBusFrame,
  relayFrame,
} from './cluster.event-bus.js';

/**
 * Two workers' links to one relay, as the primary process runs it: a frame crosses to the
 * relay and back on later ticks, like Node's IPC channel.
 */
function relay() {
  const workers = new Set<(frame: BusFrame) => void>();
  const link = (): BusLink => {
    let mine: ((frame: BusFrame) => void) | undefined;
    return {
      send: (frame) =>
        setImmediate(() =>
          relayFrame(
            structuredClone(frame),
            [...workers].map((deliver) => ({ send: deliver })),
          ),
        ),
      onFrame: (handler) => {
        mine = (frame) => setImmediate(() => handler(frame));
        workers.add(mine);
        return () => void workers.delete(mine!);
      },
    };
  };
  return { link, workers };
}

eventBusContract('cluster (IPC relay)', async () => {
  const hub = relay();
  const publisher = new ClusterEventBus(hub.link());
  const subscriber = new ClusterEventBus(hub.link());
  return {
    publisher,
    subscriber,
    cleanup: async () => {
      await publisher.close();
      await subscriber.close();
    },
  };
});

describe('cluster event bus', () => {
  it('tells bus frames from other IPC messages', () => {
    expect(isBusFrame({ kind: 'invigil.bus', topic: 'review.verdict', json: '{}' })).toBe(true);
    expect(isBusFrame({ cmd: 'NODE_CLUSTER' })).toBe(false);
    expect(isBusFrame(null)).toBe(false);
    expect(isBusFrame({ kind: 'invigil.bus', topic: 1, json: '{}' })).toBe(false);
  });

  it('delivers its own publishes, reports failing subscribers and detaches on close', async () => {
    const hub = relay();
    const errors: string[] = [];
    const bus = new ClusterEventBus(hub.link(), (e, topic) =>
      errors.push(`${topic}: ${String(e)}`),
    );
    const got: unknown[] = [];
    await bus.subscribe('review.verdict', (m) => void got.push(m));
    await bus.subscribe('review.verdict', () => {
      throw new Error('boom');
    });
    await bus.publish('review.verdict', busMessage(1));
    // Delivered on a later tick: wait for it (a busy machine takes longer than 20 ms).
    await vi.waitFor(() => expect(got).toHaveLength(1), { timeout: 5000 });
    expect(got).toEqual([busMessage(1)]);
    await vi.waitFor(() => expect(errors).toEqual(['review.verdict: Error: boom']));
    await bus.close();
    expect(hub.workers.size).toBe(0);
    await bus.publish('review.verdict', busMessage(1));
    await new Promise((r) => setTimeout(r, 20));
    expect(got).toHaveLength(1);
  });

  it('a failing link is reported, never thrown to the publisher', async () => {
    const errors: string[] = [];
    const bus = new ClusterEventBus(
      {
        send: () => {
          throw new Error('channel closed');
        },
        onFrame: () => () => undefined,
      },
      (e, topic) => errors.push(`${topic}: ${String(e)}`),
    );
    await expect(bus.publish('review.verdict', busMessage(1))).resolves.toBeUndefined();
    expect(errors).toEqual(['review.verdict: Error: channel closed']);
  });
});
