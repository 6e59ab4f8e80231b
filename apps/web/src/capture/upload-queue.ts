import type { ClientEvent } from '@invigil/contracts';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from './backoff';
import type { CaptureStore, ItemMeta, NewItem, StoredItem } from './capture-store';
import { refusalMessage } from './upload-refusals';
import { sendItem, type Outcome } from './upload-request';
import { INITIAL_STATUS, pendingTotals, uploadOrder, type QueueStatus } from './upload-status';

export { isPermanentRefusal, refusalMessage } from './upload-refusals';
export type { QueueStatus } from './upload-status';

/** Where the CSRF token for uploads comes from. */
export interface CsrfSource {
  /** The current token (may fetch it). */
  get(): Promise<string | null>;
  /** Fetches a fresh token after the server rejected ours. */
  refresh(): Promise<string | null>;
}

/** Injected dependencies (tests pass fakes). */
export interface UploadQueueOptions {
  store: CaptureStore;
  csrf: CsrfSource;
  fetch?: typeof fetch;
  /** Waits `ms` (the queue also wakes early on new work or `retryNow`). */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => number;
  isOnline?: () => boolean;
  backoff?: BackoffOptions;
  /** Media backlog (ms) above which the indicator warns and an `upload.backlog` event is logged. */
  backlogWarnMs?: number;
  /** Told about every item dropped without an ack (conflict, hash mismatch, rejected). */
  onDropped?: (item: ItemMeta, code: string) => void;
}

interface Pending extends ItemMeta {
  attempts: number;
  retryAt: number;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The lossless upload queue of one exam session. Every segment, snapshot and event batch is
 * first persisted in IndexedDB with its hash and a sequence number, then uploaded in order
 * (events first) with retry and capped exponential backoff with jitter. An item is removed only
 * when the server acknowledges it (201 stored, 200 already stored) or refuses it for good
 * (`isPermanentRefusal`: 409 UPLOAD_CONFLICT, 400 HASH_MISMATCH, 413 QUOTA_EXCEEDED, 409
 * SESSION_CLOSED, 409 IDENTITY_LOCKED, …, which are logged as `recording.error` events; those
 * the student must act on are also shown as `refusal`). A refusal drops only that item. 429
 * waits `retry-after`, then sends it again; other refusals that depend on the moment (signed
 * out, another account) keep the item for later. Starting a queue for a session drains
 * whatever an earlier page left behind.
 */
export class UploadQueue {
  private readonly items = new Map<string, Pending>();
  private readonly listeners = new Set<(status: QueueStatus) => void>();
  private readonly drainWaiters: (() => void)[] = [];
  private readonly fetchFn: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly now: () => number;
  private readonly isOnline: () => boolean;
  private readonly backoff: BackoffOptions;
  private readonly backlogWarnMs: number;
  private running = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  /** While backing off after a failure, new work does not cut the wait short. */
  private backingOff = false;
  private failures = 0;
  private backlogLogged = false;
  private abort: AbortController | null = null;
  private status: QueueStatus = INITIAL_STATUS;

  constructor(
    readonly sessionId: string,
    private readonly options: UploadQueueOptions,
  ) {
    this.fetchFn = options.fetch ?? ((...args) => fetch(...args));
    this.sleep = options.sleep ?? defaultSleep;
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
    this.isOnline = options.isOnline ?? (() => navigator.onLine);
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.backlogWarnMs = options.backlogWarnMs ?? 60_000;
  }

  /** Loads what is left in the store for this session and starts uploading. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Stops uploading (pending items stay in the store for the next start). */
  async stop(): Promise<void> {
    this.running = false;
    this.abort?.abort();
    this.poke(true);
    await this.loop?.catch(() => undefined);
    this.loop = null;
  }

  /** Persists an item, then wakes the uploader. Resolves once it is safely stored. */
  async add(item: NewItem): Promise<ItemMeta> {
    const stored = await this.options.store.add(this.sessionId, item, this.now());
    this.track(stored);
    this.refresh();
    this.poke();
    return stored;
  }

  /** Persists a batch of events (each gets its own seq). */
  addEvents(events: Omit<ClientEvent, 'seq'>[]): Promise<ItemMeta> {
    return this.add({ kind: 'events', events });
  }

  /** Retries now instead of waiting for the backoff (e.g. the browser came back online). */
  retryNow(): void {
    this.failures = 0;
    for (const item of this.items.values()) item.retryAt = 0;
    this.poke(true);
  }

  /** The current status. */
  getStatus(): QueueStatus {
    return this.status;
  }

  /** Calls `listener` on every status change; returns the unsubscribe function. */
  subscribe(listener: (status: QueueStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves when nothing is pending (after the store has been read). */
  whenDrained(): Promise<void> {
    if (this.status.ready && this.items.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  /** True while the item is still waiting for its ack. */
  isPending(key: string): boolean {
    return this.items.has(key);
  }

  /**
   * True while an item matching `match` waits for its ack (acknowledged or refused for good
   * ends the wait), or while what an earlier page left in the store is not read yet.
   */
  hasPending(match: (item: ItemMeta) => boolean): boolean {
    return !this.status.ready || [...this.items.values()].some(match);
  }

  private track(meta: ItemMeta): void {
    if (!this.items.has(meta.key)) this.items.set(meta.key, { ...meta, attempts: 0, retryAt: 0 });
  }

  private poke(force = false): void {
    if (this.backingOff && !force) return;
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  private wait(ms: number | null): Promise<void> {
    return new Promise<void>((resolve) => {
      this.wake = resolve;
      if (ms !== null) void this.sleep(ms).then(resolve);
    });
  }

  private async run(): Promise<void> {
    try {
      for (const meta of await this.options.store.list(this.sessionId)) this.track(meta);
    } catch (error) {
      this.set({ lastError: `Cannot read saved recordings: ${String(error)}` });
    }
    this.set({ ready: true });
    this.refresh();
    while (this.running) {
      const now = this.now();
      const next = this.pickNext(now);
      if (!next) {
        const held = [...this.items.values()].map((i) => i.retryAt);
        await this.wait(held.length ? Math.max(0, Math.min(...held) - now) : null);
        continue;
      }
      this.set({ uploading: true });
      const started = this.now();
      const outcome = await this.upload(next);
      this.set({ uploading: false });
      if (!this.running && outcome.kind === 'retry') break;
      await this.settle(next, outcome, this.now() - started);
      if (outcome.kind === 'retry' && this.running) {
        this.failures += 1;
        this.backingOff = true;
        await this.wait(outcome.afterMs ?? backoffDelay(this.failures, this.random, this.backoff));
        this.backingOff = false;
      }
    }
  }

  /** The next item due: events first (small and time-sensitive), then oldest first. */
  private pickNext(now: number): Pending | undefined {
    let best: Pending | undefined;
    for (const item of this.items.values()) {
      if (item.retryAt > now) continue;
      if (!best || uploadOrder(item, best) < 0) best = item;
    }
    return best;
  }

  private async settle(item: Pending, outcome: Outcome, elapsedMs: number): Promise<void> {
    switch (outcome.kind) {
      case 'acked': {
        await this.forget(item);
        this.failures = 0;
        let measuredKbps = this.status.measuredKbps;
        if (item.kind !== 'events' && item.sizeBytes >= 20_000 && elapsedMs > 0) {
          const kbps = (item.sizeBytes * 8) / elapsedMs;
          measuredKbps = measuredKbps === null ? kbps : measuredKbps * 0.7 + kbps * 0.3;
        }
        this.set({
          offline: false,
          lastError: null,
          lastAckAt: this.now(),
          uploadedBytes: this.status.uploadedBytes + item.sizeBytes,
          measuredKbps,
        });
        break;
      }
      case 'dropped': {
        await this.forget(item);
        this.failures = 0;
        this.set({ offline: false, refusal: refusalMessage(outcome.code) ?? this.status.refusal });
        this.options.onDropped?.(item, outcome.code);
        if (item.kind !== 'events') {
          // Logged as an event so that staff see why a segment is missing.
          await this.addEvents([
            {
              type: 'recording.error',
              at: this.now(),
              data: {
                reason: outcome.code,
                status: outcome.status,
                item: item.kind,
                name: item.name,
                seq: item.seq,
              },
            },
          ]).catch(() => undefined);
        }
        break;
      }
      case 'retry':
        this.set({ offline: outcome.network || !this.isOnline(), lastError: outcome.message });
        break;
      case 'hold':
        item.attempts += 1;
        item.retryAt = this.now() + backoffDelay(item.attempts, this.random, this.backoff);
        this.set({ offline: false, lastError: outcome.message });
        break;
    }
    this.refresh();
  }

  private async forget(item: Pending): Promise<void> {
    try {
      await this.options.store.remove(item.key);
    } catch {
      // Removal failing only means a harmless duplicate upload later (the server dedups).
    }
    this.items.delete(item.key);
  }

  private async upload(item: Pending): Promise<Outcome> {
    let stored: StoredItem | undefined;
    try {
      stored = await this.options.store.get(item.key);
    } catch (error) {
      return {
        kind: 'retry',
        network: false,
        message: `Cannot read a saved item: ${String(error)}`,
      };
    }
    if (!stored) return { kind: 'acked' }; // Another tab uploaded and removed it.
    const first = await this.send(stored, await this.options.csrf.get());
    if (first.kind === 'hold' && first.code === 'CSRF_FAILED') {
      return this.send(stored, await this.options.csrf.refresh());
    }
    return first;
  }

  private async send(item: StoredItem, csrf: string | null): Promise<Outcome> {
    const controller = new AbortController();
    this.abort = controller;
    try {
      return await sendItem(this.fetchFn, item, csrf, controller.signal);
    } finally {
      this.abort = null;
    }
  }

  private refresh(): void {
    const { pendingBytes, pendingMediaMs } = pendingTotals(this.items.values());
    const backlogWarning = pendingMediaMs > this.backlogWarnMs;
    if (backlogWarning && !this.backlogLogged) {
      this.backlogLogged = true;
      void this.addEvents([
        {
          type: 'upload.backlog',
          at: this.now(),
          data: { pending: this.items.size, pendingMediaMs, pendingBytes },
        },
      ]).catch(() => undefined);
    } else if (!backlogWarning && pendingMediaMs < this.backlogWarnMs / 2) {
      this.backlogLogged = false;
    }
    this.set({ pending: this.items.size, pendingBytes, pendingMediaMs, backlogWarning });
    if (this.status.ready && this.items.size === 0) {
      for (const resolve of this.drainWaiters.splice(0)) resolve();
    }
  }

  private set(patch: Partial<QueueStatus>): void {
    let changed = false;
    for (const [key, value] of Object.entries(patch)) {
      if (this.status[key as keyof QueueStatus] !== value) changed = true;
    }
    if (!changed) return;
    this.status = { ...this.status, ...patch };
    for (const listener of this.listeners) listener(this.status);
  }
}
