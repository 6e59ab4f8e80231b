import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoServer, startDemoServer } from './helpers/app-server.js';
import { browserUnavailable, launchBrowser } from './helpers/browser.js';
import { checkInByApi, demoApiSession, signInAsDemo } from './helpers/student-flow.js';

const SHOTS = path.resolve('e2e/screenshots');

/** Staff author questions, give extra time and read a scored attempt, with the keyboard. */
describe.skipIf(browserUnavailable() !== undefined)('staff exam content in Chromium', () => {
  let server: DemoServer;
  let browser: { context: BrowserContext; close(): Promise<void> };

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    server = await startDemoServer();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const signIn = (page: Page, role: string) => signInAsDemo(server, page, role);
  /** A signed-in API caller (cookie + CSRF token), for the student's side of the flow. */
  const apiAs = async (n: number) => {
    const session = await demoApiSession(server, 'student', n);
    return async (method: string, p: string, body?: unknown) => {
      const res = await session.raw(method, p, body);
      return (await res.json()) as any;
    };
  };

  it('authors questions, locks them once a student starts, sets extra time and shows the score', async () => {
    const page = await browser.context.newPage();
    await signIn(page, 'admin');
    await page.waitForURL(/\/admin|\/proctor/);
    await page.goto(`${server.url}/admin/exams`);
    await page
      .getByRole('link', { name: /Introduction to Statistics/ })
      .first()
      .click();
    await page.getByRole('heading', { name: 'Questions' }).waitFor();
    const examId = page.url().split('/').pop() ?? '';

    // The demo exam comes with questions; this set is authored from scratch in their place.
    await page.getByRole('button', { name: 'Remove question 1', exact: true }).waitFor();
    const seeded = await page.getByRole('button', { name: /^Remove question \d+$/ }).count();
    expect(seeded).toBeGreaterThan(0);
    for (let i = 0; i < seeded; i++) {
      await page.getByRole('button', { name: 'Remove question 1', exact: true }).click();
    }
    expect(await page.getByRole('group', { name: /^Question 1/ }).count()).toBe(0);

    // Saving blank questions marks every problem and focuses the first one.
    await page.getByRole('button', { name: 'Add single-choice question' }).click();
    await page.getByRole('button', { name: 'Add short-text question' }).click();
    await page.getByRole('button', { name: 'Save questions' }).click();
    await page.getByText('Please correct 5 problems marked below.').waitFor();
    expect(await page.evaluate(() => document.activeElement?.tagName)).toBe('TEXTAREA');

    const q1 = page.getByRole('group', { name: /^Question 1/ });
    await q1.getByLabel('Question text').fill('What is the mean of 2, 4 and 6?');
    await q1.getByLabel('Option A', { exact: true }).fill('3');
    await q1.getByLabel('Option B', { exact: true }).fill('4');
    await q1.getByRole('button', { name: 'Add option' }).click();
    await q1.getByLabel('Option C', { exact: true }).fill('6');
    await q1.getByRole('radio', { name: 'Option B is the right answer' }).check();
    await q1.getByLabel('Points').fill('2');
    const q2 = page.getByRole('group', { name: /^Question 2/ });
    await q2.getByLabel('Question text').fill('Explain the difference between mean and median.');
    await q2.getByLabel('Points').fill('3');
    // Corrected problems leave the count; reorder with the keyboard.
    expect(await page.getByText(/Please correct/).count()).toBe(0);
    await q2.getByRole('button', { name: 'Move up (question 2)' }).focus();
    await page.keyboard.press('Enter');
    await expect
      .poll(() => page.evaluate(() => document.activeElement?.textContent))
      .toBe('Move down');
    await page.getByRole('button', { name: 'Save questions' }).click();
    await page.getByText('Questions saved: 2 questions, 5 points.').waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'staff-questions.png'), fullPage: true });

    // A student starts and submits through the API; another registers only.
    const sam = await apiAs(0);
    const alex = await apiAs(1);
    const reg = await sam('POST', `/api/exams/${examId}/registrations`);
    await alex('POST', `/api/exams/${examId}/registrations`);
    const session = `/api/sessions/${reg.sessionId}`;
    await sam('POST', `${session}/transitions`, { to: 'checking_in' });
    await checkInByApi(await demoApiSession(server, 'student', 0), reg.sessionId);
    await sam('POST', `${session}/transitions`, { to: 'in_progress' });
    const view = await sam('GET', `${session}/exam`);
    expect(JSON.stringify(view)).not.toContain('correctOption');
    const [text, choice] = view.questions as { id: string }[];
    await sam('PUT', `${session}/answers/${choice?.id}`, { value: { choice: 1 } });
    await sam('PUT', `${session}/answers/${text?.id}`, { value: { text: 'Middle vs average.' } });
    await sam('POST', `${session}/transitions`, { to: 'submitted' });

    await page.reload();
    await page.getByText(/questions are locked/).waitFor();
    expect(await page.getByRole('button', { name: 'Save questions' }).count()).toBe(0);

    await page.getByLabel(/Extra time for Alex Student/).fill('30');
    await page.getByLabel(/Extra time for Alex Student/).press('Enter');
    await page.getByText('Extra time for Alex Student: 30 min.').waitFor();
    await page
      .locator('section[aria-labelledby="roster-heading"]')
      .screenshot({ path: path.join(SHOTS, 'staff-roster.png') });

    await page.getByRole('link', { name: 'Answers of Sam Student' }).click();
    await page.getByRole('heading', { name: 'Answers of Sam Student' }).waitFor();
    await page.getByText('2 / 5').waitFor();
    await page.getByText('Correct — 2 of 2 points').waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'staff-answers.png'), fullPage: true });
    await page.close();
  });
});
