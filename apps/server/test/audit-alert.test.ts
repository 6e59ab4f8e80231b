import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { desc, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotificationDocument } from '@invigil/contracts';
import { LocalDiskBlobStore } from '../src/adapters/local-disk.blob-store.js';
import { auditLog, notificationDeliveries, users } from '../src/db/schema.js';
import { verifyAndRecord } from '../src/jobs/audit-trail.js';
import { dispatchDeliveries } from '../src/jobs/notification-delivery.js';
import { startTestMailbox } from '../src/ports/mailer.contract.js';
import type { AuditVerification } from '../src/services/audit/audit-checkpoints.js';
import { documentId } from '../src/services/notifications/documents.js';
import { Notifier } from '../src/services/notifications/notifier.js';
import { NotificationOutbox } from '../src/services/notifications/outbox.js';
import { eventually } from './helpers/eventually.js';
import type { HttpClient } from './helpers/http-client.js';
import { expectValidationDetails } from './helpers/matrix-errors.js';
import { requestEngines, startTestServer, type TestServer } from './helpers/test-server.js';
import {
  expectedSignature,
  startWebhookReceiver as startReceiver,
} from './helpers/webhook-receiver.js';
import { mailboxNotifications } from './helpers/mailbox-notifications.js';

type Client = HttpClient & { userId: string; email: string };

describe.each(requestEngines())('the audit trail alert on %s', (engine) => {
  let server: TestServer;
  let mailbox: Awaited<ReturnType<typeof startTestMailbox>>;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let blobDir: string;
  let admin: Client;
  let otherAdmin: Client;
  let retiredAdmin: Client;
  let proctor: Client;
  const notifierErrors: unknown[] = [];

  beforeAll(async () => {
    mailbox = await startTestMailbox();
    receiver = await startReceiver();
    // The checkpoint copies of this file's verifications: a blob store of its own.
    blobDir = await mkdtemp(path.join(os.tmpdir(), 'invigil-audit-alert-'));
    server = await startTestServer(engine, {
      notifications: mailboxNotifications(mailbox.port),
    });
    admin = await server.signedIn('admin', 'Ada Admin');
    otherAdmin = await server.signedIn('admin', 'Otto Admin');
    retiredAdmin = await server.signedIn('admin', 'Rita Retired');
    proctor = await server.signedIn('proctor', 'Pat Proctor');
    await server.instance.database.db
      .update(users)
      .set({ disabled: true })
      .where(eq(users.id, retiredAdmin.userId));
  });
  afterAll(async () => {
    await server?.close();
    await receiver?.close();
    await mailbox?.close();
    if (blobDir) await rm(blobDir, { recursive: true, force: true });
  });

  /** A Notifier built the way composition/services.ts builds it, on the test server's database and job queue. */
  function notifier(emailEnabled = true): Notifier {
    const { database, config, jobs } = server.instance;
    const retries = {
      retryBaseMs: config.notifications.retryBaseMs,
      maxAttempts: config.notifications.maxAttempts,
    };
    return new Notifier(database.db, {
      outbox: new NotificationOutbox(database.db),
      clock: server.clock,
      emailEnabled,
      publicUrl: config.publicUrl.replace(/\/+$/, ''),
      dispatch: (ids) => dispatchDeliveries(jobs, ids, retries),
      onError: (error) => notifierErrors.push(error),
    });
  }

  async function createWebhook(p: string, events: string[]) {
    const res = await admin.post('/api/webhooks', { url: receiver.url(p), events });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body as { webhook: { id: string; events: string[] }; secret: string };
  }

  const deliveriesOf = async (webhookId: string) => {
    const res = await admin.get(`/api/webhooks/${webhookId}/deliveries`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body.items as { id: number; event: string; status: string; attempts: number }[];
  };

  const rowsOf = (docId: string) =>
    server.instance.database.db
      .select()
      .from(notificationDeliveries)
      .where(sql`${notificationDeliveries.payload}->>'id' = ${docId}`);

  const mailsTo = (address: string) => mailbox.received.filter((m) => m.to.includes(address));

  /**
   * An entry written straight into the database by someone without the audit key (the
   * table is append-only, so inserting is what such a person can do): its link cannot be right.
   */
  async function forgeAuditEntry(): Promise<number> {
    const { db } = server.instance.database;
    const [last] = await db.select().from(auditLog).orderBy(desc(auditLog.id)).limit(1);
    if (!last) throw new Error('the audit log is empty');
    const [forged] = await db
      .insert(auditLog)
      .values({
        at: new Date(),
        actorId: null,
        action: 'user.update',
        entityType: 'user',
        entityId: proctor.userId,
        data: { role: 'admin' },
        prevHash: last.hash,
        hash: randomBytes(32).toString('hex'),
        alg: last.alg,
        keyId: last.keyId,
      })
      .returning({ id: auditLog.id });
    return forged!.id;
  }

  it('the webhook API accepts audit.broken and refuses an unknown event', async () => {
    const created = await createWebhook('/api-check', ['audit.broken', 'verdict']);
    expect(created.webhook.events).toEqual(['audit.broken', 'verdict']);
    const id = created.webhook.id;
    const patched = await admin.patch(`/api/webhooks/${id}`, { events: ['audit.broken'] });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    expect(patched.body.events).toEqual(['audit.broken']);
    const post = (events: unknown) =>
      admin.post('/api/webhooks', { url: receiver.url('/api-check'), events });
    expectValidationDetails(await post(['audit.tampered']));
    expectValidationDetails(await post(['audit.broken', 'audit']));
    expectValidationDetails(await admin.patch(`/api/webhooks/${id}`, { events: ['audit.*'] }));
    expect((await admin.get('/api/notifications/settings')).body.events).toEqual([
      'flag.high',
      'verdict',
      'audit.broken',
    ]);
    expect((await admin.delete(`/api/webhooks/${id}`)).status).toBe(200);
  });

  it('a report without problems queues nothing', async () => {
    const { webhook } = await createWebhook('/quiet', ['audit.broken']);
    const verifiedAt = server.clock.now();
    await notifier().auditTrailBroken({ verifiedAt, entries: 3, checkpoints: 1, problems: [] });
    expect(await rowsOf(documentId(`audit.broken:${verifiedAt.toISOString()}`))).toEqual([]);
    expect(await deliveriesOf(webhook.id)).toEqual([]);
    expect((await admin.delete(`/api/webhooks/${webhook.id}`)).status).toBe(200);
  });

  it('a failed verification is POSTed, signed, to audit.broken webhooks and e-mailed to the admins', async () => {
    const subscribed = await createWebhook('/audit', ['audit.broken']);
    const unsubscribed = await createWebhook('/other', ['flag.high', 'verdict']);
    const disabled = await createWebhook('/disabled', ['audit.broken']);
    expect(
      (await admin.patch(`/api/webhooks/${disabled.webhook.id}`, { active: false })).status,
    ).toBe(200);
    const forgedId = await forgeAuditEntry();

    // The daily verification's path (jobs/audit-trail.ts), reporting a failure to the notifier.
    const alerts = notifier();
    const blobs = await LocalDiskBlobStore.open(blobDir);
    let verifiedAt: Date | undefined;
    const jobErrors: unknown[] = [];
    const result = await verifyAndRecord({
      db: server.instance.database.db,
      blobs,
      clock: server.clock,
      onVerified: async (r: AuditVerification) => {
        if (r.ok) return;
        verifiedAt = server.clock.now();
        await alerts.auditTrailBroken({
          verifiedAt,
          entries: r.entries,
          checkpoints: r.checkpoints,
          problems: r.problems,
        });
      },
      onError: (error) => jobErrors.push(error),
    });
    expect(result.ok).toBe(false);
    expect(result.problems).toContain(
      `Audit entry ${forgedId} does not check out: its content or signature was changed`,
    );
    expect(verifiedAt).toBeDefined();
    const at = verifiedAt!.toISOString();
    const docId = documentId(`audit.broken:${at}`);

    // One row per target, committed before the method returned: the subscribed, active
    // webhook and the enabled admins; not the other webhooks, the disabled admin or the proctor.
    const rows = await rowsOf(docId);
    expect(rows.map((r) => r.target).sort()).toEqual(
      [receiver.url('/audit'), admin.email, otherAdmin.email].sort(),
    );
    expect(rows.every((r) => r.event === 'audit.broken' && r.examId === null)).toBe(true);

    const post = await eventually(async () => {
      const got = receiver.received.find(
        (r) => r.path === '/audit' && r.headers['x-invigil-event'] === 'audit.broken',
      );
      expect(got).toBeDefined();
      return got!;
    });
    expect(post.headers['content-type']).toBe('application/json');
    expect(post.headers['x-invigil-delivery']).toMatch(/^\d+$/);
    expect(post.headers['x-invigil-timestamp']).toMatch(/^\d{10}$/);
    expect(post.headers['x-invigil-signature']).toBe(expectedSignature(subscribed.secret, post));
    const doc: unknown = JSON.parse(post.body);
    expect(NotificationDocument.parse(doc)).toEqual({
      id: docId,
      event: 'audit.broken',
      createdAt: at,
      data: {
        verifiedAt: at,
        entries: result.entries,
        checkpoints: result.checkpoints,
        problems: result.problems,
      },
    });

    const publicUrl = server.instance.config.publicUrl.replace(/\/+$/, '');
    for (const to of [admin, otherAdmin]) {
      const mail = await eventually(async () => {
        const [m] = mailsTo(to.email);
        expect(m).toBeDefined();
        return m!;
      });
      expect(mail.subject).toBe('Invigil: the audit trail failed verification');
      expect(mail.text).toContain(`Audit entry ${forgedId} does not check out`);
      expect(mail.text).toContain('invigil audit verify');
      expect(mail.text).toContain(`${publicUrl}/admin/audit`);
      expect(mail.html).toContain(`href="${publicUrl}/admin/audit"`);
    }

    // Every row of this document is delivered, and the webhook's log shows it (by this
    // document's row id: the server's own daily verification may add another document).
    await eventually(async () => {
      const sent = await rowsOf(docId);
      expect(sent.map((r) => [r.status, r.attempts])).toEqual(sent.map(() => ['delivered', 1]));
    });
    const webhookRow = rows.find((r) => r.channel === 'webhook')!;
    expect(
      (await deliveriesOf(subscribed.webhook.id)).find((d) => d.id === webhookRow.id),
    ).toMatchObject({ event: 'audit.broken', status: 'delivered', attempts: 1 });
    expect(await deliveriesOf(unsubscribed.webhook.id)).toEqual([]);
    expect(await deliveriesOf(disabled.webhook.id)).toEqual([]);
    expect(receiver.received.filter((r) => r.path !== '/audit')).toEqual([]);
    expect(mailsTo(retiredAdmin.email)).toEqual([]);
    expect(mailsTo(proctor.email)).toEqual([]);

    // The same verification reported again (another process) is not sent twice.
    await alerts.auditTrailBroken({
      verifiedAt: verifiedAt!,
      entries: result.entries,
      checkpoints: result.checkpoints,
      problems: result.problems,
    });
    expect(await rowsOf(docId)).toHaveLength(3);
    expect(jobErrors).toEqual([]);
    expect(notifierErrors).toEqual([]);

    for (const w of [subscribed, unsubscribed, disabled]) {
      expect((await admin.delete(`/api/webhooks/${w.webhook.id}`)).status).toBe(200);
    }
  });

  it('without e-mail only the webhooks are told', async () => {
    const { webhook } = await createWebhook('/audit-no-mail', ['audit.broken']);
    const verifiedAt = new Date(server.clock.now().getTime() + 1);
    await notifier(false).auditTrailBroken({
      verifiedAt,
      entries: 10,
      checkpoints: 2,
      problems: ['Checkpoint 2 differs between the database and the blob store'],
    });
    const rows = await rowsOf(documentId(`audit.broken:${verifiedAt.toISOString()}`));
    expect(rows.map((r) => [r.channel, r.target])).toEqual([
      ['webhook', receiver.url('/audit-no-mail')],
    ]);
    await eventually(async () => {
      expect(await deliveriesOf(webhook.id)).toMatchObject([{ status: 'delivered' }]);
    });
    expect((await admin.delete(`/api/webhooks/${webhook.id}`)).status).toBe(200);
  });
});
