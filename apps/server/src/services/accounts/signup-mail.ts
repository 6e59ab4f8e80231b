import type { MailMessage } from '../../ports/mailer.port.js';
import { appLink, linkMail } from './mailed-link.js';

/** Where the web app verifies an address with a link (the page POSTs; opening it changes nothing). */
export const VERIFY_EMAIL_PATH = '/verify-email';

/** The link a verification e-mail carries. */
export function verificationLink(publicUrl: string, token: string): string {
  return appLink(publicUrl, VERIFY_EMAIL_PATH, token);
}

/** The e-mail that asks a new account to confirm its address. */
export function verificationMail(
  to: { email: string; name: string },
  link: string,
  linkHours: number,
): MailMessage {
  return linkMail(to.email, {
    subject: 'Confirm your e-mail address for Invigil',
    lines: [
      `Hello ${to.name},`,
      `an Invigil account was created for ${to.email}. Confirm that this address is yours with the link below; then you can register for exams. It works once, within ${linkHours} hours.`,
      'If you did not sign up, ignore this e-mail.',
    ],
    label: 'Confirm my e-mail address',
    link,
  });
}
