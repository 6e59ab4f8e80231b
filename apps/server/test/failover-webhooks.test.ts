import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { BullJobQueue } from '../src/adapters/bullmq.job-queue.js';
import { notificationDeliveries } from '../src/db/schema.js';
import { eventually } from './helpers/eventually.js';
import { failoverSkipReason, useFailoverDeployment } from './helpers/failover-fixture.js';
import { freePort } from './helpers/postgres.js';

const skip = failoverSkipReason();

/** A webhook receiver that leaves the first call unanswered and answers the others 200. */
async function startHoldingReceiver() {
  const calls: { delivery: string; document: string }[] = [];
  let arrived: (call: { delivery: string }) => void = () => undefined;
  const first = new Promise<{ delivery: string }>((resolve) => (arrived = resolve));
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const call = {
        delivery: String(req.headers['x-invigil-delivery']),
        document: (JSON.parse(body) as { id: string }).id,
      };
      calls.push(call);
      if (calls.length === 1) return arrived(call);
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/invigil`,
    calls,
    first,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/**
 * Background work through a crash, in a deployment with one worker process (see
 * useFailoverDeployment): the worker is killed (SIGKILL) inside a webhook call, a new worker
 * runs the call again, and the delivery is logged once, delivered, with nothing left in the
 * queue.
 */
describe.skipIf(skip !== null)('failover across server processes', () => {
  const deploy = useFailoverDeployment();
  const { launch, cleanup } = deploy;

  it('runs a webhook call again on a new worker after its worker is killed mid-call, and logs one delivery', async () => {
    const receiver = await startHoldingReceiver();
    cleanup(() => receiver.close());
    const hook = await deploy.admin.post('/api/webhooks', {
      url: receiver.url,
      events: ['verdict'],
    });
    expect(hook.status, JSON.stringify(hook.body)).toBe(201);
    const hookId = hook.body.webhook.id as string;
    expect((await deploy.admin.post(`/api/webhooks/${hookId}/test`)).status).toBe(202);

    // The worker is inside the call when it dies; a new worker takes the job over.
    const first = await receiver.first;
    await deploy.worker.kill('SIGKILL');
    await launch('worker-2', ['worker'], { PORT: String(await freePort()) });

    const delivery = await eventually(
      async () => {
        const page = await deploy.admin.get(`/api/webhooks/${hookId}/deliveries`);
        expect(page.status, JSON.stringify(page.body)).toBe(200);
        expect(page.body.items).toHaveLength(1);
        expect(page.body.items[0].status).toBe('delivered');
        return page.body.items[0];
      },
      60_000,
      250,
    );
    expect(delivery).toMatchObject({
      event: 'ping',
      attempts: 2,
      lastStatusCode: 200,
      lastError: null,
    });
    // At least once: the receiver got the same delivery twice and answered only the second.
    expect(receiver.calls.map((c) => c.delivery)).toEqual([first.delivery, first.delivery]);
    expect(new Set(receiver.calls.map((c) => c.document)).size).toBe(1);
    const rows = await deploy.database.db
      .select({ status: notificationDeliveries.status })
      .from(notificationDeliveries)
      .where(eq(notificationDeliveries.webhookId, hookId));
    expect(rows).toEqual([{ status: 'delivered' }]);
    // The job is done: nothing waiting, running or dead in the queue.
    const queue = await BullJobQueue.connect(deploy.redis.url);
    try {
      expect(await queue.counts('notification.delivery')).toMatchObject({
        waiting: 0,
        delayed: 0,
        running: 0,
        dead: 0,
      });
    } finally {
      await queue.close();
    }
  }, 90_000);
});
