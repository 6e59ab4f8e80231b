import { z } from 'zod';
import { bool, int } from './env-values.js';

/** Webhooks and e-mail: how notifications leave the server. */
export const NOTIFICATIONS_ENV = {
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, 'Must start with smtp:// or smtps://')
    .optional()
    .describe(
      'SMTP server for e-mail notifications, e.g. smtp://user:pass@host:587 or smtps://host:465. Unset: no e-mail.',
    ),
  SMTP_FROM: z
    .string()
    .min(3)
    .max(320)
    .optional()
    .describe(
      'Sender of notification e-mails, e.g. "Invigil <invigil@uni.example>". Needed with SMTP_URL.',
    ),
  WEBHOOK_ALLOW_HTTP: bool
    .default(false)
    .describe(
      'Allow plain-http webhook URLs for any host (https is required except for localhost).',
    ),
  NOTIFICATION_POLL_SECONDS: int(1, 600)
    .default(5)
    .describe(
      'How often a sweep looks for webhook calls and e-mails whose job was lost (a process died) and queues them again. New ones and retries are run by the job queue.',
    ),
} as const;

/** The notification settings once parsed, all this file's functions need. */
type NotificationsEnv = z.infer<z.ZodObject<typeof NOTIFICATIONS_ENV>>;

/** Settings of notifications beyond the browser (webhooks and e-mail). */
export interface NotificationsConfig {
  /** SMTP connection URL; undefined = e-mail off. Holds a password: never log it. */
  smtpUrl?: string | undefined;
  /** Sender address of e-mails (required with smtpUrl). */
  smtpFrom?: string | undefined;
  /** Plain-http webhook URLs allowed for any host, not only localhost. */
  allowHttpWebhooks: boolean;
  /** How often the sender looks for due deliveries. */
  pollMs: number;
  /** First retry delay; each further retry waits four times longer (with jitter). */
  retryBaseMs: number;
  /** Attempts before a delivery is given up. */
  maxAttempts: number;
}

/**
 * SMTP settings given only in part: reported at start-up, since otherwise e-mails would fail
 * one by one much later, out of the operator's sight.
 */
export function notificationsProblems(e: NotificationsEnv): string[] {
  const problems: string[] = [];
  if (e.SMTP_URL && !e.SMTP_FROM) {
    problems.push('SMTP_URL is set but SMTP_FROM is not: e-mails need a sender address');
  }
  if (e.SMTP_FROM && !e.SMTP_URL) {
    problems.push('SMTP_FROM is set but SMTP_URL is not: there is no server to send through');
  }
  return problems;
}

/**
 * The notification settings, with the retry schedule fixed here: it is not a setting, but
 * tests build their own `Config` with shorter retries.
 */
export function notificationsConfig(e: NotificationsEnv): NotificationsConfig {
  return {
    smtpUrl: e.SMTP_URL,
    smtpFrom: e.SMTP_FROM,
    allowHttpWebhooks: e.WEBHOOK_ALLOW_HTTP,
    pollMs: e.NOTIFICATION_POLL_SECONDS * 1000,
    retryBaseMs: 30_000,
    maxAttempts: 8,
  };
}
