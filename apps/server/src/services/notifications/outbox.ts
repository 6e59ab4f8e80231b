import { and, asc, eq, inArray, lte, or, sql } from 'drizzle-orm';
import type { NotificationDocument } from '@invigil/contracts';
import { lockInTransaction, NOTIFICATION_OUTBOX_LOCK } from '../../db/advisory-locks.js';
import type { Db, Tx } from '../../db/database.js';
import { notificationDeliveries } from '../../db/schema.js';
import { retryDelayMs } from './backoff.js';
import type { MailContent } from './email-templates.js';

/** Where one copy of a document goes. */
export type DeliveryTarget =
  | { channel: 'webhook'; webhookId: string; url: string }
  | { channel: 'email'; to: string; mail: MailContent };

/** What an e-mail delivery stores: the rendered message and the document it came from. */
export interface EmailPayload extends MailContent {
  id: string;
  event: NotificationDocument['event'];
}

/** A delivery leased by this sender. `attempts` (already counting this one) identifies the lease. */
export interface LeasedDelivery {
  id: number;
  channel: 'webhook' | 'email';
  webhookId: string | null;
  target: string;
  event: NotificationDocument['event'];
  payload: unknown;
  attempts: number;
  /** When the delivery was queued (its latency runs from here). */
  createdAt?: Date;
}

/** The outcome of one attempt. */
export interface AttemptResult {
  ok: boolean;
  statusCode?: number | undefined;
  error?: string | undefined;
  /** Retrying cannot help (the webhook is gone or disabled, e-mail was switched off). */
  permanent?: boolean | undefined;
  /** The target actually used, when it changed since enqueueing (a webhook's URL was edited). */
  target?: string | undefined;
}

/** Retry settings. */
export interface OutboxOptions {
  retryBaseMs: number;
  maxAttempts: number;
  /** Longer than the slowest attempt (10 s webhook timeout, SMTP timeouts). */
  leaseMs?: number;
}

const DEFAULT_LEASE_MS = 2 * 60_000;

/** The identity of a target within one document, for de-duplication. */
const targetKey = (channel: string, webhookId: string | null, target: string) =>
  channel === 'webhook' ? `webhook:${webhookId}` : `email:${target.toLowerCase()}`;

/**
 * The outbox of notifications (table `notification_deliveries`), which is also the
 * delivery log. It follows the analysis queue's leasing scheme (`services/analysis-queue.ts`):
 * claiming skips rows other transactions hold (`FOR UPDATE SKIP LOCKED`), a lease that runs
 * out is taken over, and recording an attempt is guarded on the lease, so several
 * processes can send without sending a row twice at once.
 */
export class NotificationOutbox {
  private readonly leaseMs: number;

  constructor(
    private readonly db: Db,
    private readonly options: OutboxOptions,
  ) {
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  }

  /**
   * Queue `doc` for each target, skipping targets that already have it. Every server
   * process hears each bus message (Redis), so the same document arrives several times:
   * under a transaction-scoped advisory lock on the document id, the existing rows are
   * read and only missing targets inserted. `also` runs in the same transaction (an audit
   * entry). Returns the new rows' ids.
   */
  async enqueue(
    doc: NotificationDocument,
    targets: readonly DeliveryTarget[],
    now: Date,
    also?: (tx: Tx) => Promise<void>,
  ): Promise<number[]> {
    if (targets.length === 0) return [];
    return this.db.transaction(async (tx) => {
      await lockInTransaction(tx, NOTIFICATION_OUTBOX_LOCK, doc.id);
      const existing = await tx
        .select({
          channel: notificationDeliveries.channel,
          webhookId: notificationDeliveries.webhookId,
          target: notificationDeliveries.target,
        })
        .from(notificationDeliveries)
        .where(
          and(
            eq(notificationDeliveries.event, doc.event),
            sql`${notificationDeliveries.payload}->>'id' = ${doc.id}`,
          ),
        );
      const seen = new Set(existing.map((r) => targetKey(r.channel, r.webhookId, r.target)));
      const rows = [];
      for (const t of targets) {
        const key =
          t.channel === 'webhook'
            ? targetKey('webhook', t.webhookId, t.url)
            : targetKey('email', null, t.to);
        if (seen.has(key)) continue;
        seen.add(key);
        rows.push(this.row(doc, t, now));
      }
      if (rows.length === 0) return [];
      const inserted = await tx
        .insert(notificationDeliveries)
        .values(rows)
        // The unique index on (document, channel, target) is the last word on duplicates.
        .onConflictDoNothing()
        .returning({ id: notificationDeliveries.id });
      await also?.(tx);
      return inserted.map((r) => r.id);
    });
  }

  /** Lease up to `limit` due deliveries (pending and due, or sending with an expired lease). */
  async claim(limit: number, now: Date): Promise<LeasedDelivery[]> {
    if (limit <= 0) return [];
    const d = notificationDeliveries;
    return this.db.transaction(async (tx) => {
      const due = await tx
        .select({ id: d.id })
        .from(d)
        .where(
          or(
            and(eq(d.status, 'pending'), lte(d.nextAttemptAt, now)),
            and(eq(d.status, 'sending'), lte(d.lockedUntil, now)),
          ),
        )
        .orderBy(asc(d.nextAttemptAt), asc(d.id))
        .limit(limit)
        .for('update', { skipLocked: true });
      if (due.length === 0) return [];
      const leased = await tx
        .update(d)
        .set({
          status: 'sending',
          attempts: sql`${d.attempts} + 1`,
          lockedUntil: new Date(now.getTime() + this.leaseMs),
        })
        .where(
          inArray(
            d.id,
            due.map((r) => r.id),
          ),
        )
        .returning();
      return leased.map((r) => ({
        id: r.id,
        channel: r.channel as LeasedDelivery['channel'],
        webhookId: r.webhookId,
        target: r.target,
        event: r.event as LeasedDelivery['event'],
        payload: r.payload,
        attempts: r.attempts,
        createdAt: r.createdAt,
      }));
    });
  }

  /**
   * Record an attempt: delivered, retried later with backoff, or given up (`failed`) when
   * permanent or out of attempts. Nothing is written if the lease was lost. Returns the
   * new status, or null when the lease was lost.
   */
  async record(
    delivery: LeasedDelivery,
    result: AttemptResult,
    now: Date,
  ): Promise<'delivered' | 'pending' | 'failed' | null> {
    const d = notificationDeliveries;
    const giveUp = result.permanent === true || delivery.attempts >= this.options.maxAttempts;
    const status = result.ok ? 'delivered' : giveUp ? 'failed' : 'pending';
    const updated = await this.db
      .update(d)
      .set({
        status,
        lockedUntil: null,
        lastStatusCode: result.statusCode ?? null,
        lastError: result.ok ? null : (result.error ?? 'failed').slice(0, 1000),
        deliveredAt: result.ok ? now : null,
        ...(status === 'pending'
          ? {
              nextAttemptAt: new Date(
                now.getTime() + retryDelayMs(delivery.attempts, this.options.retryBaseMs),
              ),
            }
          : {}),
        ...(result.target ? { target: result.target } : {}),
      })
      .where(and(eq(d.id, delivery.id), eq(d.status, 'sending'), eq(d.attempts, delivery.attempts)))
      .returning({ id: d.id });
    return updated.length > 0 ? status : null;
  }

  private row(doc: NotificationDocument, t: DeliveryTarget, now: Date) {
    const examId = doc.event === 'ping' ? null : doc.data.exam.id;
    const common = {
      event: doc.event,
      examId,
      status: 'pending',
      nextAttemptAt: now,
      createdAt: now,
    };
    if (t.channel === 'webhook') {
      return { ...common, channel: 'webhook', webhookId: t.webhookId, target: t.url, payload: doc };
    }
    const payload: EmailPayload = { id: doc.id, event: doc.event, ...t.mail };
    return { ...common, channel: 'email', webhookId: null, target: t.to, payload };
  }
}

/** Read a stored e-mail payload (written by `enqueue`). */
export function emailPayloadOf(payload: unknown): EmailPayload | null {
  const p = payload as Partial<EmailPayload> | null;
  if (
    !p ||
    typeof p.subject !== 'string' ||
    typeof p.text !== 'string' ||
    typeof p.html !== 'string'
  )
    return null;
  return p as EmailPayload;
}
