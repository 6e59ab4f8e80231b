import type { BusHandler, BusTopic, BusTopics, EventBus } from '../ports/event-bus.port.js';
import { BusHandlers } from './bus-handlers.js';

/**
 * The embedded EventBus: subscribers in this process only. It behaves like a networked
 * bus where it matters — messages are JSON copies delivered on a later tick, and a
 * failing subscriber is reported, not propagated — so code written against it keeps
 * working when a Redis adapter replaces it.
 */
export class InProcessEventBus implements EventBus {
  private readonly handlers: BusHandlers;
  private closed = false;

  constructor(onHandlerError: (error: unknown, topic: string) => void = () => undefined) {
    this.handlers = new BusHandlers(onHandlerError);
  }

  async publish<T extends BusTopic>(topic: T, message: BusTopics[T]): Promise<void> {
    if (this.closed) return;
    const subscribers = this.handlers.of(topic);
    if (subscribers.length === 0) return;
    const json = JSON.stringify(message);
    setImmediate(() => this.handlers.deliver(subscribers, topic, json, () => !this.closed));
  }

  async subscribe<T extends BusTopic>(
    topic: T,
    handler: BusHandler<T>,
  ): Promise<() => Promise<void>> {
    return this.handlers.add(topic, handler);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.handlers.clear();
  }
}
