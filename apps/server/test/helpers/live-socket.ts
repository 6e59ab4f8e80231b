import WebSocket from 'ws';
import { LiveMessage } from '@invigil/contracts';
import { eventually } from './eventually.js';
import type { HttpClient } from './http-client.js';

/** An open live socket: every message as parsed by the contract, and as it came (raw JSON). */
export interface LiveSocket {
  messages: LiveMessage[];
  raw: Record<string, unknown>[];
  /** Wait for a message matching `pred` (already received or still to come). */
  waitFor(pred: (m: LiveMessage) => boolean): Promise<LiveMessage>;
  /** The messages before `ready`, and `ready`'s cursor (waits for it). */
  untilReady(): Promise<{ before: LiveMessage[]; cursor: number }>;
  /** Send a frame up the socket: an object as JSON, a string or bytes as they are. */
  send(data: unknown): void;
  /** The socket is still open. */
  isOpen(): boolean;
  close(): Promise<void>;
}

/** A refused upgrade: the HTTP status and JSON body the server answered instead. */
export interface LiveRefusal {
  status: number;
  body: { code?: string; message?: string };
}

/**
 * Open a live socket on the server at `serverUrl` as `client` (its cookie; null: none) with
 * the query `query`, optionally from `origin`; `onFrame` sees every message as it came.
 * Rejects with a LiveRefusal when the upgrade is refused.
 */
export function connectLive(
  serverUrl: string,
  client: HttpClient | null,
  query: string,
  opts: { origin?: string; onFrame?: (json: Record<string, unknown>) => void } = {},
): Promise<LiveSocket> {
  const ws = new WebSocket(`${serverUrl.replace(/^http/, 'ws')}/api/live?${query}`, {
    headers: client?.cookie ? { cookie: client.cookie } : {},
    ...(opts.origin && { origin: opts.origin }),
  });
  const messages: LiveMessage[] = [];
  const raw: Record<string, unknown>[] = [];
  ws.on('message', (data: Buffer) => {
    const json = JSON.parse(data.toString()) as Record<string, unknown>;
    raw.push(json);
    opts.onFrame?.(json);
    const parsed = LiveMessage.safeParse(json);
    if (!parsed.success) throw new Error(`invalid live message: ${data.toString()}`);
    messages.push(parsed.data);
  });
  const waitFor = (pred: (m: LiveMessage) => boolean) =>
    eventually(() => {
      const found = messages.find(pred);
      if (!found) throw new Error(`not received yet; got ${JSON.stringify(messages)}`);
      return found;
    });
  const socket: LiveSocket = {
    messages,
    raw,
    waitFor,
    async untilReady() {
      const ready = await waitFor((m) => m.topic === 'ready');
      if (ready.topic !== 'ready') throw new Error('narrowing');
      return { before: messages.slice(0, messages.indexOf(ready)), cursor: ready.data.cursor };
    },
    send: (data) =>
      ws.send(typeof data === 'string' || Buffer.isBuffer(data) ? data : JSON.stringify(data)),
    isOpen: () => ws.readyState === ws.OPEN,
    close: () =>
      new Promise((resolve) => {
        if (ws.readyState === ws.CLOSED) return resolve();
        ws.once('close', () => resolve());
        ws.close();
      }),
  };
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(socket));
    ws.once('unexpected-response', (_req, res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => {
        const refusal: LiveRefusal = {
          status: res.statusCode ?? 0,
          body: JSON.parse(text || '{}'),
        };
        reject(refusal);
      });
    });
    ws.once('error', (err) => reject(err));
  });
}
