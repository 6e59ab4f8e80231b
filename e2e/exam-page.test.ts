import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
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
import { seriousViolations } from './helpers/axe.js';

const SHOTS = path.resolve('e2e/screenshots');

interface Event {
  source: string;
  type: string;
  data: Record<string, unknown>;
}
interface Flag {
  type: string;
  startMs: number;
  endMs: number | null;
}

/**
 * The student's exam page in Chromium on an exam with both exam-page restrictions: the consent
 * notice says what is restricted, the page stays covered until it is in full screen and again
 * after leaving it (an event and a flag the proctor sees), copy/paste, the context menu and
 * printing are blocked and still reported, the question navigator works from the keyboard and
 * its marks survive a reload (stored on the server), the self-view collapses and stays so, and
 * axe-core finds no serious or critical violation.
 */
describe.skipIf(browserUnavailable() !== undefined)('student exam page in Chromium', () => {
  let server: DemoServer;
  let browser: { context: BrowserContext; close(): Promise<void> };
  let questionIds: string[] = [];
  let examId = '';

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    server = await startDemoServer();
    browser = await launchBrowser();
    const admin = await demoApiSession(server, 'admin');
    const exams = (await admin.call('GET', '/api/exams')) as {
      id: string;
      title: string;
      policy: Record<string, unknown>;
    }[];
    const exam = exams.find((e) => e.title.startsWith('Introduction to Statistics'));
    if (!exam) throw new Error('demo exam missing');
    examId = exam.id;
    await admin.call('PATCH', `/api/exams/${exam.id}`, {
      // Identity photos are another test's subject (the fake camera shows no face).
      policy: { ...exam.policy, identityCheck: false },
    });
    const set = (await admin.call('PUT', `/api/exams/${exam.id}/questions`, {
      questions: [
        { kind: 'short_text', prompt: 'Name one measure of spread.', points: 1 },
        { kind: 'short_text', prompt: 'What does a histogram show?', points: 1 },
        { kind: 'short_text', prompt: 'Define a p-value in one sentence.', points: 2 },
      ],
    })) as { id: string }[] | { questions: { id: string }[] };
    questionIds = (Array.isArray(set) ? set : set.questions).map((q) => q.id);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const shot = (page: Page, name: string) =>
    page.screenshot({ path: path.join(SHOTS, `exam-page-${name}.png`), fullPage: true });

  const inFullscreen = (page: Page) => page.evaluate(() => !!document.fullscreenElement);
  const navButton = (page: Page, n: number) =>
    page.getByRole('navigation', { name: 'Questions' }).getByRole('button', {
      name: new RegExp(`^Question ${n}:`),
    });

  it('the admin turns on both exam-page restrictions in the exam form', async () => {
    const page = await browser.context.newPage();
    await signInAsDemo(server, page, 'admin');
    await page.waitForURL(/\/admin/);
    await page.goto(`${server.url}/admin/exams/${examId}`);
    const group = page.getByRole('group', { name: 'Exam-page restrictions' });
    await group.waitFor();
    const fullscreen = group.getByLabel(/Require full screen/);
    const clipboard = group.getByLabel(/Block copy, cut, paste/);
    expect(await fullscreen.isChecked()).toBe(false);
    await fullscreen.check();
    await clipboard.check();
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Changes saved.').waitFor();
    await group.screenshot({ path: path.join(SHOTS, 'exam-page-0-admin-restrictions.png') });
    const admin = await demoApiSession(server, 'admin');
    const saved = (await admin.call('GET', `/api/exams/${examId}`)) as {
      policy: Record<string, unknown>;
    };
    expect(saved.policy).toMatchObject({ requireFullscreen: true, blockClipboard: true });
    // The browser context is shared: sign the admin out for the student's test.
    await page.context().clearCookies();
    await page.close();
  }, 120_000);

  it('full screen, blocked actions, navigator, self-view and accessibility', async () => {
    const page = await browser.context.newPage();
    page.on('pageerror', (error) => console.log(`page error: ${error.message}`));
    await signInStudent(server, page, 0);
    const sessionId = await checkInAndStartExam(
      page,
      async (name) => {
        if (name === '1-consent') {
          // The consent notice says plainly what is restricted.
          const notice = page.getByRole('list').filter({ hasText: 'must stay in full screen' });
          await notice.waitFor();
          expect(await notice.textContent()).toMatch(
            /Copy, cut and paste, the right-click menu and printing do not work/,
          );
          await shot(page, '1-consent');
        }
      },
      { identity: false },
    );
    const proctor = await demoApiSession(server, 'proctor');
    const events = async () =>
      ((await proctor.call('GET', `/api/sessions/${sessionId}/events`)) as Event[]).filter(
        (e) => e.source === 'client',
      );
    const flags = async () =>
      ((await proctor.call('GET', `/api/sessions/${sessionId}/flags`)) as Flag[]).filter(
        (f) => f.type === 'fullscreen_exit',
      );

    // Not in full screen yet: the questions stay covered until the student enters it.
    const gate = page.getByRole('alertdialog', { name: 'This exam runs in full screen' });
    await gate.waitFor({ timeout: 15_000 });
    expect(await page.locator('.exam-body').getAttribute('inert')).not.toBeNull();
    await shot(page, '2-fullscreen-gate');
    expect(await seriousViolations(page, 'the full-screen gate')).toEqual([]);
    await page.getByRole('button', { name: 'Enter full screen' }).click();
    await gate.waitFor({ state: 'detached', timeout: 10_000 });
    expect(await inFullscreen(page)).toBe(true);
    expect(await page.locator('.exam-body').getAttribute('inert')).toBeNull();

    // The self-view shows the capture session's camera stream.
    const selfView = page.getByRole('region', { name: 'Your camera' });
    await page.waitForFunction(
      () => (document.querySelector('.self-view video') as HTMLVideoElement | null)?.videoWidth,
      undefined,
      { timeout: 15_000 },
    );
    await shot(page, '3-exam-page');
    expect(await seriousViolations(page, 'the exam page')).toEqual([]);

    // Navigator, from the keyboard: the button for question 2 moves focus into question 2.
    await navButton(page, 2).focus();
    await page.keyboard.press('Enter');
    await expect
      .poll(() => page.evaluate(() => document.activeElement?.id), { timeout: 5000 })
      .toBe(`q-${questionIds[1]}`);
    await page.keyboard.type('Counts per bin.');
    await expect
      .poll(() => navButton(page, 2).getAttribute('aria-label'))
      .toBe('Question 2: answered');
    // Mark question 3 for review with the keyboard (Space on the toggle).
    const mark3 = page.getByRole('button', { name: 'Mark for review (question 3)' });
    await mark3.focus();
    await page.keyboard.press('Space');
    expect(await mark3.getAttribute('aria-pressed')).toBe('true');
    await expect
      .poll(() => navButton(page, 3).getAttribute('aria-label'))
      .toBe('Question 3: not answered, marked for review');
    await expect
      .poll(async () => {
        const marks = (await proctor.call('GET', `/api/sessions/${sessionId}/marks`)) as {
          marks: { questionId: string }[];
        };
        return marks.marks.map((m) => m.questionId);
      })
      .toEqual([questionIds[2]]);
    await page.getByText('All answers saved').first().waitFor({ timeout: 15_000 });

    // Collapse the self-view.
    const toggle = selfView.getByRole('button', { name: /my camera/ });
    expect(await toggle.getAttribute('aria-expanded')).toBe('true');
    await toggle.click();
    expect(await toggle.getAttribute('aria-expanded')).toBe('false');
    expect(await selfView.locator('video').count()).toBe(0);
    await shot(page, '4-navigator-and-collapsed-self-view');

    // Blocked actions: a paste, the context menu and the print shortcut do nothing here but
    // are reported, each with blocked: true.
    const answer1 = page.locator(`#q-${questionIds[0]}`);
    await answer1.fill('Range');
    await answer1.evaluate((el) =>
      el.dispatchEvent(
        new ClipboardEvent('paste', { bubbles: true, cancelable: true, composed: true }),
      ),
    );
    await page
      .getByRole('status')
      .filter({ hasText: 'Copy, cut and paste are turned off' })
      .waitFor();
    await answer1.click({ button: 'right' });
    await page.getByText('The right-click menu is turned off in this exam.').waitFor();
    await page.keyboard.press('Control+P');
    await page.getByText('Printing is turned off in this exam.').waitFor();
    await shot(page, '5-blocked-notice');
    await expect
      .poll(
        async () =>
          (await events())
            .filter((e) => ['clipboard.paste', 'contextmenu', 'print.attempt'].includes(e.type))
            .map((e) => `${e.type}:${String(e.data.blocked)}`)
            .sort(),
        { timeout: 30_000, interval: 1000 },
      )
      .toEqual(['clipboard.paste:true', 'contextmenu:true', 'print.attempt:true']);
    // The print shortcut did not reach the browser's print.
    expect(await inFullscreen(page)).toBe(true);

    // Leaving full screen covers the page until the student returns; the server turns the
    // exit into an event and, as this exam requires full screen, a flag.
    const leftAt = Date.now();
    await page.evaluate(() => document.exitFullscreen());
    const back = page.getByRole('alertdialog', { name: 'Return to full screen to continue' });
    await back.waitFor({ timeout: 10_000 });
    expect(await page.locator('.exam-body').getAttribute('inert')).not.toBeNull();
    await shot(page, '6-left-fullscreen');
    await expect
      .poll(async () => (await flags()).length, { timeout: 45_000, interval: 1000 })
      .toBe(1);
    console.log(`fullscreen_exit flag seen ${Date.now() - leftAt} ms after leaving`);
    await page.getByRole('button', { name: 'Return to full screen' }).click();
    await back.waitFor({ state: 'detached', timeout: 10_000 });
    expect(await inFullscreen(page)).toBe(true);
    await expect
      .poll(async () => (await flags())[0]?.endMs ?? null, { timeout: 30_000, interval: 1000 })
      .not.toBeNull();
    const types = (await events()).map((e) => e.type);
    expect(types).toContain('fullscreen.exit');
    expect(types).toContain('fullscreen.enter');

    // After a reload: recording back on, the gate again (not in full screen), then the marks
    // and the collapsed self-view as they were.
    page.on('dialog', (dialog) => void dialog.accept());
    await page.reload();
    // The streams end with the page: recording is turned back on first, then full screen.
    await page.getByRole('heading', { name: 'Turn recording back on' }).waitFor();
    await page.getByRole('button', { name: 'Turn on camera and microphone' }).click();
    await page.getByRole('button', { name: 'Share your entire screen' }).click();
    await page.getByText('Recording camera and screen').waitFor();
    await gate.waitFor({ timeout: 20_000 });
    await page.getByRole('button', { name: 'Enter full screen' }).click();
    await gate.waitFor({ state: 'detached', timeout: 10_000 });
    await expect
      .poll(() => navButton(page, 3).getAttribute('aria-label'), { timeout: 10_000 })
      .toBe('Question 3: not answered, marked for review');
    expect(await navButton(page, 2).getAttribute('aria-label')).toBe('Question 2: answered');
    expect(
      await page
        .getByRole('button', { name: 'Mark for review (question 3)' })
        .getAttribute('aria-pressed'),
    ).toBe('true');
    const toggleAgain = page
      .getByRole('region', { name: 'Your camera' })
      .getByRole('button', { name: /my camera/ });
    expect(await toggleAgain.getAttribute('aria-expanded')).toBe('false');
    await toggleAgain.click();
    expect(await toggleAgain.getAttribute('aria-expanded')).toBe('true');
    await page.locator('.self-view video').waitFor();
    await shot(page, '7-after-reload');

    await page.evaluate(() => document.exitFullscreen());
    await page.getByRole('button', { name: 'Return to full screen' }).click();
    await submitExam(page);
    await page.close();
  }, 300_000);
});
