/**
 * A value read at most once per `ttlMs` however many scrapes ask: callers at the same time
 * share the read in flight, later ones get the stored outcome (a failure too) until it is
 * older than `ttlMs`. So a scrape storm, or several Prometheus servers, cost the database one
 * read per period. Measured on the monotonic clock: this is about load, not exam time.
 */
export class ScrapeCache<T> {
  private stored: { atMs: number; outcome: PromiseSettledResult<T> } | undefined;
  private pending: Promise<T> | undefined;

  constructor(
    private readonly ttlMs: number,
    private readonly read: () => Promise<T>,
    private readonly nowMs: () => number = () => performance.now(),
  ) {}

  /** The stored value while fresh, else the result of one (shared) read. */
  get(): Promise<T> {
    const stored = this.stored;
    if (stored && this.nowMs() - stored.atMs < this.ttlMs) {
      return stored.outcome.status === 'fulfilled'
        ? Promise.resolve(stored.outcome.value)
        : Promise.reject(stored.outcome.reason);
    }
    this.pending ??= this.read().then(
      (value) => {
        this.stored = { atMs: this.nowMs(), outcome: { status: 'fulfilled', value } };
        this.pending = undefined;
        return value;
      },
      (reason: unknown) => {
        this.stored = { atMs: this.nowMs(), outcome: { status: 'rejected', reason } };
        this.pending = undefined;
        throw reason;
      },
    );
    return this.pending;
  }
}

/** `promise`, or a rejection after `ms`: a hung database must not hang the scrape. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
