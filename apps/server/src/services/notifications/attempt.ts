import { eq } from 'drizzle-orm';
import type { Db } from '../../db/database.js';
import { webhooks } from '../../db/schema.js';
import type { Mailer } from '../../ports/mailer.port.js';
import { emailPayloadOf, type AttemptResult, type LeasedDelivery } from './outbox.js';
import { signWebhook } from './signature.js';

/** A webhook receiver has this long to answer. */
export const WEBHOOK_TIMEOUT_MS = 10_000;

/** Why a request failed, without the URL (it may carry a token) or any secret. */
function describeFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return `No answer within ${timeoutMs / 1000} s`;
  }
  const cause =
    error instanceof Error
      ? (error.cause as { code?: string; message?: string } | undefined)
      : undefined;
  if (cause?.code) return `Connection failed (${cause.code})`;
  if (cause?.message) return `Connection failed (${cause.message})`;
  return error instanceof Error ? error.message : String(error);
}

/**
 * Makes one attempt at a leased delivery: a signed POST for webhooks, an e-mail through
 * the Mailer for e-mail. Never throws for a failed attempt; the result says what happened.
 */
export class DeliveryAttempts {
  constructor(
    private readonly db: Db,
    private readonly mailer: Mailer | undefined,
    private readonly now: () => Date,
    private readonly timeoutMs = WEBHOOK_TIMEOUT_MS,
  ) {}

  /** Attempt the delivery once. */
  async attempt(delivery: LeasedDelivery): Promise<AttemptResult> {
    return delivery.channel === 'webhook' ? this.webhook(delivery) : this.email(delivery);
  }

  private async webhook(delivery: LeasedDelivery): Promise<AttemptResult> {
    if (!delivery.webhookId) return { ok: false, permanent: true, error: 'No webhook' };
    const [hook] = await this.db.select().from(webhooks).where(eq(webhooks.id, delivery.webhookId));
    if (!hook) return { ok: false, permanent: true, error: 'The webhook was deleted' };
    // A disabled webhook receives nothing more, except the admin's own test.
    if (!hook.active && delivery.event !== 'ping') {
      return { ok: false, permanent: true, error: 'The webhook is disabled' };
    }
    const body = JSON.stringify(delivery.payload);
    const timestamp = String(Math.floor(this.now().getTime() / 1000));
    const target = hook.url !== delivery.target ? hook.url : undefined;
    try {
      const res = await fetch(hook.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Invigil-Webhook/1',
          'x-invigil-event': delivery.event,
          'x-invigil-delivery': String(delivery.id),
          'x-invigil-timestamp': timestamp,
          'x-invigil-signature': signWebhook(hook.secret, timestamp, body),
        },
        body,
        // A redirect is a failure: following it would send signed events somewhere unreviewed.
        redirect: 'manual',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      await res.body?.cancel();
      if (res.status >= 200 && res.status < 300)
        return { ok: true, statusCode: res.status, target };
      return { ok: false, statusCode: res.status, error: `HTTP ${res.status}`, target };
    } catch (error) {
      return { ok: false, error: describeFailure(error, this.timeoutMs), target };
    }
  }

  private async email(delivery: LeasedDelivery): Promise<AttemptResult> {
    if (!this.mailer) return { ok: false, permanent: true, error: 'E-mail is not configured' };
    const mail = emailPayloadOf(delivery.payload);
    if (!mail) return { ok: false, permanent: true, error: 'Unreadable e-mail payload' };
    try {
      await this.mailer.send({
        to: delivery.target,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
      });
      return { ok: true };
    } catch (error) {
      return {
        ok: false,
        error: (error instanceof Error ? error.message : String(error)).slice(0, 500),
      };
    }
  }
}
