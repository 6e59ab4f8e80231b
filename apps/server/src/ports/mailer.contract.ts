import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Mailer } from './mailer.port.js';

/** A message as the receiving side saw it. */
export interface ReceivedMail {
  to: string[];
  from: string;
  subject: string;
  text: string;
  html: string;
}

/** A mailer under test, a mailbox that sees what it sent, and a mailer that cannot send. */
export interface MailerFixture {
  mailer: Mailer;
  /** Messages received so far, in arrival order. */
  received(): Promise<ReceivedMail[]>;
  /** A mailer whose server refuses or is unreachable. */
  broken: Mailer;
  cleanup(): Promise<void>;
}

/**
 * A local SMTP server for tests (loopback, random port, no TLS, no authentication) that
 * parses and keeps every message: what the SMTP adapter's contract test and the
 * notification integration tests send to.
 */
export async function startTestMailbox(): Promise<{
  port: number;
  received: ReceivedMail[];
  close(): Promise<void>;
}> {
  const received: ReceivedMail[] = [];
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS', 'AUTH'],
    authOptional: true,
    logger: false,
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((mail) => {
          received.push({
            to: session.envelope.rcptTo.map((r) => r.address),
            from: mail.from?.text ?? '',
            subject: mail.subject ?? '',
            text: mail.text ?? '',
            html: typeof mail.html === 'string' ? mail.html : '',
          });
          callback();
        })
        .catch(callback);
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return { port, received, close: () => new Promise<void>((r) => server.close(() => r())) };
}

async function waitFor<T>(read: () => Promise<T[]>, count: number, ms = 5000): Promise<T[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const got = await read();
    if (got.length >= count || Date.now() > deadline) return got;
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * The behaviour every Mailer adapter must have. Each adapter's test calls this once:
 * `mailerContract('smtp', async () => ({ mailer, received, broken, cleanup }))`.
 */
export function mailerContract(name: string, factory: () => Promise<MailerFixture>): void {
  describe(`Mailer contract: ${name}`, () => {
    let fixture: MailerFixture;
    beforeAll(async () => {
      fixture = await factory();
    });
    afterAll(async () => fixture?.cleanup());

    it('delivers the subject, text and HTML to the recipient', async () => {
      await fixture.mailer.send({
        to: 'proctor@uni.example',
        subject: 'High flag: Ünïcode & <tags>',
        text: 'Plain body\nsecond line',
        html: '<p>HTML &amp; body</p>',
      });
      const [mail] = await waitFor(() => fixture.received(), 1);
      expect(mail?.to).toEqual(['proctor@uni.example']);
      expect(mail?.subject).toBe('High flag: Ünïcode & <tags>');
      expect(mail?.text.trim()).toBe('Plain body\nsecond line');
      expect(mail?.html).toContain('<p>HTML &amp; body</p>');
      expect(mail?.from).toBeTruthy();
    });

    it('sends several messages, one per recipient', async () => {
      const before = (await fixture.received()).length;
      await Promise.all(
        ['a@uni.example', 'b@uni.example'].map((to) =>
          fixture.mailer.send({ to, subject: 's', text: 't', html: '<p>t</p>' }),
        ),
      );
      const all = await waitFor(() => fixture.received(), before + 2);
      const recipients = all.slice(before).flatMap((m) => m.to);
      expect(recipients.sort()).toEqual(['a@uni.example', 'b@uni.example']);
    });

    it('rejects when the message cannot be handed over', async () => {
      await expect(
        fixture.broken.send({ to: 'x@uni.example', subject: 's', text: 't', html: 't' }),
      ).rejects.toThrow();
    });
  });
}
