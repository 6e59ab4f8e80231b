import { z } from 'zod';
import { Id, Timestamp } from './common.js';
import { DetectorName, Severity } from './detection.js';

/**
 * Events a webhook can subscribe to: `flag.high` (a new high-severity flag), `verdict` (a
 * reviewer decided a verdict, provisional or final) and `audit.broken` (the daily verification
 * of the audit trail failed: an entry or checkpoint was changed or removed, or the blob store's
 * copy disagrees). `ping` is only sent by the test button.
 */
export const NotificationEvent = z.enum(['flag.high', 'verdict', 'audit.broken']);
export type NotificationEvent = z.infer<typeof NotificationEvent>;

/** Every event name that appears in `x-invigil-event` and a document's `event`. */
export const NotificationEventName = z.enum(['flag.high', 'verdict', 'audit.broken', 'ping']);
export type NotificationEventName = z.infer<typeof NotificationEventName>;

/** Where a delivery goes. */
export const NotificationChannel = z.enum(['webhook', 'email']);
export type NotificationChannel = z.infer<typeof NotificationChannel>;

/** A delivery's state: waiting (also between retries), being sent, done, given up. */
export const DeliveryStatus = z.enum(['pending', 'sending', 'delivered', 'failed']);
export type DeliveryStatus = z.infer<typeof DeliveryStatus>;

const WebhookUrl = z
  .url({ protocol: /^https?$/, message: 'Must be an absolute http(s) URL' })
  .max(2000);
const WebhookEvents = z
  .array(NotificationEvent)
  .min(1, { message: 'Choose at least one event' })
  .max(NotificationEvent.options.length);
const WebhookDescription = z.string().trim().max(500);

/** A webhook as the API shows it. Its secret is never shown again after creation. */
export const Webhook = z.object({
  id: Id,
  url: z.string(),
  events: z.array(NotificationEvent),
  active: z.boolean(),
  description: z.string().nullable(),
  createdBy: Id.nullable(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Webhook = z.infer<typeof Webhook>;

/** POST /api/webhooks (admin). https is required unless the host is local (or the server allows http). */
export const CreateWebhookBody = z.strictObject({
  url: WebhookUrl,
  events: WebhookEvents,
  description: WebhookDescription.optional(),
});
export type CreateWebhookBody = z.infer<typeof CreateWebhookBody>;

/** The created webhook with its signing secret (64 hex characters), shown this once. */
export const CreatedWebhook = z.object({ webhook: Webhook, secret: z.string() });
export type CreatedWebhook = z.infer<typeof CreatedWebhook>;

/** PATCH /api/webhooks/:id (admin): any of the fields; `description: null` clears it. */
export const UpdateWebhookBody = z
  .strictObject({
    url: WebhookUrl,
    events: WebhookEvents,
    active: z.boolean(),
    description: WebhookDescription.nullable(),
  })
  .partial()
  .refine((b) => Object.keys(b).length > 0, { message: 'Nothing to update' });
export type UpdateWebhookBody = z.infer<typeof UpdateWebhookBody>;

/** One row of the delivery log (a webhook call or an e-mail), with its latest attempt. */
export const NotificationDelivery = z.object({
  id: z.number().int(),
  channel: NotificationChannel,
  webhookId: Id.nullable(),
  /** The URL (webhooks) or e-mail address the delivery went to. */
  target: z.string(),
  event: NotificationEventName,
  status: DeliveryStatus,
  attempts: z.number().int().min(0),
  /** When the next attempt is due (pending), else when the last one was scheduled. */
  nextAttemptAt: Timestamp,
  /** HTTP status of the last attempt; null for e-mail or when no answer came. */
  lastStatusCode: z.number().int().nullable(),
  lastError: z.string().nullable(),
  createdAt: Timestamp,
  deliveredAt: Timestamp.nullable(),
});
export type NotificationDelivery = z.infer<typeof NotificationDelivery>;

/** GET /api/webhooks/:id/deliveries query: newest first, `before` = the last id of the previous page. */
export const ListDeliveriesQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: z.coerce.number().int().min(1).optional(),
});
export type ListDeliveriesQuery = z.infer<typeof ListDeliveriesQuery>;

/** A page of the delivery log; `nextBefore` fetches the next (older) page, null at the end. */
export const DeliveryPage = z.object({
  items: z.array(NotificationDelivery),
  nextBefore: z.number().int().nullable(),
});
export type DeliveryPage = z.infer<typeof DeliveryPage>;

/** GET /api/notifications/settings (admin): what the server is configured to send. */
export const NotificationSettings = z.object({
  /** E-mail over SMTP is configured (SMTP_URL and SMTP_FROM). */
  emailEnabled: z.boolean(),
  /** The sender address, when e-mail is on. */
  emailFrom: z.string().nullable(),
  /** Plain-http webhook URLs are allowed for any host (WEBHOOK_ALLOW_HTTP). */
  allowHttpWebhooks: z.boolean(),
  /** Events a webhook can subscribe to. */
  events: z.array(NotificationEvent),
});
export type NotificationSettings = z.infer<typeof NotificationSettings>;

/** The exam, session and student a notification is about. */
const Subject = z.object({
  exam: z.object({ id: Id, title: z.string() }),
  session: z.object({ id: Id }),
  student: z.object({ id: Id, name: z.string() }),
});

/** `data` of a `flag.high` document. Times are client epoch ms; offsets from the attempt's start. */
export const FlagHighData = Subject.extend({
  flag: z.object({
    id: Id,
    type: DetectorName,
    message: z.string(),
    severity: Severity,
    confidence: z.number(),
    startMs: z.number().int(),
    endMs: z.number().int().nullable(),
    startOffsetMs: z.number().int().nullable(),
    endOffsetMs: z.number().int().nullable(),
  }),
});
export type FlagHighData = z.infer<typeof FlagHighData>;

/** `data` of a `verdict` document; `final` is false while the student may still respond. */
export const VerdictData = Subject.extend({
  verdict: z.object({
    verdict: z.enum(['clean', 'suspicious', 'violation']),
    reason: z.string(),
    final: z.boolean(),
    decidedAt: Timestamp,
  }),
});
export type VerdictData = z.infer<typeof VerdictData>;

/** At most this many problems are in an `audit.broken` document (a webhook body stays small). */
export const AUDIT_BROKEN_MAX_PROBLEMS = 20;
/** At most this many characters of each problem are in an `audit.broken` document. */
export const AUDIT_PROBLEM_CHARS = 500;

/**
 * `data` of an `audit.broken` document: when the audit trail was verified, how much of it
 * there was, and what did not check out, in words an administrator can act on (the first
 * AUDIT_BROKEN_MAX_PROBLEMS; `invigil audit verify` prints them all). Not about an exam.
 */
export const AuditBrokenData = z.object({
  verifiedAt: Timestamp,
  entries: z.number().int().min(0),
  checkpoints: z.number().int().min(0),
  problems: z.array(z.string().max(AUDIT_PROBLEM_CHARS)).max(AUDIT_BROKEN_MAX_PROBLEMS),
});
export type AuditBrokenData = z.infer<typeof AuditBrokenData>;

/** `data` of a `ping` document (the webhook's test button). */
export const PingData = z.object({ webhookId: Id, message: z.string() });
export type PingData = z.infer<typeof PingData>;

const documentBase = {
  /** Stable for the same event: a receiver can de-duplicate retries and repeats by it. */
  id: z.string(),
  createdAt: Timestamp,
};

/**
 * The JSON body of every webhook POST. Signed: `x-invigil-signature: sha256=<hex>` is the
 * HMAC-SHA256, keyed with the webhook's secret, of `<x-invigil-timestamp>.<raw body>`.
 */
export const NotificationDocument = z.discriminatedUnion('event', [
  z.object({ ...documentBase, event: z.literal('flag.high'), data: FlagHighData }),
  z.object({ ...documentBase, event: z.literal('verdict'), data: VerdictData }),
  z.object({ ...documentBase, event: z.literal('audit.broken'), data: AuditBrokenData }),
  z.object({ ...documentBase, event: z.literal('ping'), data: PingData }),
]);
export type NotificationDocument = z.infer<typeof NotificationDocument>;
