import { mailerContract, startTestMailbox } from '../ports/mailer.contract.js';
import { SmtpMailer } from './smtp.mailer.js';

mailerContract('smtp', async () => {
  const box = await startTestMailbox();
  const mailer = await SmtpMailer.create(
    `smtp://127.0.0.1:${box.port}`,
    'Invigil <i@test.invigil.test>',
  );
  // Port 1 on loopback: nothing listens, the connection is refused at once.
  const broken = await SmtpMailer.create('smtp://127.0.0.1:1', 'i@test.invigil.test');
  return {
    mailer,
    broken,
    received: async () => box.received,
    cleanup: async () => {
      await mailer.close();
      await broken.close();
      await box.close();
    },
  };
});
