import type { Config } from '../../src/config/config.js';

/**
 * Notification settings that send e-mail to a test mailbox on `port`, look for due
 * deliveries every 100 ms and retry fast (the retry schedule itself has a unit test).
 */
export function mailboxNotifications(port: number): Config['notifications'] {
  return {
    smtpUrl: `smtp://127.0.0.1:${port}`,
    smtpFrom: 'Invigil <invigil@test.invigil.test>',
    allowHttpWebhooks: false,
    pollMs: 100,
    retryBaseMs: 50,
    maxAttempts: 3,
  };
}
