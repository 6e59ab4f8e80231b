import { describe, expect, it, vi } from 'vitest';
import { busMessage, eventBusContract } from '../ports/event-bus.contract.js';
import { InProcessEventBus } from './in-process.event-bus.js';

eventBusContract('in-process', async () => {
  const bus = new InProcessEventBus();
  return { publisher: bus, subscriber: bus, cleanup: () => bus.close() };
});

describe('in-process event bus', () => {
  it('reports a failing subscriber and delivers nothing after close', async () => {
    const errors: string[] = [];
    const bus = new InProcessEventBus((e, topic) => errors.push(`${topic}: ${String(e)}`));
    const got: unknown[] = [];
    await bus.subscribe('review.verdict', () => {
      throw new Error('boom');
    });
    await bus.publish('review.verdict', busMessage(1));
    // Delivered on a later tick: wait for it rather than for a fixed time.
    await vi.waitFor(() => expect(errors).toEqual(['review.verdict: Error: boom']), {
      timeout: 5000,
    });
    await bus.subscribe('review.verdict', (m) => void got.push(m));
    await bus.close();
    await bus.publish('review.verdict', busMessage(1));
    await new Promise((r) => setTimeout(r, 20));
    expect(got).toEqual([]);
  });
});
