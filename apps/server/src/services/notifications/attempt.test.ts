import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../db/database.js';
import { openDatabase } from '../../db/open-database.js';
import { webhooks } from '../../db/schema.js';
import { DeliveryAttempts } from './attempt.js';
import type { LeasedDelivery } from './outbox.js';
import { signWebhook } from './signature.js';

/** A receiver on a loopback port that answers each request with `answer`, keeping the calls. */
async function receiver(answer: (req: http.IncomingMessage, res: http.ServerResponse) => void) {
  const calls: { headers: http.IncomingHttpHeaders; body: string }[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      calls.push({ headers: req.headers, body });
      answer(req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

const SECRET = 'whsec-test-secret';
const NOW = new Date('2026-12-06T10:00:00Z');
let database: Database;
let attempts: DeliveryAttempts;

beforeAll(async () => {
  database = await openDatabase({ kind: 'pglite' });
  await database.migrate();
  // A short timeout, so that the test of a silent receiver takes a fraction of a second.
  attempts = new DeliveryAttempts(database.db, undefined, () => NOW, 300);
});
afterAll(() => database.close());

/** A webhook row pointing at `url`, and a delivery of `event` to it. */
async function delivery(url: string, opts: { active?: boolean; event?: 'ping' | 'verdict' } = {}) {
  const [hook] = await database.db
    .insert(webhooks)
    .values({ url, secret: SECRET, events: ['verdict'], active: opts.active ?? true })
    .returning();
  const leased: LeasedDelivery = {
    id: 7,
    channel: 'webhook',
    webhookId: hook!.id,
    target: url,
    event: opts.event ?? 'verdict',
    payload: { id: 'doc-1', event: opts.event ?? 'verdict' },
    attempts: 0,
  };
  return leased;
}

describe('a webhook attempt', () => {
  it('posts the signed document and counts a 2xx as delivered', async () => {
    const r = await receiver((_req, res) => res.writeHead(204).end());
    try {
      const result = await attempts.attempt(await delivery(`${r.url}/hook`));
      expect(result).toEqual({ ok: true, statusCode: 204, target: undefined });
      expect(r.calls).toHaveLength(1);
      const [call] = r.calls;
      const timestamp = String(Math.floor(NOW.getTime() / 1000));
      expect(call?.headers).toMatchObject({
        'content-type': 'application/json',
        'x-invigil-event': 'verdict',
        'x-invigil-delivery': '7',
        'x-invigil-timestamp': timestamp,
        'x-invigil-signature': signWebhook(SECRET, timestamp, call?.body ?? ''),
      });
      expect(JSON.parse(call?.body ?? '')).toEqual({ id: 'doc-1', event: 'verdict' });
    } finally {
      await r.close();
    }
  });

  it('does not follow a redirect: the signed event never reaches the other address', async () => {
    const elsewhere = await receiver((_req, res) => res.writeHead(200).end());
    const r = await receiver((_req, res) =>
      res.writeHead(307, { location: `${elsewhere.url}/stolen` }).end(),
    );
    try {
      const result = await attempts.attempt(await delivery(`${r.url}/hook`));
      expect(result).toMatchObject({ ok: false, statusCode: 307, error: 'HTTP 307' });
      expect(result.permanent).toBeUndefined();
      expect(elsewhere.calls).toHaveLength(0);
    } finally {
      await Promise.all([r.close(), elsewhere.close()]);
    }
  });

  it('gives up on a receiver that does not answer in time, and says so without the URL', async () => {
    const r = await receiver(() => undefined);
    try {
      const url = `${r.url}/hook?token=secret-in-url`;
      const result = await attempts.attempt(await delivery(url));
      expect(result).toEqual({ ok: false, error: 'No answer within 0.3 s', target: undefined });
      expect(r.calls).toHaveLength(1);
    } finally {
      await r.close();
    }
  });

  it('names a refused connection by its code, not by the URL', async () => {
    const r = await receiver((_req, res) => res.writeHead(200).end());
    const url = `${r.url}/hook?token=secret-in-url`;
    await r.close();
    const result = await attempts.attempt(await delivery(url));
    expect(result).toMatchObject({ ok: false, error: 'Connection failed (ECONNREFUSED)' });
    expect(JSON.stringify(result)).not.toContain('secret-in-url');
  });

  it('counts a receiver error as a failure to retry', async () => {
    const r = await receiver((_req, res) => res.writeHead(503).end('busy'));
    try {
      const result = await attempts.attempt(await delivery(`${r.url}/hook`));
      expect(result).toEqual({ ok: false, statusCode: 503, error: 'HTTP 503', target: undefined });
    } finally {
      await r.close();
    }
  });

  it('sends nothing to a disabled webhook but the admin’s test ping', async () => {
    const r = await receiver((_req, res) => res.writeHead(200).end());
    try {
      const off = await attempts.attempt(await delivery(`${r.url}/hook`, { active: false }));
      expect(off).toEqual({ ok: false, permanent: true, error: 'The webhook is disabled' });
      expect(r.calls).toHaveLength(0);
      const ping = await attempts.attempt(
        await delivery(`${r.url}/hook`, { active: false, event: 'ping' }),
      );
      expect(ping).toMatchObject({ ok: true, statusCode: 200 });
      expect(r.calls).toHaveLength(1);
    } finally {
      await r.close();
    }
  });

  it('uses the webhook’s current address when it was edited after queueing', async () => {
    const r = await receiver((_req, res) => res.writeHead(200).end());
    try {
      const queued = await delivery(`${r.url}/new`);
      const result = await attempts.attempt({ ...queued, target: `${r.url}/old` });
      expect(result).toEqual({ ok: true, statusCode: 200, target: `${r.url}/new` });
    } finally {
      await r.close();
    }
  });

  it('fails for good when the webhook is gone', async () => {
    const queued = await delivery('http://127.0.0.1:9/unused');
    const result = await attempts.attempt({
      ...queued,
      webhookId: '00000000-0000-4000-8000-000000000000',
    });
    expect(result).toEqual({ ok: false, permanent: true, error: 'The webhook was deleted' });
  });
});
