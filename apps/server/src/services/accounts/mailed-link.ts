import { randomBytes } from 'node:crypto';
import type { MailMessage, Mailer } from '../../ports/mailer.port.js';
import { escapeHtml } from '../notifications/email-templates.js';

/**
 * What e-mailed single-use links (password reset, e-mail verification) have in common: the
 * secret, the link, the e-mail that carries it and how it is sent. Stores keep only the
 * SHA-256 of the secret (`sha256` in auth.service.ts).
 */

/** A link's secret: 32 random bytes, base64url (43 characters). */
export const newLinkSecret = (): string => randomBytes(32).toString('base64url');

/** The web app's page at `path` with the secret in the query. */
export function appLink(publicUrl: string, path: string, token: string): string {
  return `${publicUrl.replace(/\/+$/, '')}${path}?token=${encodeURIComponent(token)}`;
}

/**
 * A short e-mail around one link: plain text and the same as simple HTML, where everything
 * that comes from a person (their name) is escaped.
 */
export function linkMail(
  to: string,
  content: { subject: string; lines: readonly string[]; label: string; link: string },
): MailMessage {
  const { subject, lines, label, link } = content;
  const text = [...lines, '', `${label}: ${link}`, ''].join('\n');
  const html = [
    '<!doctype html><html><body style="font-family:sans-serif;line-height:1.5">',
    ...lines.map((l) => `<p>${escapeHtml(l)}</p>`),
    `<p><a href="${escapeHtml(link)}">${escapeHtml(label)}</a></p>`,
    '</body></html>',
  ].join('\n');
  return { to, subject, text, html };
}

/**
 * Sends link e-mails with one attempt each, not through the notification outbox: the outbox
 * would store the link (a live secret) in the clear, and a link retried much later would
 * have expired. A failure is reported; the person can ask for another link.
 */
export class LinkMailer {
  private readonly sending = new Set<Promise<void>>();

  constructor(
    private readonly mailer: Mailer,
    private readonly onError: (err: unknown, message: string) => void,
    private readonly what: string,
  ) {}

  /** Start sending; never rejects. */
  send(mail: MailMessage): void {
    const sent: Promise<void> = this.mailer
      .send(mail)
      .catch((err: unknown) => this.onError(err, `${this.what} e-mail not sent`))
      .finally(() => this.sending.delete(sent));
    this.sending.add(sent);
  }

  /** Whether an e-mail is still being sent. */
  get busy(): boolean {
    return this.sending.size > 0;
  }

  /** Resolves once every e-mail started so far is sent or failed. */
  async settled(): Promise<void> {
    while (this.sending.size > 0) await Promise.all([...this.sending]);
  }
}
