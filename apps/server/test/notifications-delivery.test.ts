import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/open-database.js';
import { notificationDeliveries } from '../src/db/schema.js';
import { pingDocument } from '../src/services/notifications/documents.js';
import { NotificationOutbox, type DeliveryTarget } from '../src/services/notifications/outbox.js';
import { eventually } from './helpers/eventually.js';
import { useNotificationsServer } from './helpers/notifications-fixture.js';
import { engines } from './helpers/test-server.js';
import { expectedSignature } from './helpers/webhook-receiver.js';

/**
 * How deliveries get through: a receiver answering 500 is retried with the same delivery id
 * and signature, given up after the last attempt, and a given-up delivery is a dead job that
 * can be retried; a delivery whose job was lost is found by the sweep; and processes enqueuing
 * the same document at once queue it once per target.
 */
describe.each(engines())('notifications on %s', (engine) => {
  const app = useNotificationsServer(engine);
  const { createWebhook, deliveriesOf } = app;

  it('retries a receiver answering 500, then records it delivered on the second attempt', async () => {
    const { webhook, secret } = await createWebhook('/flaky', ['verdict']);
    const queued = await app.admin.post(`/api/webhooks/${webhook.id}/test`);
    expect(queued.status, JSON.stringify(queued.body)).toBe(202);
    expect(queued.body).toMatchObject({ event: 'ping', channel: 'webhook', webhookId: webhook.id });
    const row = await eventually(async () => {
      const [r] = await deliveriesOf(webhook.id);
      expect(r?.status).toBe('delivered');
      return r;
    });
    expect(row).toMatchObject({ attempts: 2, lastStatusCode: 200, lastError: null });
    const calls = app.receiver.received.filter((r) => r.path === '/flaky');
    expect(calls).toHaveLength(2);
    // Both attempts carry the same delivery id and a valid signature.
    expect(calls[0]?.headers['x-invigil-delivery']).toBe(calls[1]?.headers['x-invigil-delivery']);
    for (const c of calls)
      expect(c.headers['x-invigil-signature']).toBe(expectedSignature(secret, c));
    // Webhooks of one test must not receive the next tests' events.
    expect((await app.admin.delete(`/api/webhooks/${webhook.id}`)).status).toBe(200);
  });

  it('gives up after the last attempt and records the status code', async () => {
    const { webhook } = await createWebhook('/down', ['verdict']);
    expect((await app.admin.post(`/api/webhooks/${webhook.id}/test`)).status).toBe(202);
    const row = await eventually(async () => {
      const [r] = await deliveriesOf(webhook.id);
      expect(r?.status).toBe('failed');
      return r;
    });
    expect(row).toMatchObject({ attempts: 3, lastStatusCode: 500, lastError: 'HTTP 500' });
    expect((await app.admin.delete(`/api/webhooks/${webhook.id}`)).status).toBe(200);
  });

  it('a delivery given up is a dead job: retried, it is sent and recorded delivered', async () => {
    const { webhook } = await createWebhook('/down-3', ['verdict']);
    expect((await app.admin.post(`/api/webhooks/${webhook.id}/test`)).status).toBe(202);
    const failed = await eventually(async () => {
      const [r] = await deliveriesOf(webhook.id);
      expect(r).toMatchObject({ status: 'failed', attempts: 3 });
      return r!;
    });
    const jobs = app.server.instance.jobs;
    const dead = await eventually(async () => {
      const found = (await jobs.deadLetters('notification.delivery')).find(
        (j) => (j.payload as { deliveryId: number }).deliveryId === failed.id,
      );
      expect(found).toBeDefined();
      return found!;
    });
    expect(dead).toMatchObject({ attempts: 3, error: expect.stringContaining('HTTP 500') });
    expect(await jobs.retryDead(dead.id)).toBe(true);
    const [sent] = await eventually(async () => {
      const rows = await deliveriesOf(webhook.id);
      expect(rows[0]).toMatchObject({ status: 'delivered', attempts: 4, lastStatusCode: 200 });
      return rows;
    });
    expect(sent?.id).toBe(failed.id);
    expect(app.receiver.received.filter((r) => r.path === '/down-3')).toHaveLength(4);
    expect((await app.admin.delete(`/api/webhooks/${webhook.id}`)).status).toBe(200);
  });

  it('a queued delivery whose job was lost (a process died) is found by the sweep and sent', async () => {
    const { webhook } = await createWebhook('/ok/lost', ['verdict']);
    const outbox = new NotificationOutbox(app.server.instance.database.db);
    const now = app.server.clock.now();
    // Committed, but no job added: as if the process stopped right after the insert.
    const [id] = await outbox.enqueue(
      pingDocument(webhook.id, now),
      [{ channel: 'webhook', webhookId: webhook.id, url: app.receiver.url('/ok/lost') }],
      now,
    );
    await new Promise((r) => setTimeout(r, 300));
    expect((await deliveriesOf(webhook.id))[0]).toMatchObject({ id, status: 'pending' });
    app.server.clock.advance(31_000);
    await eventually(async () => {
      expect((await deliveriesOf(webhook.id))[0]).toMatchObject({ id, status: 'delivered' });
    });
    expect((await app.admin.delete(`/api/webhooks/${webhook.id}`)).status).toBe(200);
  });

  // PGlite has a single connection, so two "processes" cannot race on it; PostgreSQL can.
  it.skipIf(engine === 'pglite')(
    'queues a document once per target when several processes enqueue it at the same moment',
    async () => {
      const { webhook } = await createWebhook('/ok/race', ['verdict']);
      const other = await openDatabase(app.server.instance.config.database);
      try {
        const outboxes = [app.server.instance.database.db, other.db].map(
          (db) => new NotificationOutbox(db),
        );
        const doc = { ...pingDocument(webhook.id, new Date()), id: `race-${engine}` };
        const mail = { subject: 's', text: 't', html: '<p>t</p>' };
        const targets: DeliveryTarget[] = [
          { channel: 'webhook', webhookId: webhook.id, url: app.receiver.url('/ok/race') },
          { channel: 'email', to: 'Race@test.invigil.test', mail },
          // The same address in other case is the same mailbox.
          { channel: 'email', to: 'race@test.invigil.test', mail },
        ];
        const inserted = await Promise.all(
          Array.from({ length: 8 }, (_, i) => outboxes[i % 2]!.enqueue(doc, targets, new Date())),
        );
        expect(inserted.flat()).toHaveLength(2);
        const rows = await other.db
          .select()
          .from(notificationDeliveries)
          .where(sql`${notificationDeliveries.payload}->>'id' = ${doc.id}`);
        expect(rows.map((r) => r.channel).sort()).toEqual(['email', 'webhook']);
      } finally {
        await other.close();
        await app.admin.delete(`/api/webhooks/${webhook.id}`);
      }
    },
  );
});
