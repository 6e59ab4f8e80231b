/** One e-mail: a plain-text body and the same content as simple HTML. */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
}

/**
 * Sends e-mail. `send` resolves once the server accepted the message and rejects with
 * the reason otherwise (the caller retries); the sender address is the adapter's setting.
 */
export interface Mailer {
  send(message: MailMessage): Promise<void>;
  /** Release connections. */
  close(): Promise<void>;
}
