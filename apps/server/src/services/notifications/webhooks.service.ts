import { and, desc, eq, lt } from 'drizzle-orm';
import {
  NotificationEvent,
  type CreateWebhookBody,
  type CreatedWebhook,
  type DeliveryPage,
  type ListDeliveriesQuery,
  type NotificationDelivery,
  type UpdateWebhookBody,
  type Webhook,
} from '@invigil/contracts';
import type { Db, DbOrTx } from '../../db/database.js';
import { notificationDeliveries, webhooks } from '../../db/schema.js';
import { errors } from '../../errors.js';
import type { Clock } from '../../ports/clock.port.js';
import type { Actor } from '../accounts/actor.js';
import { appendAudit } from '../audit/audit.service.js';
import { iso, isoOrNull } from '../sessions/time.js';
import { pingDocument } from './documents.js';
import type { NotificationOutbox } from './outbox.js';
import { newWebhookSecret } from './signature.js';

type WebhookRow = typeof webhooks.$inferSelect;
type DeliveryRow = typeof notificationDeliveries.$inferSelect;

// Details in the shape of validation errors, so forms can mark the URL field.
const urlNotAllowed = (message: string) =>
  errors.badRequest('WEBHOOK_URL_NOT_ALLOWED', message, [{ path: 'body.url', message }]);

/** Hosts that may be called over plain http: this machine. */
const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

const toWebhook = (r: WebhookRow): Webhook => ({
  id: r.id,
  url: r.url,
  events: NotificationEvent.array().catch([]).parse(r.events),
  active: r.active,
  description: r.description,
  createdBy: r.createdBy,
  createdAt: iso(r.createdAt),
  updatedAt: iso(r.updatedAt),
});

/** A delivery log row as the API shows it (never the payload: e-mails hold personal data). */
export const toDelivery = (r: DeliveryRow): NotificationDelivery => ({
  id: r.id,
  channel: r.channel as NotificationDelivery['channel'],
  webhookId: r.webhookId,
  target: r.target,
  event: r.event as NotificationDelivery['event'],
  status: r.status as NotificationDelivery['status'],
  attempts: r.attempts,
  nextAttemptAt: iso(r.nextAttemptAt),
  lastStatusCode: r.lastStatusCode,
  lastError: r.lastError,
  createdAt: iso(r.createdAt),
  deliveredAt: isoOrNull(r.deliveredAt),
});

// What the audit log keeps of a webhook: the host only, as a URL's path or query may hold a token.
const auditView = (w: { url: string; events: unknown; active: boolean }) => ({
  host: new URL(w.url).host,
  events: w.events,
  active: w.active,
});

/**
 * Webhook management (admins): create with a generated secret shown once, change, delete,
 * read the delivery log, send a test. The secret is stored as it is — it must be
 * recoverable to sign each delivery — and never returned after creation.
 */
export class WebhookService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly outbox: NotificationOutbox,
    private readonly options: {
      allowHttp: boolean;
      dispatch(ids: readonly number[]): Promise<void>;
    },
  ) {}

  /** Every webhook, newest first. */
  async list(): Promise<Webhook[]> {
    const rows = await this.db.select().from(webhooks).orderBy(desc(webhooks.createdAt));
    return rows.map(toWebhook);
  }

  /** Create a webhook; the secret is in the answer this once. Audited. */
  async create(actor: Actor, body: CreateWebhookBody): Promise<CreatedWebhook> {
    this.checkUrl(body.url);
    const secret = newWebhookSecret();
    const now = this.clock.now();
    const events = [...new Set(body.events)];
    const row = await this.db.transaction(async (tx) => {
      const [created] = await tx
        .insert(webhooks)
        .values({
          url: body.url,
          secret,
          events,
          active: true,
          description: body.description || null,
          createdBy: actor.userId,
          createdAt: now,
          updatedAt: now,
        })
        .returning();
      if (!created) throw new Error('webhook insert returned nothing');
      await appendAudit(
        tx,
        {
          actorId: actor.userId,
          action: 'webhook.create',
          entityType: 'webhook',
          entityId: created.id,
          data: auditView(created),
        },
        now,
      );
      return created;
    });
    return { webhook: toWebhook(row), secret };
  }

  /** Change a webhook's URL, events, description or active flag. Audited with before/after. */
  async update(actor: Actor, id: string, body: UpdateWebhookBody): Promise<Webhook> {
    if (body.url !== undefined) this.checkUrl(body.url);
    const now = this.clock.now();
    const row = await this.db.transaction(async (tx) => {
      const before = await this.load(tx, id, true);
      const [after] = await tx
        .update(webhooks)
        .set({
          ...(body.url !== undefined ? { url: body.url } : {}),
          ...(body.events !== undefined ? { events: [...new Set(body.events)] } : {}),
          ...(body.active !== undefined ? { active: body.active } : {}),
          ...(body.description !== undefined ? { description: body.description || null } : {}),
          updatedAt: now,
        })
        .where(eq(webhooks.id, id))
        .returning();
      if (!after) throw errors.notFound('Webhook');
      await appendAudit(
        tx,
        {
          actorId: actor.userId,
          action: 'webhook.update',
          entityType: 'webhook',
          entityId: id,
          data: { before: auditView(before), after: auditView(after) },
        },
        now,
      );
      return after;
    });
    return toWebhook(row);
  }

  /** Delete a webhook and its delivery log (pending deliveries are dropped). Audited. */
  async remove(actor: Actor, id: string): Promise<void> {
    const now = this.clock.now();
    await this.db.transaction(async (tx) => {
      const before = await this.load(tx, id, true);
      await tx.delete(webhooks).where(eq(webhooks.id, id));
      await appendAudit(
        tx,
        {
          actorId: actor.userId,
          action: 'webhook.delete',
          entityType: 'webhook',
          entityId: id,
          data: auditView(before),
        },
        now,
      );
    });
  }

  /** A page of a webhook's delivery log, newest first. */
  async deliveries(id: string, query: ListDeliveriesQuery): Promise<DeliveryPage> {
    await this.load(this.db, id);
    const d = notificationDeliveries;
    const rows = await this.db
      .select()
      .from(d)
      .where(
        and(eq(d.webhookId, id), query.before !== undefined ? lt(d.id, query.before) : undefined),
      )
      .orderBy(desc(d.id))
      .limit(query.limit + 1);
    const items = rows.slice(0, query.limit).map(toDelivery);
    const more = rows.length > query.limit;
    return { items, nextBefore: more ? (items[items.length - 1]?.id ?? null) : null };
  }

  /**
   * Queue a `ping` to the webhook now (also when it is disabled, to try it before switching
   * it on); the answer is the queued delivery, whose outcome appears in the log. Audited.
   */
  async test(actor: Actor, id: string): Promise<NotificationDelivery> {
    const hook = await this.load(this.db, id);
    const now = this.clock.now();
    const [deliveryId] = await this.outbox.enqueue(
      pingDocument(id, now),
      [{ channel: 'webhook', webhookId: id, url: hook.url }],
      now,
      (tx) =>
        appendAudit(
          tx,
          { actorId: actor.userId, action: 'webhook.test', entityType: 'webhook', entityId: id },
          now,
        ),
    );
    if (deliveryId === undefined) throw new Error('ping was not queued');
    await this.options.dispatch([deliveryId]);
    const [row] = await this.db
      .select()
      .from(notificationDeliveries)
      .where(eq(notificationDeliveries.id, deliveryId));
    if (!row) throw errors.notFound('Delivery');
    return toDelivery(row);
  }

  private async load(db: DbOrTx, id: string, lock = false): Promise<WebhookRow> {
    const q = db.select().from(webhooks).where(eq(webhooks.id, id));
    const [row] = lock ? await q.for('update') : await q;
    if (!row) throw errors.notFound('Webhook');
    return row;
  }

  /** https, or http to this machine (or anywhere when WEBHOOK_ALLOW_HTTP); no credentials. */
  private checkUrl(raw: string): void {
    const url = new URL(raw);
    if (url.username || url.password) {
      throw urlNotAllowed(
        'The webhook URL must not contain a user name or password; receivers check the signature',
      );
    }
    const local = LOCAL_HOSTS.has(url.hostname);
    if (url.protocol === 'http:' && !local && !this.options.allowHttp) {
      throw urlNotAllowed('The webhook URL must use https (plain http only for localhost)');
    }
  }
}
