import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoServer, startDemoServer } from './helpers/app-server.js';
import { browserUnavailable, launchBrowser } from './helpers/browser.js';
import { demoApiSession, signInAsDemo, signInStudent } from './helpers/student-flow.js';

const SHOTS = path.resolve('e2e/screenshots');
const EMPTY_EXAM = /Add questions or an external exam page before publishing/;

/**
 * A review that stays consistent, and exams that cannot be published empty, in Chromium:
 * after the student's response the proctor changes a flag decision with the keyboard, the
 * verdict form asks for an explanation of a verdict that contradicts the decisions, and the
 * student sees the final decisions with the final verdict. An admin is told, beside the status,
 * why an exam without questions or external page cannot be published.
 */
describe.skipIf(browserUnavailable() !== undefined)('review consistency in Chromium', () => {
  let server: DemoServer;
  let browser: { context: BrowserContext; close(): Promise<void> };
  let examId: string;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    server = await startDemoServer();
    browser = await launchBrowser();
    const admin = await demoApiSession(server, 'admin');
    const exams = (await admin.call('GET', '/api/exams')) as { id: string; title: string }[];
    const exam = exams.find((e) => e.title.startsWith('Introduction to Statistics'));
    if (!exam) throw new Error('demo exam missing');
    examId = exam.id;
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const shot = (page: Page, name: string) =>
    page.screenshot({ path: path.join(SHOTS, `review-${name}.png`), fullPage: true });

  /**
   * The second demo student's attempt with one no-face flag, ended by the proctor, the flag
   * confirmed, a provisional violation verdict and the student's response — all through the
   * API, as the earlier steps have their own tests.
   */
  async function reopenedReview(): Promise<{ sessionId: string; flagId: string }> {
    const student = await demoApiSession(server, 'student', 1);
    const proctor = await demoApiSession(server, 'proctor');
    const reg = (await student.call('POST', `/api/exams/${examId}/registrations`)) as {
      sessionId: string;
    };
    const base = `/api/sessions/${reg.sessionId}`;
    await student.call('POST', `${base}/transitions`, { to: 'checking_in' });
    const t0 = Date.now() - 60_000;
    const data = { detector: 'no_face', confidence: 0.9, model: 'e2e' };
    await student.call('POST', `${base}/events`, {
      events: [
        { seq: 0, type: 'detect.state', at: t0, data: { ...data, active: true } },
        { seq: 1, type: 'detect.state', at: t0 + 20_000, data: { ...data, active: false } },
      ],
    });
    await proctor.call('POST', `${base}/transitions`, { to: 'terminated', reason: 'e2e' });
    let flags: { id: string }[] = [];
    await expect
      .poll(async () => (flags = (await proctor.call('GET', `${base}/flags`)) as { id: string }[]))
      .toHaveLength(1);
    const flagId = flags[0]?.id ?? '';
    await proctor.call('POST', `/api/flags/${flagId}/review`, {
      decision: 'confirmed',
      comment: 'Away from the camera',
    });
    await proctor.call('POST', `${base}/verdict`, {
      verdict: 'violation',
      reason: 'Left the desk',
    });
    await student.call('POST', `${base}/response`, {
      text: 'The fire alarm went off and we had to leave the room.',
    });
    return { sessionId: reg.sessionId, flagId };
  }

  it('re-decides a flag after the student’s response and gives a consistent final verdict', async () => {
    const { sessionId } = await reopenedReview();
    const page = await browser.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(String(error)));
    await signInAsDemo(server, page, 'proctor');
    await page.waitForURL(/\/proctor$/);
    await page.goto(`${server.url}/review/sessions/${sessionId}`);
    await page.getByRole('heading', { name: 'The student responded' }).waitFor();
    await page.getByText(/The student responded: you can change any decision below/).waitFor();
    const flag = page.locator('.flag-item').first();
    await flag.getByText('Confirmed', { exact: true }).waitFor();

    // Change the decision with the keyboard: the form opens with the comment focused.
    const change = flag.getByRole('button', { name: 'Change decision' });
    expect(await change.getAttribute('aria-expanded')).toBe('false');
    await change.focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.evaluate(() => document.activeElement?.tagName)).toBe('TEXTAREA');
    await page.keyboard.press('Control+A');
    await page.keyboard.type('The fire alarm is in the building log at that time.');
    await flag.getByRole('button', { name: 'Dismiss' }).focus();
    await page.keyboard.press('Enter');
    await page.getByText('Decision changed: flag dismissed.').waitFor();
    await flag.getByText('Dismissed', { exact: true }).waitFor();
    // Focus returns to the button that changes it again.
    await expect
      .poll(() => page.evaluate(() => document.activeElement?.textContent))
      .toBe('Change decision');
    // The replaced decision is kept as history, for staff.
    await flag.getByText('Earlier decisions (1)').click();
    await flag.getByText(/Confirmed by Pat Proctor/).waitFor();
    await flag.getByText(/Away from the camera/).waitFor();

    // A violation now contradicts the decisions: the form says so and asks why.
    const verdict = page.locator('form.verdict-form');
    await verdict.getByLabel('Violation').check();
    await verdict.getByText(/A violation verdict goes against the flag decisions/).waitFor();
    const why = verdict.getByLabel('Why the verdict goes against the flag decisions');
    await why.waitFor();
    await verdict.getByLabel('Reason').fill('Left the desk');
    await verdict.getByRole('button', { name: 'Give final verdict' }).click();
    await verdict.getByText('Explain why, or change the flag decisions first.').waitFor();
    expect(await why.getAttribute('aria-invalid')).toBe('true');
    await shot(page, 'verdict-conflict');

    // Clean agrees with the decisions: no explanation needed.
    await verdict.getByLabel('Clean').check();
    expect(await verdict.locator('.verdict-conflict').count()).toBe(0);
    expect(await why.count()).toBe(0);
    expect(await verdict.getByText(/goes against the flag decisions/).count()).toBe(0);
    await verdict.getByLabel('Reason').fill('The absence is explained by the fire alarm.');
    await verdict.getByRole('button', { name: 'Give final verdict' }).click();
    await page.getByText('Verdict saved: Clean (final).').waitFor();
    await page.getByText('The verdict is final.').waitFor();
    expect(await page.getByRole('button', { name: 'Change decision' }).count()).toBe(0);
    await shot(page, 'final');
    expect(errors).toEqual([]);
    await page.close();

    // The student sees the final decision beside the final verdict, without its history.
    await browser.context.clearCookies();
    const student = await browser.context.newPage();
    await signInStudent(server, student, 1);
    await student.goto(`${server.url}/student/results/${sessionId}`);
    await student.getByText('(final)').waitFor();
    await student.locator('.verdict').getByText('Clean').waitFor();
    const shown = student.locator('.flag-item').first();
    await shown.getByText('Dismissed', { exact: true }).waitFor();
    await shown.getByText(/fire alarm is in the building log/).waitFor();
    expect(await student.getByText('Confirmed', { exact: true }).count()).toBe(0);
    expect(await student.getByText(/Away from the camera/).count()).toBe(0);
    await shot(student, 'student-final');
    await student.close();
  }, 120_000);

  it('refuses to publish an exam without questions or an external page, beside the status', async () => {
    await browser.context.clearCookies();
    const page = await browser.context.newPage();
    await signInAsDemo(server, page, 'admin');
    await page.waitForURL(/\/admin|\/proctor/);
    await page.goto(`${server.url}/admin/exams/new`);
    await page.getByLabel('Title').fill('Empty exam');
    await page.getByLabel('Status').selectOption('published');
    await page.getByRole('button', { name: 'Create exam' }).click();
    const status = page.getByLabel('Status');
    await page.locator('.field-error').filter({ hasText: EMPTY_EXAM }).waitFor();
    expect(await status.getAttribute('aria-invalid')).toBe('true');
    // The error is read out with the status control.
    const describedBy = (await status.getAttribute('aria-describedby')) ?? '';
    const described = await page.evaluate(
      (ids) => ids.map((id) => document.getElementById(id)?.textContent ?? '').join(' '),
      describedBy.split(' '),
    );
    expect(described).toMatch(EMPTY_EXAM);
    await page
      .locator('form.exam-form fieldset')
      .first()
      .screenshot({ path: path.join(SHOTS, 'review-empty-exam-refused.png') });

    // As a draft it is created; publishing it stays refused until it has a question.
    await status.selectOption('draft');
    await page.getByRole('button', { name: 'Create exam' }).click();
    await page.waitForURL(/\/admin\/exams\/[0-9a-f-]{36}$/);
    await page.getByText('Empty exam created.').waitFor();
    await page.getByLabel('Status').selectOption('published');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.locator('.field-error').filter({ hasText: EMPTY_EXAM }).waitFor();

    await page.getByRole('button', { name: 'Add single-choice question' }).click();
    const q1 = page.getByRole('group', { name: /^Question 1/ });
    await q1.getByLabel('Question text').fill('What is the median of 1, 2 and 9?');
    await q1.getByLabel('Option A', { exact: true }).fill('2');
    await q1.getByLabel('Option B', { exact: true }).fill('4');
    await q1.getByRole('radio', { name: 'Option A is the right answer' }).check();
    await page.getByRole('button', { name: 'Save questions' }).click();
    await page.getByText(/^Questions saved: 1 question/).waitFor();
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Changes saved.').waitFor();
    await page.close();
  }, 90_000);
});
