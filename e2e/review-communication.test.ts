import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoServer, startDemoServer } from './helpers/app-server.js';
import { seriousViolations } from './helpers/axe.js';
import { browserUnavailable, launchBrowser } from './helpers/browser.js';
import { checkInByApi, demoApiSession, signInAsDemo } from './helpers/student-flow.js';

const SHOTS = path.resolve('e2e/screenshots');
/** Generous waits for live messages on a loaded machine; never a speed assertion. */
const LIVE_MS = 30_000;
const STUDENT_WORDS = 'Is question 3 about <b>variance</b>?';

/**
 * Live communication in the session's record, in Chromium. Through the API a student chats with
 * the proctor and raises a hand the proctor takes and resolves, and the proctor opens a live view
 * and ends it (no WebRTC needed: the link is recorded with its start and end). The proctor's
 * session detail timeline shows the chat, the hand and the view — the view still listed after it
 * ended; after the attempt ends the review timeline shows them in time order with who and how
 * long, filters them with the keyboard and plays the recording from a line. Axe checks the review.
 */
describe.skipIf(browserUnavailable() !== undefined)('communication in the review timeline', () => {
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
    page.screenshot({ path: path.join(SHOTS, `review-communication-${name}.png`), fullPage: true });

  it(
    'chat, a hand and a live view reach the detail and review timelines with who and how long',
    { timeout: 240_000 },
    async () => {
      const student = await demoApiSession(server, 'student', 0);
      const proctor = await demoApiSession(server, 'proctor');
      const reg = (await student.call('POST', `/api/exams/${examId}/registrations`)) as {
        sessionId: string;
      };
      const sessionId = reg.sessionId;
      const base = `/api/sessions/${sessionId}`;
      await student.call('POST', `${base}/transitions`, { to: 'checking_in' });
      await checkInByApi(student, sessionId);
      await student.call('POST', `${base}/transitions`, { to: 'in_progress' });

      const page = await browser.context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(String(error)));
      await signInAsDemo(server, page, 'proctor');
      await page.waitForURL(/\/proctor$/);
      await page.goto(`${server.url}/proctor/sessions/${sessionId}`);
      const detailTimeline = page.getByRole('list', { name: 'Events and flags in time order' });
      await detailTimeline.waitFor({ timeout: LIVE_MS });

      // The exchange, through the API as the two browsers would do it.
      await student.call('POST', `${base}/chat`, { body: STUDENT_WORDS });
      const hand = (await student.call('POST', `${base}/hand`, { message: 'Need help' })) as {
        id: string;
      };
      await proctor.call('POST', `/api/hands/${hand.id}/take`, {});
      await proctor.call('POST', `${base}/chat`, { body: 'Yes, the sample variance.' });
      await proctor.call('POST', `/api/hands/${hand.id}/resolve`, {});
      const link = (await proctor.call('POST', `${base}/rtc`, { kind: 'view' })) as {
        id: string;
      };

      // The detail timeline follows live: the view while open, and still after it ended.
      const viewLine = detailTimeline.locator('li', { hasText: 'Live view by Pat Proctor' });
      await viewLine.getByText(/still open/).waitFor({ timeout: LIVE_MS });
      await new Promise((resolve) => setTimeout(resolve, 1500));
      await proctor.call('POST', `/api/rtc/${link.id}/end`, {});
      await viewLine
        .getByText(/lasted \d+ s · never connected · ended: The proctor ended it/)
        .waitFor({
          timeout: LIVE_MS,
        });
      await detailTimeline
        .locator('li', { hasText: 'Chat from Sam Student (student)' })
        .getByText(STUDENT_WORDS, { exact: true })
        .waitFor({ timeout: LIVE_MS });
      await detailTimeline
        .getByText(/Taken by Pat Proctor at \d+:\d\d · Resolved by Pat Proctor at/)
        .waitFor({ timeout: LIVE_MS });
      // The proctor can hide them.
      await page.getByLabel('Show chat, raised hands and live views').uncheck();
      expect(await detailTimeline.getByText('Live view by Pat Proctor').count()).toBe(0);
      await page.getByLabel('Show chat, raised hands and live views').check();
      await detailTimeline.getByText('Live view by Pat Proctor').waitFor();
      await page.locator('#timeline-heading').scrollIntoViewIfNeeded();
      await shot(page, 'detail');

      await proctor.call('POST', `${base}/transitions`, { to: 'terminated', reason: 'e2e' });

      // The review timeline: everything in time order, with who and how long.
      await page.goto(`${server.url}/review/sessions/${sessionId}`);
      const timeline = page.getByRole('list', { name: 'The attempt in time order' });
      await timeline.waitFor();
      const lines = timeline.locator(':scope > li');
      const texts = await lines.allInnerTexts();
      console.log(`review timeline:\n${texts.join('\n---\n')}`);
      const order = (text: string) => texts.findIndex((t) => t.includes(text));
      const student1 = order('Chat from Sam Student (student)');
      const handLine = order('Sam Student raised a hand');
      const staff1 = order('Chat from Pat Proctor (staff)');
      const view = order('Live view by Pat Proctor');
      expect([student1, handLine, staff1, view].every((i) => i >= 0)).toBe(true);
      expect(student1).toBeLessThan(handLine);
      expect(handLine).toBeLessThan(staff1);
      expect(staff1).toBeLessThan(view);
      // The student's words arrive as text, never as markup.
      expect(await timeline.locator('b').count()).toBe(0);
      await timeline.getByText(STUDENT_WORDS, { exact: true }).waitFor();
      const viewItem = lines.nth(view);
      await viewItem.getByText(/\d+:\d\d–\d+:\d\d, lasted \d+ s/).waitFor();
      await viewItem.getByText(/never connected · ended: The proctor ended it\./).waitFor();
      await lines
        .nth(handLine)
        .getByText(/Taken by Pat Proctor at .* · Resolved by Pat Proctor at/)
        .waitFor();
      await page.locator('#review-timeline-heading').scrollIntoViewIfNeeded();
      await shot(page, 'review');

      // Keyboard: hide the chat with Space, the count is announced, then show it again.
      const chatFilter = page.getByLabel(/^Chat and announcements \(2\)$/);
      await chatFilter.focus();
      await page.keyboard.press('Space');
      await page
        .getByRole('status')
        .filter({ hasText: /of \d+ lines shown/ })
        .waitFor();
      expect(await timeline.getByText(/^Chat from/).count()).toBe(0);
      await page.keyboard.press('Space');
      await timeline.getByText('Chat from Pat Proctor (staff)').waitFor();

      // Play from the view's line: Enter on its button moves focus to the player.
      const play = viewItem.getByRole('button', { name: /^Play the recording from/ });
      await play.focus();
      await page.keyboard.press('Enter');
      await expect
        .poll(() => page.evaluate(() => document.activeElement?.getAttribute('aria-label')))
        .toBe('Recording player');

      expect(await seriousViolations(page, 'review with communication')).toEqual([]);
      expect(errors).toEqual([]);
    },
  );
});
