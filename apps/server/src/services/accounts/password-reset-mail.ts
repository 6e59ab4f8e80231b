import type { MailMessage } from '../../ports/mailer.port.js';
import { appLink, linkMail } from './mailed-link.js';

/** Where the web app lets a person choose a new password with a reset link. */
export const RESET_PASSWORD_PATH = '/reset-password';

/** The link a reset e-mail carries: the web app's page with the secret in the query. */
export function resetLink(publicUrl: string, token: string): string {
  return appLink(publicUrl, RESET_PASSWORD_PATH, token);
}

/**
 * The "forgot password" e-mail: plain text and the same as simple HTML, where everything
 * that comes from a person (their name) is escaped.
 */
export function passwordResetMail(
  to: { email: string; name: string },
  link: string,
  linkMinutes: number,
): MailMessage {
  return linkMail(to.email, {
    subject: 'Reset your Invigil password',
    lines: [
      `Hello ${to.name},`,
      `someone asked to reset the password of the Invigil account for ${to.email}. If it was you, choose a new password with the link below. It works once, within ${linkMinutes} minutes.`,
      'If you did not ask for this, ignore this e-mail: your password stays as it is.',
    ],
    label: 'Choose a new password',
    link,
  });
}
