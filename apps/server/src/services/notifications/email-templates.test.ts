import { describe, expect, it } from 'vitest';
import { auditBrokenDocument } from './documents.js';
import { auditBrokenMail } from './email-templates.js';

const PUBLIC_URL = 'https://invigil.example.edu';

const mailOf = (problems: string[]) =>
  auditBrokenMail(
    auditBrokenDocument({
      verifiedAt: new Date('2030-01-02T03:04:05.000Z'),
      entries: 1234,
      checkpoints: 56,
      problems,
    }),
    PUBLIC_URL,
  );

describe('auditBrokenMail', () => {
  it('tells the administrators what was found and what to do, with a link to the audit log', () => {
    const mail = mailOf([
      'Audit entry 7 does not check out: its content or signature was changed',
      'Checkpoint 3 names entry 40, which is gone',
    ]);
    expect(mail.subject).toBe('Invigil: the audit trail failed verification');
    expect(mail.text).toContain('2030-01-02T03:04:05.000Z');
    expect(mail.text).toContain('1234 entries, 56 checkpoints');
    expect(mail.text).toContain('Problems found (2):');
    expect(mail.text).toContain(
      '- Audit entry 7 does not check out: its content or signature was changed',
    );
    expect(mail.text).toContain('- Checkpoint 3 names entry 40, which is gone');
    expect(mail.text).toContain('invigil audit verify');
    expect(mail.text).toContain('backups');
    expect(mail.text).toContain(`Open the audit log: ${PUBLIC_URL}/admin/audit`);
    expect(mail.html).toContain(`<a href="${PUBLIC_URL}/admin/audit">Open the audit log</a>`);
  });

  it('says when only the first problems are listed', () => {
    const mail = mailOf(Array.from({ length: 30 }, (_, i) => `Problem ${i + 1}`));
    expect(mail.text).toContain('The first 20 problems found:');
    expect(mail.text).toContain('- Problem 20');
    expect(mail.text).not.toContain('Problem 21');
  });

  it('escapes problems in the HTML part (they can quote a storage error)', () => {
    const mail = mailOf(['The copy cannot be read: <img src=x onerror=alert(1)> & more']);
    expect(mail.text).toContain('<img src=x onerror=alert(1)> & more');
    expect(mail.html).toContain('&lt;img src=x onerror=alert(1)&gt; &amp; more');
    expect(mail.html).not.toContain('<img');
  });
});
