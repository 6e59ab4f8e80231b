import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { HttpClient, type TestResponse } from './http-client.js';

/** One server process behind the proxy. */
export interface Backend {
  name: string;
  port: number;
}

/** Where the proxy sent one request or WebSocket, for tests to see where traffic went. */
export interface Route {
  backend: string;
  method: string;
  url: string;
  upgrade: boolean;
}

/**
 * The next exchange on `backend` that `match` accepts is held at `stage` until the backend
 * goes down: `body`: only the first half of the request body reaches the backend (the client
 * then gets a 502, or a dropped connection); `response`: the backend answers, but the answer
 * never reaches the client (as if the network lost it), whose connection then drops.
 */
export interface HoldRule {
  backend: string;
  stage: 'body' | 'response';
  match: (method: string, url: string) => boolean;
}

/** A load balancer in front of several server processes, on a loopback port. */
export interface RoundRobinProxy {
  url: string;
  /** Every request and WebSocket routed so far, in order. */
  routes: Route[];
  /** Resolves once every named backend has passed a health check. */
  waitUp(names: readonly string[], ms?: number): Promise<void>;
  /** Hold the next matching exchange (see HoldRule); resolves with its route once held. */
  hold(rule: HoldRule): Promise<Route>;
  close(): Promise<void>;
}

/** Headers that describe one connection, not the request (RFC 9110 §7.6.1). */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/**
 * A round-robin HTTP and WebSocket proxy, as a load balancer with health checks: each new
 * client connection goes to the next backend that is up, and stays there while it is; a
 * backend is down from its first refused or broken connection until a health check
 * (`GET /healthz` every `checkMs`) passes again, so clients carry on through the others. A
 * backend failing before it answered is a 502; every answer names its backend in `x-backend`.
 */
export async function startRoundRobinProxy(
  backends: readonly Backend[],
  opts: { checkMs?: number } = {},
): Promise<RoundRobinProxy> {
  const up = new Map(backends.map((b) => [b.name, false]));
  const routes: Route[] = [];
  const holds: { rule: HoldRule; held: (route: Route) => void }[] = [];
  /** Client sockets whose answer is held, by backend: dropped when it goes down. */
  const heldSockets = new Map<string, Set<net.Socket>>();
  const sockets = new Set<net.Socket>();
  const assigned = new WeakMap<net.Socket, Backend>();
  let turn = 0;

  const markDown = (name: string) => {
    up.set(name, false);
    for (const socket of heldSockets.get(name) ?? []) socket.destroy();
    heldSockets.delete(name);
  };
  const nextLive = (): Backend | undefined => {
    for (let i = 0; i < backends.length; i++) {
      const b = backends[(turn + i) % backends.length]!;
      if (up.get(b.name)) {
        turn = (turn + i + 1) % backends.length;
        return b;
      }
    }
    return undefined;
  };
  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };
  const forwardedHeaders = (req: http.IncomingMessage) => {
    const headers: http.OutgoingHttpHeaders = {};
    for (const [k, v] of Object.entries(req.headers)) if (!HOP_BY_HOP.has(k)) headers[k] = v;
    headers['x-forwarded-for'] = req.socket.remoteAddress ?? '127.0.0.1';
    headers['x-forwarded-proto'] = 'http';
    return headers;
  };
  const takeHold = (route: Route) => {
    const i = holds.findIndex(
      (h) => h.rule.backend === route.backend && h.rule.match(route.method, route.url),
    );
    return i < 0 ? undefined : holds.splice(i, 1)[0];
  };
  const badGateway = (res: http.ServerResponse, why: string) => {
    if (res.headersSent) return void res.socket?.destroy();
    res.writeHead(502, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ code: 'BAD_GATEWAY', message: why }));
  };

  const server = http.createServer((req, res) => {
    // A connection keeps its backend while that backend is up, like a TCP balancer's.
    let backend = assigned.get(req.socket);
    if (!backend || !up.get(backend.name)) {
      backend = nextLive();
      if (backend) assigned.set(req.socket, backend);
    }
    if (!backend) return badGateway(res, 'no backend is up');
    const route: Route = {
      backend: backend.name,
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      upgrade: false,
    };
    routes.push(route);
    const hold = takeHold(route);
    const name = backend.name;
    const upstream = http.request(
      {
        host: '127.0.0.1',
        port: backend.port,
        method: req.method,
        path: req.url,
        headers: forwardedHeaders(req),
        agent: false,
      },
      (answer) => {
        if (hold?.rule.stage === 'response') {
          answer.resume();
          const held = heldSockets.get(name) ?? new Set();
          held.add(req.socket);
          heldSockets.set(name, held);
          hold.held(route);
          return;
        }
        const headers: http.OutgoingHttpHeaders = { 'x-backend': name };
        for (const [k, v] of Object.entries(answer.headers)) {
          if (!HOP_BY_HOP.has(k)) headers[k] = v;
        }
        res.writeHead(answer.statusCode ?? 502, headers);
        answer.pipe(res);
        answer.once('error', () => res.socket?.destroy());
      },
    );
    upstream.once('error', (err) => {
      markDown(name);
      badGateway(res, `${name}: ${err.message}`);
    });
    if (hold?.rule.stage !== 'body') return void req.pipe(upstream);
    // Half the body, then nothing more: the backend waits for the rest.
    let left = Math.floor(Number(req.headers['content-length'] ?? 0) / 2);
    req.on('data', (chunk: Buffer) => {
      if (left <= 0) return;
      const part = chunk.subarray(0, left);
      left -= part.length;
      if (left > 0) return void upstream.write(part);
      req.pause();
      upstream.write(part, () => hold.held(route));
    });
  });

  // WebSockets: the upgrade request and then the raw bytes both ways, on the next backend.
  server.on('upgrade', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    track(client);
    const backend = nextLive();
    if (!backend) return void client.end('HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n');
    routes.push({
      backend: backend.name,
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      upgrade: true,
    });
    const upstream = net.connect(backend.port, '127.0.0.1', () => {
      const lines = [`${req.method} ${req.url} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) {
        lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      }
      lines.push(`X-Forwarded-For: ${req.socket.remoteAddress ?? '127.0.0.1'}`);
      upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    track(upstream);
    upstream.once('error', () => {
      markDown(backend.name);
      client.destroy();
    });
    client.once('error', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
    client.once('close', () => upstream.destroy());
  });
  server.on('connection', track);
  server.keepAliveTimeout = 60_000;

  const check = async (b: Backend) => {
    try {
      const res = await fetch(`http://127.0.0.1:${b.port}/healthz`, {
        signal: AbortSignal.timeout(3_000),
      });
      await res.arrayBuffer();
      if (res.status === 200) up.set(b.name, true);
      else markDown(b.name);
    } catch {
      markDown(b.name);
    }
  };
  let checking: Promise<unknown> | undefined;
  const timer = setInterval(() => {
    checking ??= Promise.all(backends.map(check)).finally(() => (checking = undefined));
  }, opts.checkMs ?? 100);

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    routes,
    async waitUp(names, ms = 60_000) {
      const deadline = Date.now() + ms;
      while (!names.every((n) => up.get(n))) {
        if (Date.now() > deadline) throw new Error(`backends not up: ${names.join(', ')}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    hold: (rule) => new Promise((held) => holds.push({ rule, held })),
    async close() {
      clearInterval(timer);
      await checking;
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * An HttpClient that opens a new connection for every request, as a browser does after its
 * keep-alive connection was closed: each request is routed anew by a proxy in front.
 * `lastBackend` is the `x-backend` of the latest answer.
 */
export class FreshConnectionClient extends HttpClient {
  lastBackend: string | undefined;

  override request<T = any>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<TestResponse<T>> {
    const h: Record<string, string> = { ...headers };
    if (this.cookie) h.cookie = this.cookie;
    if (this.csrfToken && !('x-csrf-token' in h)) h['x-csrf-token'] = this.csrfToken;
    let payload: Buffer | undefined;
    if (body !== undefined) {
      payload =
        body instanceof Uint8Array
          ? Buffer.from(body)
          : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
      h['content-type'] ??= 'application/json';
      h['content-length'] = String(payload.length);
    }
    return new Promise((resolve, reject) => {
      const req = http.request(`${this.baseUrl}${path}`, { method, headers: h, agent: false });
      req.once('error', reject);
      req.once('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.once('error', reject);
        res.once('end', () => {
          const setCookie = res.headers['set-cookie']?.[0];
          if (setCookie?.startsWith('invigil_session=')) this.cookie = setCookie.split(';')[0];
          this.lastBackend = res.headers['x-backend'] as string | undefined;
          const text = Buffer.concat(chunks).toString('utf8');
          const json = (res.headers['content-type'] ?? '').includes('json') && text !== '';
          const out = new Headers();
          for (const [k, v] of Object.entries(res.headers)) {
            if (v !== undefined) out.set(k, Array.isArray(v) ? v.join(', ') : v);
          }
          resolve({
            status: res.statusCode ?? 0,
            body: json ? JSON.parse(text) : text,
            headers: out,
          });
        });
      });
      req.end(payload);
    });
  }
}
