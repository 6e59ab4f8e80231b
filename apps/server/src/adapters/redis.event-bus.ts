import { Redis } from 'ioredis';
import type { BusHandler, BusTopic, BusTopics, EventBus } from '../ports/event-bus.port.js';

type AnyHandler = (message: unknown) => void | Promise<void>;

/** Channel prefix, so several deployments can share one Redis. */
const DEFAULT_PREFIX = 'invigil:';

/**
 * The EventBus over Redis pub/sub, for several server processes: each publish reaches the
 * subscribers of every process connected to the same Redis. It keeps the port's promises —
 * at most once, asynchronous, JSON copies, a failing subscriber reported and contained.
 * Two connections: a subscribed Redis connection can do nothing else.
 */
export class RedisEventBus implements EventBus {
  private readonly handlers = new Map<string, Set<AnyHandler>>();
  private closed = false;

  private constructor(
    private readonly pub: Redis,
    private readonly sub: Redis,
    private readonly prefix: string,
    private readonly onError: (error: unknown, topic: string) => void,
  ) {
    sub.on('message', (channel: string, json: string) => this.deliver(channel, json));
    // ioredis reconnects by itself; a connection error is reported, never thrown.
    pub.on('error', (e: unknown) => onError(e, 'redis publisher'));
    sub.on('error', (e: unknown) => onError(e, 'redis subscriber'));
  }

  /** Connect both connections to `url` (redis:// or rediss://) before returning. */
  static async connect(
    url: string,
    onError: (error: unknown, topic: string) => void = () => undefined,
    prefix = DEFAULT_PREFIX,
  ): Promise<RedisEventBus> {
    const options = { lazyConnect: true, maxRetriesPerRequest: 2 } as const;
    const pub = new Redis(url, options);
    const sub = new Redis(url, options);
    // Until the bus takes over error reporting, a failed first connect is the caller's error.
    const quiet = () => undefined;
    pub.on('error', quiet);
    sub.on('error', quiet);
    try {
      await Promise.all([pub.connect(), sub.connect()]);
    } catch (e) {
      pub.disconnect();
      sub.disconnect();
      throw e;
    }
    pub.off('error', quiet);
    sub.off('error', quiet);
    return new RedisEventBus(pub, sub, prefix, onError);
  }

  async publish<T extends BusTopic>(topic: T, message: BusTopics[T]): Promise<void> {
    if (this.closed) return;
    try {
      await this.pub.publish(this.prefix + topic, JSON.stringify(message));
    } catch (e) {
      // At most once: a message lost while Redis is unreachable is reported, and the
      // caller's committed change stands (live clients resynchronise from the database).
      this.onError(e, topic);
    }
  }

  async subscribe<T extends BusTopic>(
    topic: T,
    handler: BusHandler<T>,
  ): Promise<() => Promise<void>> {
    const channel = this.prefix + topic;
    let set = this.handlers.get(channel);
    if (!set) {
      set = new Set();
      this.handlers.set(channel, set);
      await this.sub.subscribe(channel);
    }
    const entry: AnyHandler = (m) => handler(m as BusTopics[T]);
    set.add(entry);
    return async () => {
      const current = this.handlers.get(channel);
      if (!current?.delete(entry) || current.size > 0) return;
      this.handlers.delete(channel);
      if (!this.closed) await this.sub.unsubscribe(channel);
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.handlers.clear();
    await Promise.allSettled([this.pub.quit(), this.sub.quit()]);
  }

  private deliver(channel: string, json: string): void {
    const topic = channel.slice(this.prefix.length);
    for (const handler of [...(this.handlers.get(channel) ?? [])]) {
      if (this.closed) return;
      try {
        Promise.resolve(handler(JSON.parse(json))).catch((e: unknown) => this.onError(e, topic));
      } catch (e) {
        this.onError(e, topic);
      }
    }
  }
}
