import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoServer, startDemoServer } from './helpers/app-server.js';
import { browserUnavailable, launchBrowser } from './helpers/browser.js';
import { demoApiSession, signInAsDemo } from './helpers/student-flow.js';

/** The `datetime-local` text of an instant in the page's time zone. */
function localInput(page: Page, epochMs: number): Promise<string> {
  return page.evaluate((ms) => {
    const d = new Date(ms);
    const p = (n: number) => String(n).padStart(2, '0');
    return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
  }, epochMs);
}

/** An admin creates an exam through the form: its schedule is kept exactly as typed. */
describe.skipIf(browserUnavailable() !== undefined)('the exam form in Chromium', () => {
  let server: DemoServer;
  let browser: { context: BrowserContext; close(): Promise<void> };

  beforeAll(async () => {
    server = await startDemoServer();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('refuses a window that closes before it opens, then creates the exam as typed', async () => {
    const page = await browser.context.newPage();
    await signInAsDemo(server, page, 'admin');
    await page.waitForURL(/\/admin/);
    await page.goto(`${server.url}/admin/exams/new`);
    const minute = Math.floor(Date.now() / 60_000) * 60_000;
    const opens = minute + 86_400_000;
    const closes = opens + 2 * 3_600_000;
    const deadline = opens - 3_600_000;

    await page.getByLabel('Title', { exact: true }).fill('Form-made exam');
    await page.getByLabel('Opens at').fill(await localInput(page, opens));
    await page.getByLabel('Closes at').fill(await localInput(page, opens - 60_000));
    await page.getByLabel('Registration deadline').fill(await localInput(page, deadline));
    await page.getByLabel('Duration (minutes)').fill('90');
    await page.getByRole('button', { name: 'Create exam' }).click();
    const closesField = page.getByLabel('Closes at');
    await expect.poll(() => closesField.getAttribute('aria-invalid')).toBe('true');
    await page.getByText('The exam must close after it opens.').first().waitFor();
    expect(page.url()).toMatch(/\/admin\/exams\/new$/);

    await closesField.fill(await localInput(page, closes));
    await page.getByRole('button', { name: 'Create exam' }).click();
    await page.waitForURL(/\/admin\/exams\/[0-9a-f-]{36}$/);
    const id = page.url().split('/').pop();
    const admin = await demoApiSession(server, 'admin');
    const exam = (await admin.call('GET', `/api/exams/${id}`)) as Record<string, unknown>;
    expect(exam).toMatchObject({
      title: 'Form-made exam',
      opensAt: new Date(opens).toISOString(),
      closesAt: new Date(closes).toISOString(),
      registrationDeadline: new Date(deadline).toISOString(),
      durationMinutes: 90,
    });
    await page.close();
  });
});
