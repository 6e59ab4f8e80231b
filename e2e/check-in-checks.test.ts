import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoServer, startDemoServer } from './helpers/app-server.js';
import { browserUnavailable, launchBrowser } from './helpers/browser.js';
import { writeSampleFaceY4m } from './helpers/sample-face.js';
import { checkInAndStartExam, demoApiSession, signInStudent } from './helpers/student-flow.js';
import { seriousViolations } from './helpers/axe.js';

const SHOTS = path.resolve('e2e/screenshots');

type Browser = { context: BrowserContext; close(): Promise<void> };

/**
 * Check-in that checks, in Chromium with the demo exam's face photo check on: the default
 * fake camera (a test pattern, no face) is refused with the reason and only Retake offered;
 * a camera showing a face passes; the practice run checks without recording anything.
 */
describe.skipIf(browserUnavailable() !== undefined)('check-in that checks, in Chromium', () => {
  let server: DemoServer;
  let faceless: Browser;
  let withFace: Browser;
  let videoDir: string;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    server = await startDemoServer({}, { facePhotoCheck: true });
    videoDir = mkdtempSync(path.join(os.tmpdir(), 'invigil-y4m-'));
    const video = path.join(videoDir, 'face.y4m');
    writeSampleFaceY4m(video);
    faceless = await launchBrowser();
    withFace = await launchBrowser([`--use-file-for-fake-video-capture=${video}`]);
    // The demo exam offers a practice run.
    const admin = await demoApiSession(server, 'admin');
    const [exam] = (await admin.call('GET', '/api/exams')) as { id: string; policy: object }[];
    await admin.call('PATCH', `/api/exams/${exam!.id}`, {
      policy: { ...exam!.policy, practiceRun: true },
    });
  }, 60_000);
  afterAll(async () => {
    await withFace?.close();
    await faceless?.close();
    await server?.close();
    if (videoDir) rmSync(videoDir, { recursive: true, force: true });
  });

  const shot = (page: Page, name: string) =>
    page.screenshot({ path: path.join(SHOTS, `check-in-checks-${name}.png`), fullPage: true });

  /** The system check up to Continue (camera, microphone, screen, upload speed). */
  async function passSystemCheck(page: Page) {
    await page.getByRole('heading', { name: 'System check' }).waitFor();
    await page.getByRole('button', { name: 'Turn on camera and microphone' }).click();
    await page.getByText('Your microphone picks up sound.').waitFor({ timeout: 15_000 });
    await page.getByRole('button', { name: 'Share your entire screen' }).click();
    await page.getByText('Your entire screen is shared.').waitFor();
    await page.getByText(/Measured .* by sending/).waitFor({ timeout: 15_000 });
    const proceed = page.getByRole('button', { name: 'Continue' });
    await expect.poll(() => proceed.isEnabled(), { timeout: 10_000 }).toBe(true);
  }

  it('faceless photo refused: the practice run and the check-in say why, only Retake is offered', async () => {
    const page = await faceless.context.newPage();
    await signInStudent(server, page, 0);
    await page.getByRole('button', { name: 'Register', exact: true }).first().click();

    // Practice run from the exam list: nothing recorded, the photo checked and discarded.
    await page.getByRole('link', { name: 'Practice check-in' }).click();
    await page.waitForURL(/\/student\/practice\//);
    const sessionId = page.url().split('/').pop() ?? '';
    await passSystemCheck(page);
    await page.getByText('No face in view.').waitFor({ timeout: 60_000 });
    expect(await seriousViolations(page, 'practice system check')).toEqual([]);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('heading', { name: 'Practice: photo of your face' }).waitFor();
    await page.waitForFunction(() => (document.querySelector('video')?.videoWidth ?? 0) > 0);
    await page.getByRole('button', { name: 'Take photo' }).click();
    await page.getByText('This photo would not be accepted. No face was found').waitFor({
      timeout: 60_000,
    });
    await shot(page, 'practice-refused');
    expect(await seriousViolations(page, 'practice photo')).toEqual([]);
    const admin = await demoApiSession(server, 'admin');
    const session = (await admin.call('GET', `/api/sessions/${sessionId}`)) as { state: string };
    expect(session.state).toBe('registered');
    const events = (await admin.call('GET', `/api/sessions/${sessionId}/events`)) as unknown[];
    expect(events).toEqual([]);

    // The real check-in: the face photo is refused at once, with the reason.
    await page.getByRole('link', { name: 'Back to My exams' }).click();
    await page.getByRole('link', { name: 'Start exam' }).click();
    await page.getByLabel(/I have read this notice and agree/).check();
    await page.getByRole('button', { name: 'Agree and continue' }).click();
    await passSystemCheck(page);
    await page.getByText('No face in view.').waitFor({ timeout: 60_000 });
    await shot(page, 'system-check-no-face');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('heading', { name: 'Identity check' }).waitFor();
    await page.waitForFunction(() => (document.querySelector('video')?.videoWidth ?? 0) > 0);
    await page.getByRole('button', { name: 'Take photo' }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'This photo cannot be used.' });
    await alert.getByText('No face was found in the photo.').waitFor({ timeout: 60_000 });
    expect(await page.getByRole('button', { name: 'Use this photo' }).count()).toBe(0);
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Retake');
    await shot(page, 'identity-refused');
    expect(await seriousViolations(page, 'identity refused')).toEqual([]);
    // Nothing was stored as the face photo.
    const manifest = (await admin.call('GET', `/api/sessions/${sessionId}/recording`)) as {
      snapshots: { kind: string }[];
    };
    expect(manifest.snapshots.filter((s) => s.kind === 'id_face')).toEqual([]);
    await page.close();
  }, 240_000);

  it('a camera showing one face passes the face check and the attempt starts', async () => {
    const page = await withFace.context.newPage();
    await signInStudent(server, page, 1);
    const sessionId = await checkInAndStartExam(page, (name) => shot(page, `face-${name}`));
    const admin = await demoApiSession(server, 'admin');
    const manifest = (await admin.call('GET', `/api/sessions/${sessionId}/recording`)) as {
      snapshots: { kind: string }[];
    };
    expect(manifest.snapshots.filter((s) => s.kind === 'id_face').length).toBeGreaterThan(0);
    await page.close();
  }, 240_000);
});
