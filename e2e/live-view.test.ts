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
/** The demo seed's first student, as the proctor's pages name them. */
const STUDENT_NAME = 'Sam Student';
/** Generous: shared machines. Only waits; measured times are printed, never asserted. */
const LIVE_TIMEOUT_MS = 60_000;

type Browser = { context: BrowserContext; close(): Promise<void> };

/** Decoded frames of a named live video (0 before it has any). */
function framesOf(page: Page, testId: string): Promise<number> {
  return page.evaluate((id) => {
    const video = document.querySelector<HTMLVideoElement>(`[data-testid="${id}"]`);
    return video?.getVideoPlaybackQuality().totalVideoFrames ?? 0;
  }, testId);
}

/** readyState of the audio track a named media element plays, or null. */
function audioStateOf(page: Page, testId: string): Promise<string | null> {
  return page.evaluate((id) => {
    const element = document.querySelector<HTMLMediaElement>(`[data-testid="${id}"]`);
    const stream = element?.srcObject as MediaStream | null | undefined;
    return stream?.getAudioTracks()[0]?.readyState ?? null;
  }, testId);
}

/**
 * A proctor's live view, peer to peer between two real Chromium browsers over the loopback
 * (host candidates; the TURN relay has its own test): opened from the session detail, the
 * student's webcam and screen play (their decoded frame counts grow) and the microphone's
 * track is live; the student sees that a proctor is watching while their recording carries
 * on; ending it (button, then Escape on a second view) removes the notice.
 */
describe.skipIf(browserUnavailable() !== undefined)('live view', () => {
  let server: DemoServer;
  let studentBrowser: Browser;
  let proctorBrowser: Browser;
  let proctor: Page;
  let student: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    server = await startDemoServer();
    studentBrowser = await launchBrowser();
    proctorBrowser = await launchBrowser();
    proctor = await proctorBrowser.context.newPage();
    student = await studentBrowser.context.newPage();
    proctor.on('pageerror', (error) => errors.push(`proctor: ${String(error)}`));
    student.on('pageerror', (error) => errors.push(`student: ${String(error)}`));
  });
  afterAll(async () => {
    await studentBrowser?.close();
    await proctorBrowser?.close();
    await server?.close();
  });

  const shot = (page: Page, name: string) =>
    page.screenshot({ path: path.join(SHOTS, `live-view-${name}.png`), fullPage: false });

  it(
    'plays the student live to the proctor and tells the student',
    { timeout: 300_000 },
    async () => {
      await signInStudent(server, student, 0);
      const sessionId = await checkInAndStartExam(student);
      await signInAsDemo(server, proctor, 'proctor');
      await proctor.waitForURL(/\/proctor$/);
      await proctor.goto(`${server.url}/proctor/sessions/${sessionId}`);

      const open = proctor.getByRole('button', { name: `Live view of ${STUDENT_NAME}` });
      await open.click({ timeout: 30_000 });
      const panel = proctor.getByRole('dialog', { name: `Live view of ${STUDENT_NAME}` });
      await panel.waitFor();
      // Focus moves into the panel (its title) for keyboard and screen reader users.
      expect(await proctor.evaluate(() => document.activeElement?.textContent)).toBe(
        `Live view of ${STUDENT_NAME}`,
      );

      const started = Date.now();
      // The panel carries its phase (opening, connecting, live, …) for tests.
      await proctor
        .locator('[role="dialog"][data-rtc-phase="live"]')
        .waitFor({ timeout: LIVE_TIMEOUT_MS });
      console.log(`[live-view] live after ${((Date.now() - started) / 1000).toFixed(1)} s`);
      await panel.getByRole('status').filter({ hasText: 'Live' }).waitFor();

      // Pictures arrive and keep arriving: decoded frames grow on both videos.
      for (const id of ['rtc-webcam', 'rtc-screen']) {
        await expect
          .poll(() => framesOf(proctor, id), { timeout: LIVE_TIMEOUT_MS })
          .toBeGreaterThan(0);
        const first = await framesOf(proctor, id);
        await expect
          .poll(() => framesOf(proctor, id), { timeout: LIVE_TIMEOUT_MS })
          .toBeGreaterThan(first);
        console.log(`[live-view] ${id}: ${await framesOf(proctor, id)} frames decoded`);
      }
      expect(await audioStateOf(proctor, 'rtc-microphone')).toBe('live');
      await expect
        .poll(() =>
          proctor.getByRole('button', { name: 'Mute the student' }).getAttribute('aria-pressed'),
        )
        .toBe('false');

      // The student is told, without anything blocking the exam; recording carries on.
      const watching = student.getByTestId('rtc-watching');
      await watching.waitFor({ timeout: 30_000 });
      expect(await watching.textContent()).toContain('A proctor is watching');
      await student.getByText('Recording camera and screen').waitFor();
      expect(await student.locator('.exam-body').getAttribute('inert')).toBeNull();

      // The session's Status says who is watching (the dashboard tile does too).
      const badge = proctor.getByTestId('rtc-badge');
      await badge.waitFor({ timeout: 30_000 });
      expect(await badge.textContent()).toMatch(/^Being watched by /);

      await shot(proctor, 'proctor');
      await shot(student, 'student');
      expect(await seriousViolations(proctor, 'the live view panel')).toEqual([]);

      // The server sees one open live link.
      const api = await demoApiSession(server, 'proctor');
      const links = (await api.call('GET', `/api/sessions/${sessionId}/rtc`)) as {
        state: string;
      }[];
      expect(links.map((l) => l.state)).toEqual(['live']);

      // End: the panel closes, focus returns to its button, the student's notice goes.
      await panel.getByRole('button', { name: 'End live view' }).click();
      await panel.waitFor({ state: 'detached' });
      expect(await proctor.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe(
        `Live view of ${STUDENT_NAME}`,
      );
      await watching.waitFor({ state: 'detached', timeout: 30_000 });
      await expect
        .poll(
          async () =>
            ((await api.call('GET', `/api/sessions/${sessionId}/rtc`)) as unknown[]).length,
          {
            timeout: 30_000,
          },
        )
        .toBe(0);
      // The captured tracks were only shared: the student's camera and screen still record.
      await student.getByText('Recording camera and screen').waitFor();
      expect(
        await student.evaluate(() =>
          Array.from(document.querySelectorAll('video')).some((v) => {
            const stream = v.srcObject as MediaStream | null;
            return !!stream && stream.getTracks().every((t) => t.readyState === 'live');
          }),
        ),
      ).toBe(true);

      // Keyboard: open with Enter, close with Escape; the link ends the same way.
      await open.focus();
      await proctor.keyboard.press('Enter');
      await panel.waitFor();
      await watching.waitFor({ timeout: 30_000 });
      await proctor.keyboard.press('Escape');
      await panel.waitFor({ state: 'detached' });
      await watching.waitFor({ state: 'detached', timeout: 30_000 });
      await shot(student, 'student-after');

      // Closing the proctor's tab ends the view within seconds (after a short grace for a
      // dropped connection to come back).
      await open.click();
      await panel.waitFor();
      await watching.waitFor({ timeout: 30_000 });
      await proctor
        .locator('[role="dialog"]:is([data-rtc-phase="connecting"], [data-rtc-phase="live"])')
        .waitFor({ timeout: LIVE_TIMEOUT_MS });
      const closedAt = Date.now();
      await proctor.close();
      // Normally gone in about 3 s (the proctor's socket closes, then a short grace). On a
      // busy machine the close was once not seen in time; then the sweep ends the link when
      // the proctor has not been seen for 60 s, which this wait covers (the time is printed).
      await watching.waitFor({ state: 'detached', timeout: 75_000 });
      console.log(
        `[live-view] tab closed: the student's notice went after ${((Date.now() - closedAt) / 1000).toFixed(1)} s`,
      );
      await expect
        .poll(
          async () =>
            ((await api.call('GET', `/api/sessions/${sessionId}/rtc`)) as unknown[]).length,
          { timeout: 30_000 },
        )
        .toBe(0);
      expect(errors).toEqual([]);
    },
  );
});
