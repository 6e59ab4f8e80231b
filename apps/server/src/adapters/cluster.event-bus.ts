import type { BusHandler, BusTopic, BusTopics, EventBus } from '../ports/event-bus.port.js';
import { BusHandlers } from './bus-handlers.js';

/** One bus message between the server processes of one machine (over the cluster's IPC). */
export interface BusFrame {
  kind: 'invigil.bus';
  topic: string;
  json: string;
}

/** Whether an IPC message is a bus frame (the channel also carries Node's own messages). */
export function isBusFrame(message: unknown): message is BusFrame {
  const m = message as Partial<BusFrame> | null;
  return (
    typeof m === 'object' &&
    m !== null &&
    m.kind === 'invigil.bus' &&
    typeof m.topic === 'string' &&
    typeof m.json === 'string'
  );
}

/**
 * How a process reaches the relay: `send` hands a frame to it, and every frame the relay
 * broadcasts (this process's own included) arrives through `onFrame`.
 */
export interface BusLink {
  send(frame: BusFrame): void;
  onFrame(handler: (frame: BusFrame) => void): () => void;
}

/** The link of a cluster worker: Node's IPC channel to the primary process. */
export function workerProcessLink(): BusLink {
  return {
    send: (frame) => {
      // A worker whose primary is gone is being shut down; there is nobody to tell.
      if (process.connected) process.send?.(frame);
    },
    onFrame: (handler) => {
      const listener = (message: unknown) => {
        if (isBusFrame(message)) handler(message);
      };
      process.on('message', listener);
      return () => void process.off('message', listener);
    },
  };
}

/**
 * The EventBus between the server processes of one machine (`WORKERS` > 1 without Redis):
 * each publish goes to the primary process, which relays it to every worker, the publisher
 * included. It keeps the port's promises — at most once, asynchronous (a frame comes back
 * on a later tick at the earliest), JSON copies, a failing subscriber reported and contained.
 */
export class ClusterEventBus implements EventBus {
  private readonly handlers: BusHandlers;
  private readonly detach: () => void;
  private closed = false;

  constructor(
    private readonly link: BusLink,
    private readonly onError: (error: unknown, topic: string) => void = () => undefined,
  ) {
    this.handlers = new BusHandlers(onError);
    this.detach = link.onFrame((frame) =>
      this.handlers.deliver(
        this.handlers.of(frame.topic),
        frame.topic,
        frame.json,
        () => !this.closed,
      ),
    );
  }

  async publish<T extends BusTopic>(topic: T, message: BusTopics[T]): Promise<void> {
    if (this.closed) return;
    try {
      this.link.send({ kind: 'invigil.bus', topic, json: JSON.stringify(message) });
    } catch (e) {
      // At most once: the committed change stands; live clients resynchronise from the database.
      this.onError(e, topic);
    }
  }

  async subscribe<T extends BusTopic>(
    topic: T,
    handler: BusHandler<T>,
  ): Promise<() => Promise<void>> {
    return this.handlers.add(topic, handler);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.handlers.clear();
    this.detach();
  }
}

/**
 * The relay's rule, in the primary process: a frame from any worker goes to every worker
 * still connected. `targets` is read at each frame, so workers started later are included.
 */
export function relayFrame(frame: BusFrame, targets: Iterable<{ send(frame: BusFrame): void }>) {
  for (const target of targets) target.send(frame);
}
