import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoServer, startDemoServer } from './helpers/app-server.js';
import { browserUnavailable, launchBrowser } from './helpers/browser.js';
import {
  checkInAndStartExam,
  demoApiSession,
  signInAsDemo,
  signInStudent,
  submitExam,
} from './helpers/student-flow.js';

const SHOTS = path.resolve('e2e/screenshots');

/**
 * Every question kind end to end in Chromium: an admin authors one of each in the editor, a
 * student answers them in the exam room, choice/true-false/numeric are scored on submit
 * (multiple choice with partial credit), the admin grades the short-text and essay answers
 * and releases the score, and the student reads it with the grader's comment.
 */
describe.skipIf(browserUnavailable() !== undefined)(
  'question types and grading in Chromium',
  () => {
    let server: DemoServer;
    // Two browsers, so the staff member and the student keep their own sign-ins.
    let browser: { context: BrowserContext; close(): Promise<void> };
    let staffBrowser: { context: BrowserContext; close(): Promise<void> };

    beforeAll(async () => {
      mkdirSync(SHOTS, { recursive: true });
      server = await startDemoServer();
      browser = await launchBrowser();
      staffBrowser = await launchBrowser();
    });
    afterAll(async () => {
      await browser?.close();
      await staffBrowser?.close();
      await server?.close();
    });

    const shot = (page: Page, name: string) =>
      page.screenshot({ path: path.join(SHOTS, `question-types-${name}.png`), fullPage: true });
    const card = (page: Page, n: number) =>
      page.getByRole('group', { name: new RegExp(`^Question ${n}`) });
    const addQuestion = async (page: Page, label: string, n: number): Promise<Locator> => {
      await page.getByRole('button', { name: `Add ${label} question` }).click();
      const q = card(page, n);
      await q.getByLabel('Question text').waitFor();
      return q;
    };

    async function authorEachKind(page: Page) {
      await signInAsDemo(server, page, 'admin');
      await page.waitForURL(/\/admin|\/proctor/);
      await page.goto(`${server.url}/admin/exams`);
      await page
        .getByRole('link', { name: /Introduction to Statistics/ })
        .first()
        .click();
      await page.getByRole('heading', { name: 'Questions' }).waitFor();
      // The demo exam is seeded with several questions of each kind; author a set in their place.
      await page.getByRole('button', { name: 'Remove question 1', exact: true }).waitFor();
      const seeded = await page.getByRole('button', { name: /^Remove question \d+$/ }).count();
      expect(seeded).toBeGreaterThanOrEqual(6);
      for (let i = 0; i < seeded; i++) {
        await page.getByRole('button', { name: 'Remove question 1', exact: true }).click();
      }

      const single = await addQuestion(page, 'single-choice', 1);
      await single.getByLabel('Question text').fill('What is 2 + 2?');
      await single.getByLabel('Option A', { exact: true }).fill('3');
      await single.getByLabel('Option B', { exact: true }).fill('4');
      await single.getByRole('radio', { name: 'Option B is the right answer' }).check();

      const multi = await addQuestion(page, 'multiple-choice', 2);
      await multi.getByLabel('Question text').fill('Which of these numbers are prime?');
      await multi.getByText(/Partial credit: points × \(right options ticked/).waitFor();
      for (const [i, text] of ['2', '4', '5', '9'].entries()) {
        if (i >= 2) await multi.getByRole('button', { name: 'Add option' }).click();
        await multi.getByLabel(`Option ${'ABCD'[i]}`, { exact: true }).fill(text);
      }
      await multi.getByRole('checkbox', { name: 'Option A is a right answer' }).check();
      await multi.getByRole('checkbox', { name: 'Option C is a right answer' }).check();
      await multi.getByLabel('Points').fill('4');

      const tf = await addQuestion(page, 'true/false', 3);
      await tf.getByLabel('Question text').fill('The earth is flat.');
      await tf.getByRole('radio', { name: 'False' }).check();

      const numeric = await addQuestion(page, 'numeric', 4);
      await numeric.getByLabel('Question text').fill('What is pi to two decimal places?');
      await numeric.getByLabel('Right value').fill('3.14');
      await numeric.getByLabel('Tolerance (±)').fill('0.005');
      await numeric.getByLabel('Points').fill('2');

      const text = await addQuestion(page, 'short-text', 5);
      await text.getByLabel('Question text').fill('Name a prime number above 10.');
      await text.getByLabel('Points').fill('2');

      const essay = await addQuestion(page, 'essay', 6);
      await essay.getByLabel('Question text').fill('Why are prime numbers useful in cryptography?');
      await essay.getByLabel('Points').fill('10');

      await page.getByRole('button', { name: 'Save questions' }).click();
      await page.getByText('Questions saved: 6 questions, 20 points.').waitFor();
      await page
        .getByRole('form', { name: 'Questions' })
        .screenshot({ path: path.join(SHOTS, 'question-types-1-authoring.png') });
    }

    async function answerEachKind(page: Page): Promise<string> {
      await signInStudent(server, page, 0);
      const sessionId = await checkInAndStartExam(page);
      const q = (n: number) => page.locator('li.question').nth(n - 1);
      await q(1).getByRole('radio', { name: '4' }).check();
      await q(2).getByRole('checkbox', { name: '2' }).check(); // one of two right: partial credit
      await q(3).getByRole('radio', { name: 'False' }).check();
      await page.getByLabel(/pi to two decimal places/).fill('3.14');
      await page.getByLabel(/prime number above 10/).fill('13');
      // The student doubts question 4 and marks it; the grader sees the mark.
      const mark4 = page.getByRole('button', { name: 'Mark for review (question 4)' });
      await mark4.click();
      await expect.poll(() => mark4.getAttribute('aria-pressed')).toBe('true');
      await page
        .getByLabel(/useful in cryptography/)
        .fill('Factoring the product of two large primes is hard, which keeps RSA keys safe.');
      await page.getByText('All answers saved').first().waitFor({ timeout: 15_000 });
      await shot(page, '2-student-answers');
      await submitExam(page);
      return sessionId;
    }

    /** Close the attempt's exam a moment from now, through the API, as the demo admin. */
    async function closeExamOf(sessionId: string) {
      const admin = await demoApiSession(server, 'admin');
      const { examId } = (await admin.call('GET', `/api/sessions/${sessionId}`)) as {
        examId: string;
      };
      const { durationMinutes } = (await admin.call('GET', `/api/exams/${examId}`)) as {
        durationMinutes: number;
      };
      const closesAt = Date.now() + 1_000;
      await admin.call('PATCH', `/api/exams/${examId}`, {
        opensAt: new Date(closesAt - (durationMinutes + 1) * 60_000).toISOString(),
        closesAt: new Date(closesAt).toISOString(),
        registrationDeadline: new Date(closesAt).toISOString(),
      });
    }

    it('authors, answers, scores, grades by hand and releases each question type', async () => {
      const staff = await staffBrowser.context.newPage();
      await authorEachKind(staff);

      const student = await browser.context.newPage();
      const sessionId = await answerEachKind(student);

      // Auto-scored on submit: 1 + 2 (partial) + 1 + 2; the two text answers wait for a grade.
      await staff.goto(`${server.url}/admin/sessions/${sessionId}/answers`);
      await staff.getByRole('heading', { name: /Answers of/ }).waitFor();
      await staff.getByText('6 / 20').waitFor();
      await staff.getByText('Correct — 1 of 1 point').first().waitFor();
      expect(await staff.getByText('Correct — 1 of 1 point').count()).toBe(2); // single, true/false
      await staff.getByText('Partly right — 2 of 4 points').waitFor();
      await staff.getByText('Correct — 2 of 2 points').waitFor();
      await staff.getByText('2 short-text or essay answers still need a grade below.').waitFor();
      const marked = staff.locator('li.answer-card', {
        hasText: 'Marked for review by the student',
      });
      await expect.poll(() => marked.count(), { timeout: 10_000 }).toBe(1);
      expect(await marked.getByRole('heading').textContent()).toMatch(/^Question 4 /);
      const release = staff.getByRole('button', { name: 'Release score to the student' });
      expect(await release.isDisabled()).toBe(true);

      // Releasing the whole exam now leaves this attempt out: two answers still need a grade.
      await staff.getByRole('link', { name: /^Back to / }).click();
      const scores = staff.getByRole('region', { name: 'Scores', exact: true });
      await scores.getByRole('button', { name: 'Release all graded scores' }).click();
      await scores.getByText(/Release the score of every ended attempt/).waitFor();
      await scores.getByRole('button', { name: 'Release scores' }).click();
      await scores
        .getByText(
          'No new score was released. 1 attempt still has short-text or essay answers to grade and was left out.',
        )
        .waitFor();
      await scores.screenshot({ path: path.join(SHOTS, 'question-types-2b-exam-release.png') });
      await staff.goto(`${server.url}/admin/sessions/${sessionId}/answers`);

      const gradeText = staff.getByRole('form', { name: 'Grade question 5' });
      await gradeText.getByLabel('Points (0 to 2)').fill('2');
      await gradeText.getByRole('button', { name: 'Save grade' }).click();
      await gradeText.getByText('Grade saved: 2 of 2.').waitFor();
      const gradeEssay = staff.getByRole('form', { name: 'Grade question 6' });
      // Out of range is caught in the form, with the field marked.
      await gradeEssay.getByLabel('Points (0 to 10)').fill('11');
      await gradeEssay.getByRole('button', { name: 'Save grade' }).click();
      await gradeEssay.getByText('Enter whole points from 0 to 10.').waitFor();
      await gradeEssay.getByLabel('Points (0 to 10)').fill('7');
      await gradeEssay
        .getByLabel('Comment for the student (optional)')
        .fill('Good point on RSA; say why factoring is hard.');
      await gradeEssay.getByRole('button', { name: 'Save grade' }).click();
      await gradeEssay.getByText('Grade saved: 7 of 10.').waitFor();
      await staff.getByText('15 / 20').waitFor();
      await staff.getByText('Graded — 7 of 10 points').waitFor();
      await expect.poll(() => release.isEnabled(), { timeout: 10_000 }).toBe(true);
      await release.click();
      await staff.getByText(/Score released to the student on/).waitFor();
      await shot(staff, '3-graded');

      // The student finds the released score from their exam list.
      await student.goto(`${server.url}/student`);
      await student.getByRole('link', { name: 'Result' }).first().click();
      await student.getByRole('heading', { name: 'Score' }).waitFor();
      await student.getByText('15 / 20').waitFor();
      // The exam is still open: the total only, so the marks cannot give the key away.
      await student.getByText(/Per-question marks are shown after the exam closes on/).waitFor();
      expect(await student.getByText('Good point on RSA; say why factoring is hard.').count()).toBe(
        0,
      );
      await shot(student, '4a-student-result-while-open');
      await closeExamOf(sessionId);
      await expect
        .poll(
          async () => {
            await student.reload();
            await student.getByText('15 / 20').waitFor();
            return student.getByText('Good point on RSA; say why factoring is hard.').count();
          },
          { timeout: 20_000, interval: 1_000 },
        )
        .toBe(1);
      await student.getByText('· 2 of 4 points').waitFor();
      expect(await student.getByText('Right answer').count()).toBe(0);
      await shot(student, '4-student-result');
      await student.close();
      await staff.close();
      // The whole flow with a real check-in: generous for busy shared machines.
    }, 300_000);
  },
);
