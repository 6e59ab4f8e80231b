import type { BusHandler, BusTopic, BusTopics } from '../ports/event-bus.port.js';

type AnyHandler = (message: unknown) => void | Promise<void>;

/**
 * The subscribers of an event bus adapter, by topic, and how one message reaches them: each
 * gets its own copy parsed from the JSON, and a handler that throws or rejects is reported
 * through `onError` without affecting the others (the port's promises).
 */
export class BusHandlers {
  private readonly byTopic = new Map<string, Set<AnyHandler>>();

  constructor(private readonly onError: (error: unknown, topic: string) => void) {}

  /** Subscribe; the returned function unsubscribes (a wrapper each time, so twice is twice). */
  add<T extends BusTopic>(topic: T, handler: BusHandler<T>): () => Promise<void> {
    const set = this.byTopic.get(topic) ?? new Set<AnyHandler>();
    this.byTopic.set(topic, set);
    const entry: AnyHandler = (m) => handler(m as BusTopics[T]);
    set.add(entry);
    return async () => {
      set.delete(entry);
    };
  }

  /** The topic's subscribers now (delivery later goes to these, not to later ones). */
  of(topic: string): AnyHandler[] {
    return [...(this.byTopic.get(topic) ?? [])];
  }

  /** Give `json` to each of `handlers` while `open()` holds. */
  deliver(handlers: readonly AnyHandler[], topic: string, json: string, open: () => boolean) {
    for (const handler of handlers) {
      if (!open()) return;
      try {
        Promise.resolve(handler(JSON.parse(json))).catch((e: unknown) => this.onError(e, topic));
      } catch (e) {
        this.onError(e, topic);
      }
    }
  }

  clear(): void {
    this.byTopic.clear();
  }
}
