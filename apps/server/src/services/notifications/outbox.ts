import { and, asc, eq, inArray, lte, sql } from 'drizzle-orm';
import type { NotificationDocument } from '@invigil/contracts';
import { lockInTransaction, NOTIFICATION_OUTBOX_LOCK } from '../../db/advisory-locks.js';
import type { Db, Tx } from '../../db/database.js';
import { notificationDeliveries } from '../../db/schema.js';
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

/** The identity of a target within one document, for de-duplication. */
const targetKey = (channel: string, webhookId: string | null, target: string) =>
  channel === 'webhook' ? `webhook:${webhookId}` : `email:${target.toLowerCase()}`;

/**
 * The outbox of notifications (table `notification_deliveries`), which is also the
 * delivery log. Each row is sent by a `notification.delivery` job (see
 * jobs/notification-delivery.ts), keyed by the row, so the job queue's leases, retries and
 * dead letters apply; the row records every attempt and its outcome for people to read.
 */
export class NotificationOutbox {
  constructor(private readonly db: Db) {}

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

  /**
   * Start an attempt at delivery `id` (its job runs): the row becomes `sending` with one more
   * attempt, and what to send is returned. Null when it was delivered already (a job that ran
   * twice) or is gone. A row given up (`failed`) is attempted again: only a retry of its dead
   * job, asked for by an admin, gets here.
   */
  async begin(id: number): Promise<LeasedDelivery | null> {
    const d = notificationDeliveries;
    const [r] = await this.db
      .update(d)
      .set({ status: 'sending', attempts: sql`${d.attempts} + 1`, lockedUntil: null })
      .where(and(eq(d.id, id), inArray(d.status, ['pending', 'sending', 'failed'])))
      .returning();
    if (!r) return null;
    return {
      id: r.id,
      channel: r.channel as LeasedDelivery['channel'],
      webhookId: r.webhookId,
      target: r.target,
      event: r.event as LeasedDelivery['event'],
      payload: r.payload,
      attempts: r.attempts,
      createdAt: r.createdAt,
    };
  }

  /**
   * Record an attempt: delivered; given up (`failed`) when permanent or `final`; else
   * pending again, due in `retryInMs` (shown in the log; the job queue runs the retry).
   * Nothing is written when another run began meanwhile. Returns the new status, or null.
   */
  async record(
    delivery: LeasedDelivery,
    result: AttemptResult,
    now: Date,
    next: { final: boolean; retryInMs: number },
  ): Promise<'delivered' | 'pending' | 'failed' | null> {
    const d = notificationDeliveries;
    const giveUp = result.permanent === true || next.final;
    const status = result.ok ? 'delivered' : giveUp ? 'failed' : 'pending';
    const updated = await this.db
      .update(d)
      .set({
        status,
        lastStatusCode: result.statusCode ?? null,
        lastError: result.ok ? null : (result.error ?? 'failed').slice(0, 1000),
        deliveredAt: result.ok ? now : null,
        ...(status === 'pending'
          ? { nextAttemptAt: new Date(now.getTime() + next.retryInMs) }
          : {}),
        ...(result.target ? { target: result.target } : {}),
      })
      .where(and(eq(d.id, delivery.id), eq(d.status, 'sending'), eq(d.attempts, delivery.attempts)))
      .returning({ id: d.id });
    return updated.length > 0 ? status : null;
  }

  /**
   * Deliveries still to be sent that were due at least `graceMs` ago: their job may have been
   * lost (a process died between queueing the row and adding its job), so they are added
   * again; a job still there makes that a no-op.
   */
  async overdue(now: Date, graceMs: number, limit: number): Promise<number[]> {
    const d = notificationDeliveries;
    const rows = await this.db
      .select({ id: d.id })
      .from(d)
      .where(
        and(
          inArray(d.status, ['pending', 'sending']),
          lte(d.nextAttemptAt, new Date(now.getTime() - graceMs)),
        ),
      )
      .orderBy(asc(d.nextAttemptAt), asc(d.id))
      .limit(limit);
    return rows.map((r) => r.id);
  }

  private row(doc: NotificationDocument, t: DeliveryTarget, now: Date) {
    // A ping and an audit alert are about no exam.
    const examId = 'exam' in doc.data ? doc.data.exam.id : null;
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
