import type { BusHandler, BusTopic, BusTopics, EventBus } from '../ports/event-bus.port.js';

type AnyHandler = (message: unknown) => void | Promise<void>;

/**
 * The embedded EventBus: subscribers in this process only. It behaves like a networked
 * bus where it matters — messages are JSON copies delivered on a later tick, and a
 * failing subscriber is reported, not propagated — so code written against it keeps
 * working when a Redis adapter replaces it.
 */
export class InProcessEventBus implements EventBus {
  private readonly handlers = new Map<string, Set<AnyHandler>>();
  private closed = false;

  constructor(
    private readonly onHandlerError: (error: unknown, topic: string) => void = () => undefined,
  ) {}

  async publish<T extends BusTopic>(topic: T, message: BusTopics[T]): Promise<void> {
    if (this.closed) return;
    const subscribers = [...(this.handlers.get(topic) ?? [])];
    if (subscribers.length === 0) return;
    const json = JSON.stringify(message);
    setImmediate(() => {
      for (const handler of subscribers) {
        if (this.closed) return;
        try {
          Promise.resolve(handler(JSON.parse(json))).catch((e: unknown) =>
            this.onHandlerError(e, topic),
          );
        } catch (e) {
          this.onHandlerError(e, topic);
        }
      }
    });
  }

  async subscribe<T extends BusTopic>(
    topic: T,
    handler: BusHandler<T>,
  ): Promise<() => Promise<void>> {
    const set = this.handlers.get(topic) ?? new Set<AnyHandler>();
    this.handlers.set(topic, set);
    // A wrapper per subscription, so subscribing the same function twice gives two deliveries.
    const entry: AnyHandler = (m) => handler(m as BusTopics[T]);
    set.add(entry);
    return async () => {
      set.delete(entry);
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.handlers.clear();
  }
}
