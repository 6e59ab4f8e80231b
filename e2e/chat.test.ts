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
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 900 };
/** Messages one user may send per 30 s here: low, so the refusal is reached quickly. */
const RATE = 6;

interface Message {
  id: string;
  seq: number;
  from: 'student' | 'staff';
  body: string;
}
interface Thread {
  messages: Message[];
  readUpTo: number;
}
interface Hand {
  id: string;
  sessionId: string;
  message: string | null;
  takenBy: { name: string } | null;
  closeReason: string | null;
}

/**
 * The student's side of the exam chat, with the proctor in a second browser (its own
 * profile, so the student's network can be cut alone): messages both ways with the unread
 * badge, the polite live region, the chime (never for one's own, not when muted) and the
 * read mark; markup shown as text; the round trip after a 10 s network cut without a
 * reload; a raised hand taken in the proctor's page and lowered; the refusal when sending
 * too fast; while paused by the proctor, a message from the pause notice; axe-core and
 * screenshots on a desktop and a phone, in full screen. Then, with chat off for the exam:
 * the proctors' announcements and messages, read-only.
 */
describe.skipIf(browserUnavailable() !== undefined)('exam chat on the student page', () => {
  let server: DemoServer;
  let student: { context: BrowserContext; close(): Promise<void> };
  let desk: { context: BrowserContext; close(): Promise<void> };

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    server = await startDemoServer({ CHAT_MESSAGES_PER_30_SECONDS: String(RATE) });
    student = await launchBrowser();
    desk = await launchBrowser();
    // The room must work in full screen: every demo exam requires it here.
    const admin = await demoApiSession(server, 'admin');
    for (const exam of (await admin.call('GET', '/api/exams')) as { id: string; policy: object }[])
      await admin.call('PATCH', `/api/exams/${exam.id}`, {
        policy: { ...exam.policy, requireFullscreen: true },
      });
  }, 60_000);
  afterAll(async () => {
    await student?.close();
    await desk?.close();
    await server?.close();
  });

  const shot = (page: Page, name: string) =>
    page.screenshot({ path: path.join(SHOTS, `chat-${name}.png`) });

  it(
    'messages both ways, markup as text, a network cut, a raised hand',
    { timeout: 360_000 },
    async () => {
      const page = await student.context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(String(error)));
      // Counts the chime's tones (WebAudio oscillators), to see when the page plays it.
      await page.addInitScript(() => {
        const create = AudioContext.prototype.createOscillator;
        AudioContext.prototype.createOscillator = function (this: AudioContext) {
          const w = window as unknown as { tones?: number };
          w.tones = (w.tones ?? 0) + 1;
          return create.call(this);
        };
      });
      const tones = () => page.evaluate(() => (window as unknown as { tones?: number }).tones ?? 0);
      await signInStudent(server, page, 0);
      const sessionId = await checkInAndStartExam(page);
      await page.getByRole('button', { name: 'Enter full screen' }).click();
      await expect.poll(() => page.evaluate(() => !!document.fullscreenElement)).toBe(true);

      const proctor = await demoApiSession(server, 'proctor');
      const thread = () =>
        proctor.call('GET', `/api/sessions/${sessionId}/chat`) as Promise<Thread>;
      // The proctor works in the session's page of the dashboard, in another browser.
      const deskPage = await desk.context.newPage();
      deskPage.on('pageerror', (error) => errors.push(`proctor page: ${String(error)}`));
      await signInAsDemo(server, deskPage, 'proctor');
      await deskPage.waitForURL(/\/proctor/);
      await deskPage.goto(`${server.url}/proctor/sessions/${sessionId}`);
      const deskBox = deskPage.getByLabel(/^Message to /);
      const deskChat = deskPage.locator('#chat');
      const deskThread = deskPage.getByRole('region', { name: /^Chat with / });
      await deskBox.waitFor({ timeout: 30_000 });
      const proctorSays = async (body: string) => {
        await deskBox.fill(body);
        await deskBox.press('Enter');
        await deskThread.getByText(body, { exact: true }).waitFor({ timeout: 15_000 });
      };
      const studentThread = () =>
        page.evaluate(
          async (id) => (await fetch(`/api/sessions/${id}/chat`)).json() as Promise<Thread>,
          sessionId,
        );

      const readToNewest = async () => {
        const t = await studentThread();
        return t.readUpTo === Math.max(...t.messages.map((m) => m.seq));
      };
      const dock = page.getByRole('complementary', { name: 'Chat and help' });
      const rail = dock.locator('.chat-rail');
      const chatButton = rail.getByRole('button', { name: /^Chat/ });
      const panel = page.getByRole('region', { name: 'Chat with the proctor' });
      const box = panel.getByLabel('Message to the proctor');
      const messages = panel.getByRole('list', { name: 'Messages' });
      const live = page
        .locator('[aria-live="polite"]')
        .filter({ hasText: /Proctor:|Announcement:/ });

      // Closed, the dock leaves the questions alone; opened, the text area has focus.
      await chatButton.waitFor();
      expect(await chatButton.getAttribute('aria-expanded')).toBe('false');
      await shot(page, '1-closed');
      await chatButton.click();
      await panel.waitFor();
      await expect.poll(() => box.evaluate((el) => el === document.activeElement)).toBe(true);

      // Student → proctor: Enter sends; Shift+Enter is a new line. No chime for one's own.
      await box.fill('My calculator');
      await box.press('Shift+Enter');
      await box.pressSequentially('does not open.');
      await box.press('Enter');
      await messages.getByText(/My calculator\s+does not open\./).waitFor();
      expect(await box.inputValue()).toBe('');
      let sentAt = Date.now();
      await deskThread.getByText(/My calculator\s+does not open\./).waitFor({ timeout: 30_000 });
      console.log(`student message shown to the proctor ${Date.now() - sentAt} ms after sending`);
      await expect
        .poll(async () => (await thread()).messages.map((m) => m.body), { timeout: 15_000 })
        .toContain('My calculator\ndoes not open.');
      expect(await tones()).toBe(0);

      // Proctor → student: shown in the open panel and read out politely.
      sentAt = Date.now();
      await proctorSays('Use the calculator on the exam page.');
      await messages.getByText('Use the calculator on the exam page.').waitFor({ timeout: 30_000 });
      console.log(`proctor message shown ${Date.now() - sentAt} ms after sending`);
      await live.getByText('Proctor: Use the calculator on the exam page.').waitFor();
      await expect.poll(tones).toBeGreaterThan(0);
      // Read while open: the student's read mark reaches the newest message.
      await expect.poll(readToNewest).toBe(true);
      await shot(page, '2-open');
      expect(await seriousViolations(page, 'the exam page with the chat open')).toEqual([]);

      // Muted (remembered), then closed: a new message shows as unread on the button, silently;
      // opening reads it.
      await panel.getByLabel('Sound').uncheck();
      expect(await page.evaluate(() => localStorage.getItem('invigil.chat.muted'))).toBe('true');
      const beforeMuted = await tones();
      await panel.getByRole('button', { name: 'Close' }).click();
      await expect
        .poll(() => chatButton.evaluate((el) => el === document.activeElement))
        .toBe(true);
      await proctorSays('Ten minutes left for everyone.');
      await rail.getByRole('button', { name: 'Chat, 1 unread' }).waitFor({ timeout: 30_000 });
      await shot(page, '3-unread');
      await page.waitForTimeout(500);
      expect(await tones()).toBe(beforeMuted);
      await chatButton.click();
      await messages.getByText('Ten minutes left for everyone.').waitFor();
      await expect.poll(readToNewest).toBe(true);
      await panel.getByLabel('Sound').check();

      // Markup is text, both ways.
      const markup = '<b>bold</b><img src=x onerror="window.__xss=1">';
      await proctorSays(markup);
      await messages.getByText(markup).waitFor({ timeout: 30_000 });
      await expect.poll(tones).toBeGreaterThan(beforeMuted);
      expect(await messages.locator('b, img').count()).toBe(0);
      await box.fill('<i>mine</i>');
      await box.press('Enter');
      await messages.getByText('<i>mine</i>').waitFor();
      await deskThread.getByText('<i>mine</i>', { exact: true }).waitFor({ timeout: 30_000 });
      expect(await deskThread.locator('i, b, img').count()).toBe(0);
      expect(await page.evaluate(() => 'xss' in window || '__xss' in window)).toBe(false);
      await expect
        .poll(async () => (await thread()).messages.map((m) => m.body))
        .toContain('<i>mine</i>');

      // A 10 s network cut: the proctor writes meanwhile; back online, the message arrives
      // without a reload, and the student's next message reaches the proctor.
      await page.evaluate(() => Object.assign(window, { sameDocument: true }));
      await student.context.setOffline(true);
      const cutAt = Date.now();
      await proctorSays('Written while you were offline.');
      await page.waitForTimeout(Math.max(0, 10_000 - (Date.now() - cutAt)));
      expect(await messages.getByText('Written while you were offline.').count()).toBe(0);
      await shot(page, '4-offline');
      await student.context.setOffline(false);
      sentAt = Date.now();
      await messages.getByText('Written while you were offline.').waitFor({ timeout: 60_000 });
      console.log(`message sent during the cut shown ${Date.now() - sentAt} ms after reconnecting`);
      expect(await page.evaluate(() => 'sameDocument' in window)).toBe(true);
      await box.fill('Back online, thank you.');
      await box.press('Enter');
      await messages.getByText('Back online, thank you.').waitFor({ timeout: 30_000 });
      await deskThread.getByText('Back online, thank you.').waitFor({ timeout: 30_000 });
      await expect
        .poll(async () => (await thread()).messages.map((m) => m.body), { timeout: 15_000 })
        .toContain('Back online, thank you.');
      // Nothing twice after the replay and the refetch.
      const bodies = await messages.locator('.chat-body').allTextContents();
      expect(bodies.filter((b) => b === 'Written while you were offline.')).toHaveLength(1);

      // Raise hand with a note: the proctor sees it, takes it; the student sees who, and lowers it.
      const exam = (await proctor.call('GET', `/api/sessions/${sessionId}`)) as { examId: string };
      const hands = async () =>
        (
          (await proctor.call('GET', `/api/exams/${exam.examId}/live`)) as { helpRequests: Hand[] }
        ).helpRequests.filter((h) => h.sessionId === sessionId);
      await panel.getByRole('button', { name: 'Raise hand' }).click();
      await panel.getByLabel('What do you need? (optional)').fill('Question 2 is unclear.');
      await panel.getByRole('button', { name: 'Raise hand' }).click();
      await panel.getByText('Hand raised — a proctor will respond.').waitFor();
      await expect
        .poll(async () => (await hands()).map((h) => h.message), { timeout: 15_000 })
        .toContain('Question 2 is unclear.');
      const [hand] = await hands();
      await deskChat.getByText('Question 2 is unclear.').waitFor({ timeout: 30_000 });
      await deskPage.screenshot({ path: path.join(SHOTS, 'chat-proctor-side.png') });
      await deskChat.getByRole('button', { name: 'Take' }).click();
      await panel.getByText(/Hand raised — .+ is responding\./).waitFor({ timeout: 30_000 });
      await shot(page, '5-hand-taken');
      await panel.getByRole('button', { name: 'Lower hand' }).click();
      await panel.getByRole('button', { name: 'Raise hand' }).waitFor();
      await expect
        .poll(async () => (await hands()).find((h) => h.id === hand!.id)?.closeReason)
        .toBe('lowered');

      // On a phone: a bar at the bottom, the panel a sheet above it; the page ends above the bar.
      await page.setViewportSize(PHONE);
      await shot(page, '6-phone-open');
      expect(await seriousViolations(page, 'the exam page on a phone, chat open')).toEqual([]);
      await panel.getByRole('button', { name: 'Close' }).click();
      // Everything read: no badge any more.
      await rail.getByRole('button', { name: 'Chat', exact: true }).waitFor();
      await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
      await shot(page, '7-phone-closed');
      const submit = await page.getByRole('button', { name: 'Submit exam' }).boundingBox();
      const bar = await dock.boundingBox();
      expect(submit && bar && submit.y + submit.height <= bar.y).toBe(true);
      await page.setViewportSize(DESKTOP);

      // Paused by the proctor: the notice says so, and help is still at hand. From the notice,
      // "Message the proctor" opens the chat (beside it, not under it) at the text area; the
      // message arrives.
      const intervene = (body: object) =>
        proctor.call('POST', `/api/sessions/${sessionId}/interventions`, body);
      await intervene({ kind: 'pause', message: 'A quick check of your camera.' });
      const pausedNotice = page.getByRole('alertdialog', {
        name: 'Your exam is paused by the proctor',
      });
      await pausedNotice.waitFor({ timeout: 30_000 });
      expect(await pausedNotice.getAttribute('aria-modal')).toBe('false');
      const messageProctor = pausedNotice.getByRole('button', { name: 'Message the proctor' });
      await messageProctor.focus();
      await page.keyboard.press('Enter');
      await panel.waitFor();
      await expect.poll(() => box.evaluate((el) => el === document.activeElement)).toBe(true);
      await box.fill('Is my camera all right now?');
      await box.press('Enter');
      await messages.getByText('Is my camera all right now?').waitFor({ timeout: 30_000 });
      await deskThread.getByText('Is my camera all right now?').waitFor({ timeout: 30_000 });
      await expect
        .poll(async () => (await thread()).messages.map((m) => m.body), { timeout: 15_000 })
        .toContain('Is my camera all right now?');
      await proctorSays('Yes, thank you. Resuming now.');
      await messages.getByText('Yes, thank you. Resuming now.').waitFor({ timeout: 30_000 });
      // The dock is drawn above the notice and clickable there.
      const dockBox = await dock.boundingBox();
      const hit = dockBox
        ? await page.evaluate(
            ({ x, y }) => !!document.elementFromPoint(x, y)?.closest('.chat-dock'),
            { x: dockBox.x + dockBox.width / 2, y: dockBox.y + dockBox.height / 2 },
          )
        : false;
      expect(hit).toBe(true);
      await shot(page, '8-paused-chat');
      expect(await seriousViolations(page, 'the paused exam page with the chat open')).toEqual([]);
      await intervene({ kind: 'resume' });
      await pausedNotice.waitFor({ state: 'detached', timeout: 30_000 });

      // Too many messages: refused with a clear message, the draft kept.
      if (!(await panel.isVisible())) await chatButton.click();
      let refused = false;
      // Fixed windows: at most one reset within the loop, so 2 × RATE + 1 sends reach a refusal.
      for (let i = 0; i < 2 * RATE + 2 && !refused; i++) {
        await box.fill(`Quick message ${i}`);
        await box.press('Enter');
        const outcome = await Promise.race([
          messages
            .getByText(`Quick message ${i}`)
            .waitFor({ timeout: 15_000 })
            .then(() => 'sent'),
          panel
            .getByRole('alert')
            .waitFor({ timeout: 15_000 })
            .then(() => 'refused'),
        ]);
        refused = outcome === 'refused';
      }
      expect(refused).toBe(true);
      expect(await panel.getByRole('alert').textContent()).toMatch(/too quickly.*kept/);
      expect(await box.inputValue()).toMatch(/^Quick message \d$/);
      await shot(page, '9-rate-limited');
      // Still in full screen: the dock works there.
      expect(await page.evaluate(() => !!document.fullscreenElement)).toBe(true);
      expect(errors).toEqual([]);
    },
  );
  it(
    'with chat off: the proctors’ messages and announcements, read-only, and no raised hand',
    { timeout: 240_000 },
    async () => {
      const admin = await demoApiSession(server, 'admin');
      for (const exam of (await admin.call('GET', '/api/exams')) as {
        id: string;
        policy: object;
      }[])
        await admin.call('PATCH', `/api/exams/${exam.id}`, {
          policy: { ...exam.policy, chat: false, raiseHand: false },
        });
      const page = await student.context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(String(error)));
      await page.context().clearCookies();
      await signInStudent(server, page, 1);
      const sessionId = await checkInAndStartExam(page);
      await page.getByRole('button', { name: 'Enter full screen' }).click();
      const proctor = await demoApiSession(server, 'proctor');
      const { examId } = (await proctor.call('GET', `/api/sessions/${sessionId}`)) as {
        examId: string;
      };

      const rail = page.getByRole('complementary', { name: 'Chat and help' }).locator('.chat-rail');
      await rail.getByRole('button', { name: 'Messages', exact: true }).waitFor();
      expect(await rail.getByRole('button', { name: 'Raise hand' }).count()).toBe(0);
      // Staff may always write (e.g. answering a problem): the student reads it, without a
      // way to reply; an announcement shows too.
      // Written as the admin: the proctor's per-user window may still be full from the rate
      // limit check above.
      await admin.call('POST', `/api/sessions/${sessionId}/chat`, {
        body: 'We can see your screen froze; reload the page.',
      });
      await admin.call('POST', `/api/exams/${examId}/announcements`, {
        body: 'The exam ends in 30 minutes.',
      });
      await rail.getByRole('button', { name: 'Messages, 2 unread' }).waitFor({ timeout: 30_000 });
      const spoken = page.locator('[aria-live="polite"]');
      await spoken.getByText('Announcement: The exam ends in 30 minutes.').waitFor();
      await rail.getByRole('button', { name: /^Messages/ }).click();
      const panel = page.getByRole('region', { name: 'Messages from the proctors' });
      await panel.getByText('The exam ends in 30 minutes.').waitFor();
      await panel.getByText('We can see your screen froze; reload the page.').waitFor();
      expect(await panel.getByRole('textbox').count()).toBe(0);
      // Said on the panel itself, and to a screen reader entering it.
      await panel.getByText(/Chat is turned off for this exam.*cannot reply/).waitFor();
      expect(
        await panel.evaluate(
          (el) => document.getElementById(el.getAttribute('aria-describedby') ?? '')?.textContent,
        ),
      ).toMatch(/cannot reply/);
      await shot(page, '10-chat-off-read-only');
      expect(await seriousViolations(page, 'the exam page, chat off')).toEqual([]);
      expect(errors).toEqual([]);
    },
  );
});
