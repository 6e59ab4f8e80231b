import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DETECTOR_RULES, DEFAULT_POLICY } from '@invigil/contracts';
import { type DemoServer, startDemoServer } from './helpers/app-server.js';
import { browserUnavailable, launchBrowser } from './helpers/browser.js';
import { checkInAndStartExam, signInAsDemo, signInStudent } from './helpers/student-flow.js';
import { writeGreyY4m } from './helpers/y4m.js';

const SHOTS = path.resolve('e2e/screenshots');
/** The demo seed's first student, as the proctor's pages name them. */
const STUDENT_NAME = 'Sam Student';
/** The demo exam's policy (the seed uses the default) decides when no face becomes a flag. */
const NO_FACE_RULE = DEFAULT_POLICY.detectors.no_face ?? DEFAULT_DETECTOR_RULES.no_face;
/**
 * Time allowed, beyond the rule's minimum duration, for the flag to be judged on the server,
 * pushed over the live connection and rendered on a loaded machine. Only a wait's timeout.
 */
const ALERT_MARGIN_MS = 120_000;

type Browser = { context: BrowserContext; close(): Promise<void> };

/**
 * The proctor's half of hybrid proctoring, with two Chromium browsers: a student whose fake
 * camera shows an empty room, and the exam's proctor on the live dashboard. The student's
 * no_face flag arrives in the proctor's alert feed; from the alert the proctor opens the
 * session, sends a warning the student must acknowledge, pauses the attempt (the student's
 * timer stops) and resumes it (the timer runs again). The proctor acts only through the UI.
 */
describe.skipIf(browserUnavailable() !== undefined)('proctor dashboard with a student', () => {
  let server: DemoServer;
  let studentBrowser: Browser;
  let proctorBrowser: Browser;
  let videoDir: string;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    videoDir = mkdtempSync(path.join(os.tmpdir(), 'invigil-y4m-'));
    const video = path.join(videoDir, 'empty-room.y4m');
    writeGreyY4m(video);
    server = await startDemoServer();
    studentBrowser = await launchBrowser([`--use-file-for-fake-video-capture=${video}`]);
    proctorBrowser = await launchBrowser();
  });
  afterAll(async () => {
    await studentBrowser?.close();
    await proctorBrowser?.close();
    await server?.close();
    if (videoDir) rmSync(videoDir, { recursive: true, force: true });
  });

  const shot = (page: Page, name: string) =>
    page.screenshot({ path: path.join(SHOTS, `proctor-dashboard-${name}.png`), fullPage: true });

  it(
    'a no-face alert reaches the proctor, who warns, pauses and resumes the student',
    { timeout: 240_000 },
    async () => {
      const proctor = await proctorBrowser.context.newPage();
      const student = await studentBrowser.context.newPage();
      const errors: string[] = [];
      proctor.on('pageerror', (error) => errors.push(`proctor: ${String(error)}`));
      student.on('pageerror', (error) => errors.push(`student: ${String(error)}`));

      // The proctor opens the live dashboard of their exam before the student starts.
      await signInAsDemo(server, proctor, 'proctor');
      await proctor.waitForURL(/\/proctor$/);
      await proctor.getByRole('link', { name: 'Live dashboard' }).click();
      await proctor.waitForURL(/\/proctor\/exams\/[0-9a-f-]+\/live$/);
      await proctor.getByRole('heading', { level: 1, name: /^Live: / }).waitFor();
      const feed = proctor.getByRole('complementary', { name: /^Alerts/ });
      await feed.getByText('No alerts in the last hour.').waitFor();
      // The connection banner says so once the live connection is up.
      await proctor.locator('[data-live-status="live"]').waitFor({ timeout: 20_000 });

      // The student checks in and starts; the camera sees nobody.
      await signInStudent(server, student, 0);
      const sessionId = await checkInAndStartExam(student);
      const status = student.locator('.monitor-indicator [role="status"]');
      await expect
        .poll(() => status.textContent(), { timeout: 60_000, interval: 250 })
        .toMatch(/Monitoring (active|unavailable)/);
      expect(await status.textContent()).toBe('Monitoring active');
      const activeAt = Date.now();

      // The session appears in the grid, and the no_face flag in the alert feed, live.
      await proctor.getByRole('link', { name: STUDENT_NAME }).waitFor({ timeout: 20_000 });
      // The browser's own flag or the server's from its snapshots, whichever is first: on a
      // busy machine the browser's models may load after the server has analysed a snapshot.
      const alert = feed
        .getByRole('article', { name: `${STUDENT_NAME}: No face` })
        .filter({ hasText: 'No face in view' })
        .first();
      const limitMs = NO_FACE_RULE.minSeconds * 1000 + ALERT_MARGIN_MS;
      await alert.waitFor({ timeout: Math.max(1000, limitMs - (Date.now() - activeAt)) });
      console.log(
        `[proctor-dashboard] no_face alert shown ${((Date.now() - activeAt) / 1000).toFixed(1)} s ` +
          `after monitoring started (rule: ${NO_FACE_RULE.minSeconds} s; load average ` +
          `${os.loadavg()[0]?.toFixed(1)} on ${os.cpus().length} cores)`,
      );
      // Listed under its severity, waiting for acknowledgement.
      await feed
        .getByRole('list', { name: new RegExp(`^${NO_FACE_RULE.severity} severity alerts$`, 'i') })
        .getByRole('article', { name: `${STUDENT_NAME}: No face` })
        .filter({ hasText: 'No face in view' })
        .first()
        .waitFor();
      expect(await alert.getByRole('button', { name: 'Acknowledge' }).isVisible()).toBe(true);
      await shot(proctor, 'proctor-alert');

      // From the alert, the proctor opens the session detail at the flag.
      await alert.getByRole('link', { name: /^Open (at|session)/ }).click();
      await proctor.waitForURL((url) => url.pathname === `/proctor/sessions/${sessionId}`);
      expect(new URL(proctor.url()).searchParams.get('flag')).toMatch(/^[0-9a-f-]+$/);
      await proctor
        .getByRole('heading', { level: 1, name: `Session of ${STUDENT_NAME}` })
        .waitFor({ timeout: 20_000 });
      await proctor.locator('[data-live-status="live"]').waitFor({ timeout: 20_000 });
      const history = proctor.getByRole('list', { name: 'Intervention history, newest first' });

      // A warning: the student must acknowledge it, and the proctor sees that they did.
      const message = 'Please stay in view of your camera.';
      await proctor.getByLabel('Warning to the student').fill(message);
      await proctor.getByRole('button', { name: 'Send warning' }).click();
      await proctor.getByText('Warning sent. The student must acknowledge it.').waitFor();
      await history.getByText('Not acknowledged yet').waitFor();
      const warning = student.getByRole('alertdialog', { name: 'Warning from the proctor' });
      await warning.waitFor({ timeout: 15_000 });
      expect(await warning.textContent()).toContain(message);
      expect(await warning.textContent()).toContain('by Pat Proctor');
      await shot(student, 'student-warning');
      await warning.getByRole('button', { name: 'I understand' }).click();
      await warning.waitFor({ state: 'detached', timeout: 15_000 });
      await history.getByText('Acknowledged by the student').waitFor({ timeout: 15_000 });

      // A pause: the student's exam is covered and the timer stands still.
      const timer = student.getByRole('timer');
      await proctor.getByLabel('Note with the pause (optional)').fill('A quick check, one moment.');
      await proctor.getByRole('button', { name: 'Pause the attempt' }).click();
      await proctor.getByText('Attempt paused. The timer has stopped.').waitFor();
      const paused = student.getByRole('alertdialog', {
        name: 'Your exam is paused by the proctor',
      });
      await paused.waitFor({ timeout: 15_000 });
      expect(await paused.textContent()).toContain('A quick check, one moment.');
      const frozen = await timer.textContent();
      await student.waitForTimeout(3500);
      expect(await timer.textContent()).toBe(frozen);
      await shot(student, 'student-paused');
      // The proctor's page follows the session's state over the live connection.
      const resume = proctor.getByRole('button', { name: 'Resume the attempt' });
      await resume.waitFor({ timeout: 15_000 });
      await proctor.getByText(/\(paused\)$/).waitFor();
      await shot(proctor, 'proctor-paused');

      // Resume: the overlay goes and the timer runs again.
      await resume.click();
      await proctor.getByText('Attempt resumed.').waitFor();
      await paused.waitFor({ state: 'detached', timeout: 15_000 });
      await expect.poll(() => timer.textContent(), { timeout: 15_000 }).not.toBe(frozen);
      await proctor.getByRole('button', { name: 'Pause the attempt' }).waitFor({ timeout: 15_000 });
      // The history, newest first, records all three with the student's answer to the warning.
      expect(await history.getByRole('listitem').allTextContents()).toEqual([
        expect.stringMatching(/^Resumed/),
        expect.stringMatching(/^Paused.*A quick check, one moment\./),
        expect.stringMatching(/^Warning.*Acknowledged by the student/),
      ]);

      expect(errors).toEqual([]);
    },
  );
});
