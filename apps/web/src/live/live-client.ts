import { LiveMessage, type LiveClientMessage } from '@invigil/contracts';

/** Whose messages to follow: an exam's (its staff) or one session's (its student). */
export type LiveScope = { examId: string } | { sessionId: string };

/** `connecting` while (re)opening, `live` once the server said `ready`, `offline` in between. */
export type LiveStatus = 'connecting' | 'live' | 'offline';

/** The part of the browser's WebSocket the client uses (a fake one in tests). */
export type SocketLike = Pick<WebSocket, 'onmessage' | 'onclose' | 'onerror' | 'close'> &
  Partial<Pick<WebSocket, 'send' | 'readyState'>>;

/** What the client needs to reach the server (defaults: the page's own). */
export interface LiveEnvironment {
  /** Opens a socket; default `new WebSocket(url)`. */
  open(url: string): SocketLike;
  /** The page's location: ws: or wss: and the host follow it. */
  location: { protocol: string; host: string };
  /** 0 ≤ x < 1, for the jitter. */
  random(): number;
  /** Where `offline` / `online` events arrive (the window; none in tests unless given). */
  network: Pick<Window, 'addEventListener' | 'removeEventListener'> | null;
}

/** How the client behaves; every field has a sensible default. */
export interface LiveClientOptions {
  scope: LiveScope;
  /** Resume after this message id (a snapshot's cursor); null = from now. */
  since: number | null;
  /** Every valid message except `resync`, each stored id once, in arrival order. */
  onMessage(message: LiveMessage): void;
  /** The server cannot replay the gap: fetch the snapshot again (messages keep coming). */
  onResync(): void;
  /** The connection status changed. */
  onStatus?(status: LiveStatus): void;
  /** No message (heartbeats come every 15 s) for this long: the connection is dead. */
  silenceMs?: number;
  /** First and longest wait before reconnecting (doubling, with jitter). */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  environment?: Partial<LiveEnvironment>;
}

/** Close codes after which reconnecting cannot help (signed out, access revoked). */
const FINAL_CLOSE_CODES = new Set([4401, 4403]);
/** How many recent ids are remembered to drop repeats. */
const SEEN_LIMIT = 2000;

/**
 * A resilient subscription to GET /api/live. It opens a same-origin WebSocket, passes each
 * message that matches the `LiveMessage` contract on (invalid ones are dropped), remembers
 * the last id so a reconnect resumes with `since` and nothing is lost, drops ids it has
 * already delivered, and reconnects with exponential backoff and jitter (1 s doubling to
 * 30 s). A silence longer than `silenceMs` counts as a dead connection. Call `start()` once
 * and `stop()` when done.
 */
export class LiveClient {
  private socket: SocketLike | null = null;
  private cursor: number | null;
  private readonly seen = new Set<number>();
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private silenceTimer: ReturnType<typeof setTimeout> | null = null;
  private stopped = true;
  private current: LiveStatus = 'offline';
  private readonly env: LiveEnvironment;

  constructor(private readonly options: LiveClientOptions) {
    this.cursor = options.since;
    const env = options.environment ?? {};
    this.env = {
      open: env.open ?? ((url) => new WebSocket(url)),
      location: env.location ?? window.location,
      random: env.random ?? Math.random,
      network: env.network ?? (typeof window === 'undefined' ? null : window),
    };
  }

  /**
   * The browser says the network is gone: drop the socket at once (an open WebSocket may
   * linger for minutes on a dead network, and the server must see the page go quiet), and
   * try again as soon as it says it is back.
   */
  private readonly onOffline = (): void => {
    const socket = this.socket;
    if (!socket || this.stopped) return;
    this.socket = null;
    this.clearTimers();
    socket.onclose = null;
    socket.close(4000, 'Browser offline');
    this.retry();
  };

  private readonly onOnline = (): void => {
    if (this.stopped || this.socket) return;
    this.clearTimers();
    this.attempt = 0;
    this.connect();
  };

  /** The connection status now. */
  get status(): LiveStatus {
    return this.current;
  }

  /** The id a reconnect resumes after (null before anything was seen). */
  get lastId(): number | null {
    return this.cursor;
  }

  /**
   * Send a message up the socket (WebRTC signalling); false when there is no open socket
   * (the caller retries or gives up — nothing is queued, signals go stale).
   */
  send(message: LiveClientMessage): boolean {
    const socket = this.socket;
    // 1 = OPEN; read from the socket so a fake one in tests needs no global WebSocket.
    if (!socket?.send || socket.readyState !== 1) return false;
    socket.send(JSON.stringify(message));
    return true;
  }

  /** Connect, and keep reconnecting until `stop()`. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.env.network?.addEventListener('offline', this.onOffline);
    this.env.network?.addEventListener('online', this.onOnline);
    this.connect();
  }

  /** Close the connection for good. */
  stop(): void {
    this.stopped = true;
    this.env.network?.removeEventListener('offline', this.onOffline);
    this.env.network?.removeEventListener('online', this.onOnline);
    this.clearTimers();
    const socket = this.socket;
    this.socket = null;
    if (socket) {
      socket.onclose = null;
      socket.close(1000, 'Done');
    }
    this.setStatus('offline');
  }

  /** The URL of the next connection. */
  url(): string {
    const { protocol, host } = this.env.location;
    const scheme = protocol === 'https:' ? 'wss:' : 'ws:';
    const [key, value] =
      'examId' in this.options.scope
        ? ['examId', this.options.scope.examId]
        : ['sessionId', this.options.scope.sessionId];
    const params = new URLSearchParams({ [key]: value });
    if (this.cursor !== null) params.set('since', String(this.cursor));
    return `${scheme}//${host}/api/live?${params.toString()}`;
  }

  private connect(): void {
    this.setStatus('connecting');
    let socket: SocketLike;
    try {
      socket = this.env.open(this.url());
    } catch {
      this.retry();
      return;
    }
    this.socket = socket;
    this.watchSilence();
    socket.onmessage = (event) => this.receive(event.data);
    socket.onerror = () => undefined; // a close event always follows
    socket.onclose = (event) => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.clearTimers();
      if (FINAL_CLOSE_CODES.has(event.code)) {
        this.stopped = true;
        this.setStatus('offline');
        return;
      }
      this.retry();
    };
  }

  private receive(raw: unknown): void {
    this.watchSilence();
    if (typeof raw !== 'string') return;
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      return;
    }
    const parsed = LiveMessage.safeParse(json);
    if (!parsed.success) return;
    const message = parsed.data;
    if (message.topic === 'resync') {
      this.options.onResync();
      return;
    }
    if (message.topic === 'ready') {
      this.advance(message.data.cursor);
      this.attempt = 0;
      this.setStatus('live');
    }
    if (message.id > 0) {
      if (this.seen.has(message.id)) return;
      this.remember(message.id);
      this.advance(message.id);
    }
    this.options.onMessage(message);
  }

  private advance(id: number): void {
    this.cursor = this.cursor === null ? id : Math.max(this.cursor, id);
  }

  private remember(id: number): void {
    this.seen.add(id);
    if (this.seen.size > SEEN_LIMIT) {
      const oldest = this.seen.values().next().value;
      if (oldest !== undefined) this.seen.delete(oldest);
    }
  }

  /** Wait (exponential backoff with jitter), then connect again. */
  private retry(): void {
    if (this.stopped) return;
    this.setStatus('offline');
    const min = this.options.minBackoffMs ?? 1000;
    const max = this.options.maxBackoffMs ?? 30_000;
    const ceiling = Math.min(max, min * 2 ** this.attempt);
    this.attempt += 1;
    // Between half and all of the ceiling, so a server restart is not met by every client at once.
    const delay = Math.max(min / 2, ceiling * (0.5 + this.env.random() / 2));
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (!this.stopped) this.connect();
    }, delay);
  }

  /** (Re)arm the silence watchdog: a dead network often sends no close for minutes. */
  private watchSilence(): void {
    if (this.silenceTimer) clearTimeout(this.silenceTimer);
    this.silenceTimer = setTimeout(() => {
      this.silenceTimer = null;
      const socket = this.socket;
      if (!socket) return;
      this.socket = null;
      socket.onclose = null;
      socket.close(4000, 'No heartbeat');
      this.retry();
    }, this.options.silenceMs ?? 45_000);
  }

  private clearTimers(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.silenceTimer) clearTimeout(this.silenceTimer);
    this.retryTimer = null;
    this.silenceTimer = null;
  }

  private setStatus(status: LiveStatus): void {
    if (status === this.current) return;
    this.current = status;
    this.options.onStatus?.(status);
  }
}
