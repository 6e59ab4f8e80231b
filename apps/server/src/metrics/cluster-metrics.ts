import { AggregatorRegistry, type Registry } from 'prom-client';

/** The metrics of one process as prom-client lists them (`Registry.getMetricsAsJSON`). */
type MetricsJson = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;

/**
 * Messages over the cluster's IPC channel, beside the bus frames: a worker that received a
 * scrape asks the primary (`scrape`), the primary asks every worker for its own metrics
 * (`collect` → `collected`) and answers the first with all of them combined (`scraped`).
 */
export type MetricsMessage =
  | { kind: 'invigil.metrics.scrape'; id: number }
  | { kind: 'invigil.metrics.collect'; id: number }
  | { kind: 'invigil.metrics.collected'; id: number; metrics: MetricsJson }
  | { kind: 'invigil.metrics.scraped'; id: number; text?: string; error?: string };

const KINDS = new Set<string>([
  'invigil.metrics.scrape',
  'invigil.metrics.collect',
  'invigil.metrics.collected',
  'invigil.metrics.scraped',
]);

/** Whether an IPC message is one of ours (the channel also carries bus frames and Node's own). */
export function isMetricsMessage(message: unknown): message is MetricsMessage {
  const m = message as Partial<MetricsMessage> | null;
  return (
    typeof m === 'object' &&
    m !== null &&
    typeof m.kind === 'string' &&
    KINDS.has(m.kind) &&
    typeof m.id === 'number'
  );
}

/** A worker as the primary sees it (node:cluster's Worker). */
export interface MetricsPeer {
  send(message: MetricsMessage): unknown;
  isConnected(): boolean;
}

/** A worker that has not answered within this is left out of the scrape (it is starting or stuck). */
export const COLLECT_TIMEOUT_MS = 3000;

/**
 * The primary's side. A scrape, wherever it arrived, becomes one round: every connected
 * worker sends its own metrics, and prom-client's `AggregatorRegistry.aggregate` combines
 * them (counters and histograms add up; gauges by their `aggregator`). Scrapes arriving during
 * a round share it. A worker that does not answer in time is left out rather than failing the
 * scrape; `invigil_server_processes` then shows how many were counted.
 */
export class ClusterMetrics {
  private nextId = 1;
  private round: Promise<string> | undefined;
  private readonly waiting = new Map<number, (metrics: MetricsJson) => void>();

  constructor(
    private readonly workers: () => Iterable<MetricsPeer>,
    private readonly timeoutMs = COLLECT_TIMEOUT_MS,
  ) {}

  /** Handle a worker's message; false when it is not a metrics message. */
  handle(from: MetricsPeer, message: unknown): boolean {
    if (!isMetricsMessage(message)) return false;
    if (message.kind === 'invigil.metrics.collected') {
      this.waiting.get(message.id)?.(message.metrics);
    } else if (message.kind === 'invigil.metrics.scrape') {
      const reply = (answer: { text?: string; error?: string }) => {
        try {
          if (from.isConnected())
            from.send({ kind: 'invigil.metrics.scraped', id: message.id, ...answer });
        } catch {
          // The asking worker is exiting; its scrape is lost with it.
        }
      };
      this.combined().then(
        (text) => reply({ text }),
        (error: unknown) =>
          reply({ error: error instanceof Error ? error.message : String(error) }),
      );
    }
    return true;
  }

  /** Every worker's metrics, combined, as Prometheus text. */
  combined(): Promise<string> {
    this.round ??= this.collect().finally(() => {
      this.round = undefined;
    });
    return this.round;
  }

  private async collect(): Promise<string> {
    const asked = [...this.workers()].filter((w) => w.isConnected());
    const answers = await Promise.all(asked.map((w) => this.ask(w)));
    const received = answers.filter((a): a is MetricsJson => a !== undefined);
    if (received.length === 0) throw new Error('No server process answered');
    return AggregatorRegistry.aggregate(received).metrics();
  }

  private ask(worker: MetricsPeer): Promise<MetricsJson | undefined> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => done(undefined), this.timeoutMs);
      const done = (metrics: MetricsJson | undefined) => {
        clearTimeout(timer);
        this.waiting.delete(id);
        resolve(metrics);
      };
      this.waiting.set(id, done);
      try {
        worker.send({ kind: 'invigil.metrics.collect', id });
      } catch {
        done(undefined);
      }
    });
  }
}

/** A worker's channel to the primary (its `process`). */
export interface PrimaryLink {
  send(message: MetricsMessage): void;
  onMessage(handler: (message: unknown) => void): () => void;
}

/** The link of a real cluster worker: Node's IPC channel. */
export const processLink = (): PrimaryLink => ({
  send: (message) => {
    if (!process.connected || !process.send) throw new Error('The primary process is gone');
    process.send(message);
  },
  onMessage: (handler) => {
    process.on('message', handler);
    return () => void process.off('message', handler);
  },
});

/**
 * A worker's side: answers the primary's `collect` with `registries`, and turns a scrape
 * received here into a request for the combined metrics. `stop` detaches it.
 */
export class WorkerMetrics {
  private nextId = 1;
  private readonly pending = new Map<number, (answer: { text?: string; error?: string }) => void>();
  private readonly detach: () => void;

  constructor(
    private readonly registries: readonly Registry[],
    private readonly link: PrimaryLink = processLink(),
    private readonly timeoutMs = COLLECT_TIMEOUT_MS * 3,
  ) {
    this.detach = link.onMessage((message) => {
      if (!isMetricsMessage(message)) return;
      if (message.kind === 'invigil.metrics.collect') void this.answer(message.id);
      if (message.kind === 'invigil.metrics.scraped') this.pending.get(message.id)?.(message);
    });
  }

  /** The whole cluster's metrics, from the primary. */
  scrape(): Promise<string> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => finish({ error: `No answer from the primary within ${this.timeoutMs} ms` }),
        this.timeoutMs,
      );
      const finish = (answer: { text?: string; error?: string }) => {
        clearTimeout(timer);
        this.pending.delete(id);
        if (answer.text !== undefined) resolve(answer.text);
        else reject(new Error(answer.error ?? 'No metrics'));
      };
      this.pending.set(id, finish);
      try {
        this.link.send({ kind: 'invigil.metrics.scrape', id });
      } catch (error) {
        finish({ error: error instanceof Error ? error.message : String(error) });
      }
    });
  }

  stop(): void {
    this.detach();
  }

  private async answer(id: number): Promise<void> {
    try {
      const lists = await Promise.all(this.registries.map((r) => r.getMetricsAsJSON()));
      this.link.send({ kind: 'invigil.metrics.collected', id, metrics: lists.flat() });
    } catch {
      // Not answering leaves this process out of the round (the primary's timeout).
    }
  }
}
