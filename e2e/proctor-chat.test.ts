import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoServer, startDemoServer } from './helpers/app-server.js';
import { seriousViolations } from './helpers/axe.js';
import { browserUnavailable, launchBrowser } from './helpers/browser.js';
import {
  checkInAndStartExam,
  demoApiSession,
  signInAsDemo,
  signInStudent,
} from './helpers/student-flow.js';

const SHOTS = path.resolve('e2e/screenshots');
const STUDENT = 'Sam Student';
/** Generous waits for live messages on a loaded machine; never a speed assertion. */
const LIVE_MS = 30_000;
/** Chat messages and announcements one user may send per 30 s in this test. */
const CHAT_LIMIT = 3;

type Browser = { context: BrowserContext; close(): Promise<void> };

/**
 * The proctor's side of live communication, with a student and a proctor in two Chromium
 * browsers. The student raises a hand from the exam page; it arrives in the proctor's feed as
 * a hand alert; another staff member takes it first, so the proctor takes it over; the student
 * writes, and the tile counts an unread message; the proctor opens the chat from the hand,
 * which marks it read (the badge goes), answers with Enter, and the student reads the answer
 * on their page; the proctor resolves the hand and announces to every student. Axe checks the
 * dashboard with a hand alert and the session detail with the chat.
 */
describe.skipIf(browserUnavailable() !== undefined)('proctor chat, hands and announcements', () => {
  let server: DemoServer;
  let studentBrowser: Browser;
  let proctorBrowser: Browser;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    // A small chat limit, so that a burst from the proctor meets 429 CHAT_RATE_LIMITED.
    server = await startDemoServer({ CHAT_MESSAGES_PER_30_SECONDS: String(CHAT_LIMIT) });
    studentBrowser = await launchBrowser();
    proctorBrowser = await launchBrowser();
  });
  afterAll(async () => {
    await studentBrowser?.close();
    await proctorBrowser?.close();
    await server?.close();
  });

  const shot = (page: Page, name: string) =>
    page.screenshot({ path: path.join(SHOTS, `proctor-chat-${name}.png`), fullPage: true });

  it(
    'hand → take over → chat both ways with unread counts → resolve → announcement',
    { timeout: 300_000 },
    async () => {
      const proctor = await proctorBrowser.context.newPage();
      const student = await studentBrowser.context.newPage();
      const errors: string[] = [];
      proctor.on('pageerror', (error) => errors.push(`proctor: ${String(error)}`));
      student.on('pageerror', (error) => errors.push(`student: ${String(error)}`));

      // The proctor watches the live dashboard.
      await signInAsDemo(server, proctor, 'proctor');
      await proctor.waitForURL(/\/proctor$/);
      await proctor.getByRole('link', { name: 'Live dashboard' }).click();
      await proctor.waitForURL(/\/proctor\/exams\/[0-9a-f-]+\/live$/);
      const dashboardUrl = proctor.url();
      await proctor.locator('[data-live-status="live"]').waitFor({ timeout: LIVE_MS });
      const feed = proctor.getByRole('complementary', { name: /^Alerts/ });

      // The student starts and raises a hand from the exam page's chat dock.
      await signInStudent(server, student, 0);
      const sessionId = await checkInAndStartExam(student);
      const dock = student.getByRole('complementary', { name: 'Chat and help' });
      await dock.getByRole('button', { name: 'Raise hand' }).click();
      await dock.getByLabel('What do you need? (optional)').fill('my camera froze');
      await dock.getByLabel('What do you need? (optional)').press('Enter');
      await dock.getByRole('button', { name: 'Lower hand' }).waitFor({ timeout: LIVE_MS });

      // It arrives as a hand alert of its own kind, with the student's words.
      const raisedAt = Date.now();
      const handAlert = feed.getByRole('article', {
        name: `${STUDENT} raised a hand: “my camera froze”`,
      });
      await handAlert.waitFor({ timeout: LIVE_MS });
      console.log(
        `[proctor-chat] hand alert shown ${Date.now() - raisedAt} ms after the UI said so`,
      );
      await feed.getByRole('heading', { name: 'Raised hands (1)' }).waitFor();
      await shot(proctor, 'dashboard-hand');
      expect(await seriousViolations(proctor, 'dashboard with a hand alert')).toEqual([]);

      // The admin takes it first: the feed names them and offers to take it over.
      const admin = await demoApiSession(server, 'admin');
      const hands = (await admin.call('GET', dashboardApi(dashboardUrl))) as {
        helpRequests: { id: string; sessionId: string }[];
      };
      const hand = hands.helpRequests.find((h) => h.sessionId === sessionId);
      expect(hand).toBeDefined();
      await admin.call('POST', `/api/hands/${hand?.id}/take`, {});
      await handAlert.getByText('Taken by Ada Admin').waitFor({ timeout: LIVE_MS });
      // A second take by the proctor is refused with the holder named (the API's answer).
      const proctorApi = await demoApiSession(server, 'proctor');
      const refused = await proctorApi.raw('POST', `/api/hands/${hand?.id}/take`, {});
      expect(refused.status).toBe(409);
      expect(((await refused.json()) as { code: string }).code).toBe('HAND_TAKEN');
      await handAlert.getByRole('button', { name: 'Take over' }).click();
      await handAlert.getByRole('button', { name: 'Take over' }).click();
      await handAlert.getByText('Taken by you').waitFor({ timeout: LIVE_MS });
      // After taking, the next step has the focus.
      await expect
        .poll(() => proctor.evaluate(() => document.activeElement?.textContent))
        .toBe('Open chat');
      // The student sees who is coming.
      await dock.getByText(/Pat Proctor/).waitFor({ timeout: LIVE_MS });

      // The student writes; the tile and the feed count it unread.
      await dock.getByLabel('Message to the proctor').fill('Thanks, the picture is stuck.');
      await dock.getByLabel('Message to the proctor').press('Enter');
      const badge = proctor.getByRole('link', { name: `1 unread message from ${STUDENT}` });
      await badge.waitFor({ timeout: LIVE_MS });
      await feed.getByRole('list', { name: 'Students with unread messages' }).waitFor();
      await feed.getByText('1 unread message').waitFor();
      await shot(proctor, 'dashboard-unread');

      // "Open chat" from the hand: the session detail, the cursor in the message box.
      await handAlert.getByRole('link', { name: 'Open chat' }).click();
      await proctor.waitForURL((url) => url.pathname === `/proctor/sessions/${sessionId}`);
      expect(new URL(proctor.url()).hash).toBe('#chat');
      const box = proctor.getByLabel(`Message to ${STUDENT}`);
      await expect
        .poll(() => box.evaluate((el) => el === document.activeElement), { timeout: LIVE_MS })
        .toBe(true);
      const thread = proctor.getByRole('region', { name: `Chat with ${STUDENT}, oldest first` });
      await thread.getByText('Thanks, the picture is stuck.').waitFor({ timeout: LIVE_MS });
      // Reading it clears the staff's unread count (the server's).
      const unreadOf = (live: unknown) =>
        (live as { sessions: { session: { id: string }; unreadChat: number }[] }).sessions.find(
          (t) => t.session.id === sessionId,
        )?.unreadChat;
      await expect
        .poll(async () => unreadOf(await proctorApi.call('GET', dashboardApi(dashboardUrl))), {
          timeout: LIVE_MS,
        })
        .toBe(0);

      // The proctor answers with Enter; the student reads it on the exam page. Markup stays text.
      const answer = 'Reload the camera with the button <b>Retry</b>, please.';
      await box.fill(answer);
      await box.press('Enter');
      await thread.getByText(answer).waitFor({ timeout: LIVE_MS });
      expect(await box.inputValue()).toBe('');
      await dock.getByText(answer).waitFor({ timeout: LIVE_MS });
      await proctor.locator('[data-live-status="live"]').waitFor({ timeout: LIVE_MS });
      await shot(proctor, 'detail-chat');
      expect(await seriousViolations(proctor, 'session detail with the chat')).toEqual([]);

      // A later student message arrives live in the open thread (and is read at once).
      await dock.getByLabel('Message to the proctor').fill('Works again, thank you!');
      await dock.getByLabel('Message to the proctor').press('Enter');
      await thread.getByText('Works again, thank you!').waitFor({ timeout: LIVE_MS });
      await expect
        .poll(async () => unreadOf(await proctorApi.call('GET', dashboardApi(dashboardUrl))), {
          timeout: LIVE_MS,
        })
        .toBe(0);

      // Resolve the hand from the chat: the student's hand goes down.
      const chatSection = proctor.getByRole('region', { name: 'Chat', exact: true });
      await chatSection.getByRole('button', { name: 'Resolve' }).click();
      await chatSection.getByText(/raised a hand/).waitFor({ state: 'detached', timeout: LIVE_MS });
      // The buttons went with the hand: the focus is back in the message box.
      expect(await box.evaluate((el) => el === document.activeElement)).toBe(true);
      await dock.getByRole('button', { name: 'Lower hand' }).waitFor({
        state: 'detached',
        timeout: LIVE_MS,
      });

      // Back on the dashboard: no unread badge; the hand is among the closed ones.
      await proctor.goto(dashboardUrl);
      await proctor.locator('[data-live-status="live"]').waitFor({ timeout: LIVE_MS });
      await feed.getByRole('heading', { name: 'Raised hands (0)' }).waitFor({ timeout: LIVE_MS });
      expect(await proctor.getByRole('link', { name: /unread message/ }).count()).toBe(0);

      // An announcement, after a confirmation naming how many students get it.
      const text = 'Ten minutes left. Check your answers.';
      await proctor.getByLabel('Announce to all students').fill(text);
      await proctor.getByRole('button', { name: 'Announce to all students' }).click();
      await proctor.getByText('Send this to 1 student?').waitFor();
      await proctor.getByRole('button', { name: 'Send announcement' }).click();
      await proctor.getByText('Announcement sent to 1 student.').waitFor({ timeout: LIVE_MS });
      // Focus is back in the box for the next one; the list of past ones counts it.
      expect(
        await proctor
          .getByLabel('Announce to all students')
          .evaluate((el) => el === document.activeElement),
      ).toBe(true);
      await proctor.getByText('Sent so far (1)').click();
      await proctor
        .getByRole('list', { name: 'Announcements, newest first' })
        .getByText(text)
        .waitFor();
      await dock.getByText(text).waitFor({ timeout: LIVE_MS });
      await shot(proctor, 'dashboard-announced');
      await shot(student, 'student-chat');

      // A burst from the proctor meets the chat limit: the refusal says to wait; the text stays.
      await proctor.goto(`${server.url}/proctor/sessions/${sessionId}#chat`);
      const error = proctor.getByText(/Too many messages in a short time/);
      for (let i = 1; i <= CHAT_LIMIT + 1 && !(await error.isVisible()); i += 1) {
        await box.fill(`Quick note ${i}`);
        await box.press('Enter');
        await expect
          .poll(async () => (await box.inputValue()) === '' || (await error.isVisible()), {
            timeout: LIVE_MS,
          })
          .toBe(true);
      }
      await error.waitFor();
      expect(await box.inputValue()).toMatch(/^Quick note \d$/);
      await shot(proctor, 'detail-rate-limited');

      expect(errors).toEqual([]);
    },
  );
});

/** GET /api/exams/:id/live for the dashboard at `url`. */
function dashboardApi(url: string): string {
  const examId = new URL(url).pathname.split('/')[3];
  return `/api/exams/${examId}/live`;
}
