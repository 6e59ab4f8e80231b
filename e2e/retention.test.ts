import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { inArray } from 'drizzle-orm';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog } from '../apps/server/src/db/schema.js';
import { type DemoServer, startDemoServer } from './helpers/app-server.js';
import { browserUnavailable, launchBrowser } from './helpers/browser.js';
import { demoApiSession, signInAsDemo } from './helpers/student-flow.js';

const SHOTS = path.resolve('e2e/screenshots');

/**
 * Data retention for an administrator in Chromium: an exam gets retention periods of its own
 * in the exam form (saved, audited with before and after), and a legal hold is placed with a
 * reason and lifted from the exam page (each audited), with the badge shown while it lasts.
 */
describe.skipIf(browserUnavailable() !== undefined)('data retention in Chromium', () => {
  let server: DemoServer;
  let browser: { context: BrowserContext; close(): Promise<void> };
  let examId = '';

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    server = await startDemoServer();
    browser = await launchBrowser();
    const admin = await demoApiSession(server, 'admin');
    const exams = (await admin.call('GET', '/api/exams')) as { id: string }[];
    examId = exams[0]?.id ?? '';
    if (!examId) throw new Error('demo exam missing');
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const auditActions = async (actions: string[]) =>
    server.instance.database.db
      .select()
      .from(auditLog)
      .where(inArray(auditLog.action, actions))
      .orderBy(auditLog.id);

  it('sets an exam’s own retention periods in the exam form', async () => {
    const page = await browser.context.newPage();
    await signInAsDemo(server, page, 'admin');
    await page.waitForURL(/\/admin/);
    await page.goto(`${server.url}/admin/exams/${examId}`);
    const group = page.getByRole('group', { name: 'Data retention' });
    await group.getByText('The institution’s defaults apply:').waitFor();
    await group.getByText('Recordings and snapshots: 365 days after the verdict').waitFor();

    await group.getByLabel('Use this exam’s own retention periods').check();
    const media = group.getByLabel(/^Recordings and snapshots/);
    // Own periods start from the institution's.
    expect(await media.inputValue()).toBe('365');
    await media.fill('0');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await group.getByText('Enter whole days from 1 to 36500').waitFor();
    expect(await media.getAttribute('aria-invalid')).toBe('true');

    await media.fill('30');
    await group.getByLabel(/^Everything of attempts without a verdict/).fill('');
    await page.screenshot({ path: path.join(SHOTS, 'exam-retention.png'), fullPage: true });
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('status').filter({ hasText: 'Changes saved.' }).waitFor();

    const admin = await demoApiSession(server, 'admin');
    const exam = (await admin.call('GET', `/api/exams/${examId}`)) as { retention: unknown };
    expect(exam.retention).toEqual({
      mediaDaysAfterVerdict: 30,
      identityDays: 90,
      undecidedDays: null,
    });
    const [update] = (await auditActions(['exam.update'])).slice(-1);
    expect(update?.data).toMatchObject({
      retention: { before: null, after: { mediaDaysAfterVerdict: 30, undecidedDays: null } },
    });
    await page.close();
  });

  it('places a legal hold with a reason and lifts it, from the keyboard', async () => {
    const page = await browser.context.newPage();
    await signInAsDemo(server, page, 'admin');
    await page.waitForURL(/\/admin/);
    await page.goto(`${server.url}/admin/exams/${examId}`);
    const section = page.getByRole('region', { name: 'Legal hold' });
    await section.getByText('No legal hold').waitFor();

    await section.getByRole('button', { name: 'Place legal hold' }).click();
    const reason = section.getByLabel('Reason for the hold');
    // The form takes focus; an empty reason is refused before anything is sent.
    expect(await reason.evaluate((el) => el === document.activeElement)).toBe(true);
    await section.getByRole('button', { name: 'Place hold' }).click();
    await section.getByText('Say why the data must be kept.').waitFor();
    await reason.fill('Appeal 2026-17 pending');
    await section.getByRole('button', { name: 'Place hold' }).press('Enter');
    await section.getByRole('status').filter({ hasText: 'Legal hold placed' }).waitFor();
    await page.getByText('Legal hold', { exact: true }).first().waitFor();
    expect(await section.textContent()).toContain('Appeal 2026-17 pending');
    await section.screenshot({ path: path.join(SHOTS, 'exam-legal-hold.png') });

    const admin = await demoApiSession(server, 'admin');
    const held = (await admin.call('GET', `/api/exams/${examId}`)) as {
      legalHold: { reason: string } | null;
    };
    expect(held.legalHold?.reason).toBe('Appeal 2026-17 pending');

    await section.getByRole('button', { name: 'Lift legal hold' }).click();
    await section.getByRole('button', { name: 'Lift hold' }).click();
    await section.getByRole('status').filter({ hasText: 'Legal hold lifted' }).waitFor();
    await section.getByText('No legal hold').waitFor();
    const lifted = (await admin.call('GET', `/api/exams/${examId}`)) as { legalHold: unknown };
    expect(lifted.legalHold).toBeNull();

    const entries = await auditActions(['legal_hold.place', 'legal_hold.lift']);
    expect(
      entries.map((e) => [e.action, e.entityId, (e.data as { reason: string }).reason]),
    ).toEqual([
      ['legal_hold.place', examId, 'Appeal 2026-17 pending'],
      ['legal_hold.lift', examId, 'Appeal 2026-17 pending'],
    ]);
    await page.close();
  });
});
