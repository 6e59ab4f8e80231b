import { ERROR_CODES, UPLOAD_HEADERS, type ClientEvent } from '@invigil/contracts';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from './backoff';
import type { CaptureStore, ItemMeta, NewItem, StoredItem } from './capture-store';

/** Where the CSRF token for uploads comes from. */
export interface CsrfSource {
  /** The current token (may fetch it). */
  get(): Promise<string | null>;
  /** Fetches a fresh token after the server rejected ours. */
  refresh(): Promise<string | null>;
}

/** What the upload-health indicator shows. */
export interface QueueStatus {
  /** Items persisted but not yet acknowledged. */
  pending: number;
  pendingBytes: number;
  /** Recorded time not yet uploaded: the longest backlog of any one media track, ms. */
  pendingMediaMs: number;
  /** True when the media backlog is longer than the warning threshold. */
  backlogWarning: boolean;
  /** An upload is in flight. */
  uploading: boolean;
  /** The browser is offline, or the last attempt could not reach the server. */
  offline: boolean;
  /** The last problem, fit to show a person; null after a success. */
  lastError: string | null;
  /**
   * Why the server last refused an item for good (over the exam's allowance, uploads closed,
   * not a valid recording), fit to show a person; it stays shown, as it needs the proctor.
   */
  refusal: string | null;
  /** When the server last acknowledged an item (epoch ms). */
  lastAckAt: number | null;
  /** Bytes acknowledged since this queue started. */
  uploadedBytes: number;
  /** Upload speed measured on real segment and snapshot uploads (kbit/s), when known. */
  measuredKbps: number | null;
  /** The store has loaded what was left from before (a reload). */
  ready: boolean;
}

/** How one upload ended. */
type Outcome =
  | { kind: 'acked' }
  | { kind: 'dropped'; code: string; status: number }
  /** Try again after a backoff, or after `afterMs` when the server said when (429 retry-after). */
  | { kind: 'retry'; network: boolean; message: string; afterMs?: number }
  | { kind: 'hold'; code: string; message: string };

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

/**
 * Refusals a student must hear about: the server will never take this item, and the reason
 * is something only the proctor can sort out. The item is dropped (logged as for every
 * refusal below); nothing else is.
 */
const REFUSAL_MESSAGES: Record<string, string> = {
  QUOTA_EXCEEDED:
    'Your recording exceeded this exam’s upload allowance, so the server refused part of it. ' +
    'Tell your proctor; everything else keeps uploading.',
  SESSION_CLOSED:
    'This exam no longer accepts uploads, so recordings still on this computer could not be ' +
    'sent. Tell your proctor.',
  CONTENT_MISMATCH:
    'The server refused a recording file that was not valid. Tell your proctor; everything ' +
    'else keeps uploading.',
  IMAGE_TOO_LARGE:
    'The server refused a picture that was too large. Tell your proctor; everything else ' +
    'keeps uploading.',
  IDENTITY_LOCKED:
    'The server no longer accepts new identity photos for this exam (they are fixed once it ' +
    'has started, and a request for new ones takes one set within 15 minutes). Tell your ' +
    'proctor if they still need them; everything else keeps uploading.',
  SESSION_NOT_RECORDING:
    'This exam session is not recording, so the server refused an upload. Tell your proctor; ' +
    'everything else keeps uploading.',
};

/** Refusals of our own making that retrying can never fix and the student cannot act on. */
const SILENT_DROP_CODES = new Set([
  'UPLOAD_CONFLICT',
  'HASH_MISMATCH',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'VALIDATION_FAILED',
  'INVALID_JSON',
]);

/**
 * Refusals (4xx) that depend on the moment or on who is signed in in this browser, not on the
 * item: signed out, a stale CSRF token, rate limited, another account signed in (forbidden,
 * not found), a change that raced. The item is kept and sent again.
 */
const RETRY_CODES = new Set([
  'UNAUTHENTICATED',
  'CSRF_FAILED',
  'RATE_LIMITED',
  'FORBIDDEN',
  'INSUFFICIENT_SCOPE',
  'NOT_FOUND',
  'ROUTE_NOT_FOUND',
  'METHOD_NOT_ALLOWED',
  'ACCOUNT_LOCKED',
  'ACCOUNT_DISABLED',
  'CONFLICT',
  'UPGRADE_REQUIRED',
]);

const KNOWN_CODES: ReadonlySet<string> = new Set(ERROR_CODES);

/**
 * Whether the server refused an item for good: any 4xx with one of the API's own error
 * codes, except those in RETRY_CODES (and 408/429). A 4xx without our error body (a proxy's
 * page) is not the server's verdict on the item: it is kept and retried.
 */
export function isPermanentRefusal(status: number, code: string): boolean {
  if (status < 400 || status >= 500 || status === 408 || status === 429) return false;
  return KNOWN_CODES.has(code) && !RETRY_CODES.has(code);
}

/** What to tell the student about a permanent refusal with `code`, or null if nothing. */
export function refusalMessage(code: string): string | null {
  if (SILENT_DROP_CODES.has(code)) return null;
  return (
    REFUSAL_MESSAGES[code] ??
    `The server refused part of your recording for good (${code}). Tell your proctor; ` +
      'everything else keeps uploading.'
  );
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
  private status: QueueStatus = {
    pending: 0,
    pendingBytes: 0,
    pendingMediaMs: 0,
    backlogWarning: false,
    uploading: false,
    offline: false,
    lastError: null,
    refusal: null,
    lastAckAt: null,
    uploadedBytes: 0,
    measuredKbps: null,
    ready: false,
  };

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
    const base = `/api/sessions/${encodeURIComponent(item.sessionId)}`;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (csrf) headers['x-csrf-token'] = csrf;
    let url: string;
    let method: 'PUT' | 'POST';
    let body: BodyInit;
    if (item.kind === 'events') {
      url = `${base}/events`;
      method = 'POST';
      headers['content-type'] = 'application/json';
      body = JSON.stringify({ events: item.events ?? [] });
    } else {
      const segment = item.kind === 'media';
      url = `${base}/${segment ? 'media' : 'snapshots'}/${item.name}/${item.seq}`;
      method = 'PUT';
      headers['content-type'] = item.contentType;
      headers[UPLOAD_HEADERS.sha256] = item.sha256;
      if (segment) {
        headers[UPLOAD_HEADERS.startMs] = String(item.startMs ?? 0);
        headers[UPLOAD_HEADERS.endMs] = String(item.endMs ?? 0);
      } else {
        headers[UPLOAD_HEADERS.takenMs] = String(item.takenMs ?? 0);
      }
      body = item.bytes ?? new ArrayBuffer(0);
    }
    const controller = new AbortController();
    this.abort = controller;
    let response: Response;
    try {
      response = await this.fetchFn(url, {
        method,
        headers,
        body,
        credentials: 'same-origin',
        signal: controller.signal,
      });
    } catch {
      return {
        kind: 'retry',
        network: true,
        message: 'Cannot reach the server; recordings are kept on this computer.',
      };
    } finally {
      this.abort = null;
    }
    if (response.status === 200 || response.status === 201) {
      await response.body?.cancel().catch(() => undefined);
      return { kind: 'acked' };
    }
    const code = await errorCode(response);
    if (isPermanentRefusal(response.status, code)) {
      return { kind: 'dropped', code, status: response.status };
    }
    const retryAfter = Number(response.headers.get('retry-after'));
    if (response.status === 429 && Number.isFinite(retryAfter) && retryAfter > 0) {
      // Rate limited: wait as long as the server says, then send the same item again.
      return {
        kind: 'retry',
        network: false,
        afterMs: Math.min(retryAfter, 600) * 1000,
        message: `The server asked to slow down; uploads resume in ${Math.ceil(retryAfter)} s.`,
      };
    }
    if (response.status >= 500 || response.status === 429 || response.status === 408) {
      return {
        kind: 'retry',
        network: false,
        message: `The server is not accepting uploads right now (HTTP ${response.status}).`,
      };
    }
    if (response.status === 401) {
      return {
        kind: 'retry',
        network: false,
        message: 'You are signed out. Sign in again to upload the recordings.',
      };
    }
    return {
      kind: 'hold',
      code,
      message: `The server refused an upload (${code}); it is kept and will be retried.`,
    };
  }

  private refresh(): void {
    let pendingBytes = 0;
    const perTrack = new Map<string, number>();
    for (const item of this.items.values()) {
      pendingBytes += item.sizeBytes;
      if (item.kind === 'media' && item.name !== 'room_scan') {
        const ms = Math.max(0, (item.endMs ?? 0) - (item.startMs ?? 0));
        perTrack.set(item.name, (perTrack.get(item.name) ?? 0) + ms);
      }
    }
    const pendingMediaMs = Math.max(0, ...perTrack.values());
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

function uploadOrder(a: ItemMeta, b: ItemMeta): number {
  return (
    Number(a.kind !== 'events') - Number(b.kind !== 'events') ||
    a.createdAt - b.createdAt ||
    a.seq - b.seq
  );
}

async function errorCode(response: Response): Promise<string> {
  try {
    const body = (await response.json()) as { code?: unknown };
    if (typeof body.code === 'string') return body.code;
  } catch {
    // Not our JSON error body (a proxy page): fall back to the status.
  }
  return `HTTP_${response.status}`;
}
