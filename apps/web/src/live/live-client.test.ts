import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { LiveMessage } from '@invigil/contracts';
import {
  LiveClient,
  type LiveClientOptions,
  type LiveStatus,
  type SocketLike,
} from './live-client';

const EXAM = '11111111-1111-4111-8111-111111111111';
const SESSION = '22222222-2222-4222-8222-222222222222';
const AT = '2030-01-01T00:00:00.000Z';

/** A socket the test drives by hand. */
class FakeSocket implements SocketLike {
  onmessage: SocketLike['onmessage'] = null;
  onclose: SocketLike['onclose'] = null;
  onerror: SocketLike['onerror'] = null;
  closed: { code?: number } | null = null;
  constructor(readonly url: string) {}
  close(code?: number): void {
    this.closed = { code };
  }
  /** The server sends a message (any JSON, or raw text). */
  send(message: unknown): void {
    const data = typeof message === 'string' ? message : JSON.stringify(message);
    this.onmessage?.call(this as unknown as WebSocket, { data } as MessageEvent);
  }
  /** The connection ends. */
  drop(code = 1006): void {
    this.onclose?.call(this as unknown as WebSocket, { code } as CloseEvent);
  }
}

const envelope = { examId: EXAM, sessionId: SESSION, at: AT };
const ready = (cursor: number) => ({ ...envelope, id: 0, topic: 'ready', data: { cursor } });
const unread = (id: number) => ({
  ...envelope,
  id,
  topic: 'chat.unread',
  data: { sessionId: SESSION, unread: 1, lastAt: null },
});
const heartbeat = () => ({ ...envelope, id: 0, topic: 'heartbeat', data: { serverTime: AT } });

describe('LiveClient', () => {
  let sockets: FakeSocket[];
  let received: LiveMessage[];
  let statuses: LiveStatus[];
  let resyncs: number;

  beforeEach(() => {
    vi.useFakeTimers();
    sockets = [];
    received = [];
    statuses = [];
    resyncs = 0;
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function client(overrides: Partial<LiveClientOptions> = {}) {
    const c = new LiveClient({
      scope: { examId: EXAM },
      since: 41,
      onMessage: (m) => received.push(m),
      onResync: () => (resyncs += 1),
      onStatus: (s) => statuses.push(s),
      environment: {
        open: (url) => {
          const s = new FakeSocket(url);
          sockets.push(s);
          return s;
        },
        location: { protocol: 'https:', host: 'exam.uni.example' },
        random: () => 0.5,
      },
      ...overrides,
    });
    c.start();
    return c;
  }
  const last = () => sockets[sockets.length - 1] as FakeSocket;

  it('opens a same-origin wss URL with the scope and since, and is live after ready', () => {
    const c = client();
    expect(last().url).toBe(`wss://exam.uni.example/api/live?examId=${EXAM}&since=41`);
    expect(c.status).toBe('connecting');
    last().send(ready(41));
    expect(c.status).toBe('live');
    expect(statuses).toEqual(['connecting', 'live']);
    c.stop();
    expect(c.status).toBe('offline');
    expect(last().closed).toEqual({ code: 1000 });
  });

  it('uses ws: on http pages, a session scope, and no since when starting from now', () => {
    const c = client({
      scope: { sessionId: SESSION },
      since: null,
      environment: {
        open: (url) => {
          const s = new FakeSocket(url);
          sockets.push(s);
          return s;
        },
        location: { protocol: 'http:', host: 'localhost:3000' },
      },
    });
    expect(last().url).toBe(`ws://localhost:3000/api/live?sessionId=${SESSION}`);
    c.stop();
  });

  it('passes valid messages on, drops invalid ones and repeated ids', () => {
    const c = client();
    last().send(unread(42));
    last().send('not json');
    last().send({ ...unread(43), topic: 'made.up' });
    last().send({ ...unread(44), data: { sessionId: 'not a uuid', unread: 1, lastAt: null } });
    last().send(unread(42));
    last().send(ready(42));
    last().send(heartbeat());
    expect(received.map((m) => [m.topic, m.id])).toEqual([
      ['chat.unread', 42],
      ['ready', 0],
      ['heartbeat', 0],
    ]);
    expect(c.lastId).toBe(42);
    c.stop();
  });

  it('reconnects with backoff and jitter, resuming after the last id, without repeats', () => {
    const c = client();
    last().send(ready(41));
    last().send(unread(42));
    last().drop();
    expect(c.status).toBe('offline');
    // First retry: 1 s ceiling × (0.5 + 0.5/2) = 750 ms.
    vi.advanceTimersByTime(749);
    expect(sockets).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(sockets).toHaveLength(2);
    expect(last().url).toContain('since=42');
    // Refused again and again: the waits double up to 30 s.
    const waits: number[] = [];
    for (let i = 0; i < 7; i++) {
      last().drop();
      const before = sockets.length;
      let waited = 0;
      while (sockets.length === before) {
        vi.advanceTimersByTime(50);
        waited += 50;
      }
      waits.push(waited);
    }
    expect(waits).toEqual([1500, 3000, 6000, 12000, 22500, 22500, 22500]);
    // The replay repeats 42 (already delivered), then brings 43; after ready the backoff resets.
    last().send(unread(42));
    last().send(unread(43));
    last().send(ready(43));
    expect(received.filter((m) => m.id > 0).map((m) => m.id)).toEqual([42, 43]);
    last().drop();
    vi.advanceTimersByTime(750);
    expect(last().url).toContain('since=43');
    c.stop();
  });

  it('reports resync to the consumer and keeps the connection', () => {
    const c = client();
    last().send({ ...envelope, id: 0, topic: 'resync', data: { reason: 'pruned' } });
    last().send(ready(90));
    expect(resyncs).toBe(1);
    expect(received.map((m) => m.topic)).toEqual(['ready']);
    expect(c.lastId).toBe(90);
    expect(c.status).toBe('live');
    c.stop();
  });

  it('treats 45 s without any message as a dead connection', () => {
    const c = client();
    last().send(ready(41));
    vi.advanceTimersByTime(30_000);
    last().send(heartbeat());
    vi.advanceTimersByTime(44_999);
    expect(sockets).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(sockets[0]?.closed).toEqual({ code: 4000 });
    expect(c.status).toBe('offline');
    vi.advanceTimersByTime(750);
    expect(sockets).toHaveLength(2);
    c.stop();
  });

  it('stops for good when signed out or access is revoked', () => {
    const c = client();
    last().send(ready(41));
    last().drop(4403);
    vi.advanceTimersByTime(60_000);
    expect(sockets).toHaveLength(1);
    expect(c.status).toBe('offline');
  });

  it('stop() cancels a pending reconnect', () => {
    const c = client();
    last().drop();
    c.stop();
    vi.advanceTimersByTime(60_000);
    expect(sockets).toHaveLength(1);
  });
});
