import type { Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';
import type { MailMessage, Mailer } from '../ports/mailer.port.js';

/** How long to wait for the server at each step; a stuck server fails the attempt, which is retried. */
const TIMEOUT_MS = 15_000;

/**
 * E-mail over SMTP (nodemailer), configured by a connection URL (`smtp://user:pass@host:587`
 * upgrades with STARTTLS when offered, `smtps://host:465` is TLS from the start). One
 * connection per message, as notifications are rare. nodemailer loads only when configured.
 */
export class SmtpMailer implements Mailer {
  private constructor(
    private readonly transport: Transporter<SMTPTransport.SentMessageInfo>,
    private readonly from: string,
  ) {}

  /** A mailer for `url`, sending as `from`. Nothing connects until the first message. */
  static async create(url: string, from: string): Promise<SmtpMailer> {
    const nodemailer = await import('nodemailer');
    const transport = nodemailer.createTransport({
      url,
      connectionTimeout: TIMEOUT_MS,
      greetingTimeout: TIMEOUT_MS,
      socketTimeout: TIMEOUT_MS,
    } as SMTPTransport.Options);
    return new SmtpMailer(transport, from);
  }

  async send(message: MailMessage): Promise<void> {
    const info = await this.transport.sendMail({
      from: this.from,
      to: message.to,
      subject: message.subject,
      text: message.text,
      html: message.html,
    });
    // A server may accept the envelope but refuse the only recipient.
    if (info.accepted.length === 0) {
      throw new Error(`SMTP server refused the recipient (${info.response})`);
    }
  }

  async close(): Promise<void> {
    this.transport.close();
  }
}
