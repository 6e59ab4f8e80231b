import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoServer, startDemoServer } from './helpers/app-server.js';
import { browserUnavailable, launchBrowser } from './helpers/browser.js';
import { checkInAndStartExam, demoApiSession, signInStudent } from './helpers/student-flow.js';

const SHOTS = path.resolve('e2e/screenshots');

interface Intervention {
  id: string;
  kind: string;
  acknowledgedAt: string | null;
  completedAt: string | null;
}

/**
 * A proctor's interventions reach the student's exam page over the live connection: a warning
 * the student must acknowledge, a pause that stops the timer, a requested room scan, and the
 * end of the attempt with a reason. The proctor acts through the API (the dashboard has its
 * own tests).
 */
describe.skipIf(browserUnavailable() !== undefined)(
  'proctor interventions on the student page',
  () => {
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

    const shot = (page: Page, name: string) =>
      page.screenshot({ path: path.join(SHOTS, `interventions-${name}.png`), fullPage: true });

    it('warn, pause, resume, room scan and terminate', { timeout: 180_000 }, async () => {
      const page = await browser.context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(String(error)));
      await signInStudent(server, page, 0);
      const sessionId = await checkInAndStartExam(page);
      const proctor = await demoApiSession(server, 'proctor');
      const intervene = (body: Record<string, unknown>) =>
        proctor.call(
          'POST',
          `/api/sessions/${sessionId}/interventions`,
          body,
        ) as Promise<Intervention>;
      const list = () =>
        proctor.call('GET', `/api/sessions/${sessionId}/interventions`) as Promise<Intervention[]>;

      // A warning: a modal alert dialog with the proctor's text, focus on its only button.
      const warning = await intervene({
        kind: 'warning',
        message: 'Please keep your eyes on the screen.',
      });
      const dialog = page.getByRole('alertdialog', { name: 'Warning from the proctor' });
      await dialog.waitFor({ timeout: 5000 });
      expect(await dialog.textContent()).toContain('Please keep your eyes on the screen.');
      await expect
        .poll(() => page.evaluate(() => document.activeElement?.textContent))
        .toBe('I understand');
      // Tab stays inside the dialog.
      await page.keyboard.press('Tab');
      expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('I understand');
      await shot(page, 'warning');
      await page.keyboard.press('Enter');
      await dialog.waitFor({ state: 'detached' });
      await expect
        .poll(async () => (await list()).find((i) => i.id === warning.id)?.acknowledgedAt ?? null)
        .not.toBeNull();

      // A pause: the overlay with the note, and the timer stands still.
      const timer = page.getByRole('timer');
      await intervene({ kind: 'pause', message: 'A technical check, back in a minute.' });
      const paused = page.getByRole('alertdialog', { name: 'Your exam is paused by the proctor' });
      await paused.waitFor({ timeout: 5000 });
      expect(await paused.textContent()).toContain('A technical check, back in a minute.');
      const frozen = await timer.textContent();
      await page.waitForTimeout(2500);
      expect(await timer.textContent()).toBe(frozen);
      await shot(page, 'paused');

      // Resume: the overlay goes and the timer runs again.
      await intervene({ kind: 'resume' });
      await paused.waitFor({ state: 'detached', timeout: 5000 });
      await expect.poll(() => timer.textContent(), { timeout: 5000 }).not.toBe(frozen);

      // A room scan request: the check-in room scan, recorded beside the exam recording.
      const scan = await intervene({ kind: 'room_scan', message: 'Show us your desk, please.' });
      const scanDialog = page.getByRole('alertdialog', {
        name: 'The proctor asks for a room scan',
      });
      await scanDialog.waitFor({ timeout: 5000 });
      await scanDialog.getByRole('button', { name: 'Start room scan' }).click();
      await shot(page, 'room-scan');
      await scanDialog
        .getByRole('button', { name: 'Send the room scan' })
        .click({ timeout: 40_000 });
      await scanDialog.waitFor({ state: 'detached', timeout: 60_000 });
      const answered = (await list()).find((i) => i.id === scan.id);
      expect(answered?.completedAt).toEqual(expect.any(String));

      // Terminate: the attempt ends with the reason; the recordings still upload.
      await intervene({ kind: 'terminate', message: 'Another person was helping you.' });
      await page.getByRole('heading', { name: 'Your exam was ended' }).waitFor({ timeout: 5000 });
      await page.getByText('Another person was helping you.').waitFor();
      await page.getByText('All recordings uploaded').waitFor({ timeout: 60_000 });
      await shot(page, 'terminated');
      expect(errors).toEqual([]);
    });
  },
);
