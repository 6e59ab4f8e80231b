import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Intervention } from '@invigil/contracts';
import { type DemoServer, startDemoServer } from './helpers/app-server.js';
import { browserUnavailable, launchBrowser } from './helpers/browser.js';
import {
  checkInAndStartExam,
  demoApiSession,
  signInAsDemo,
  signInStudent,
  takeIdentityPhotos,
} from './helpers/student-flow.js';

const SHOTS = path.resolve('e2e/screenshots');

interface Manifest {
  snapshots: { kind: string; seq: number }[];
}

/**
 * The server decides that check-in is done, and only a proctor reopens the identity photos:
 * in Chromium, a Start refused for a photo that never arrived sends the student back to take
 * it, and a proctor's request for new photos during the exam leads the student through them.
 */
describe.skipIf(browserUnavailable() !== undefined)('identity and check-in in Chromium', () => {
  let server: DemoServer;
  let browser: { context: BrowserContext; close(): Promise<void> };
  /** The proctor's own browser (its own cookies), beside the student's. */
  let proctorBrowser: { context: BrowserContext; close(): Promise<void> };

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    server = await startDemoServer();
    browser = await launchBrowser();
    proctorBrowser = await launchBrowser();
  });
  afterAll(async () => {
    await proctorBrowser?.close();
    await browser?.close();
    await server?.close();
  });

  const shot = (page: Page, name: string) =>
    page.screenshot({ path: path.join(SHOTS, `identity-${name}.png`), fullPage: true });
  const photosOf = async (sessionId: string, kind: string) => {
    const admin = await demoApiSession(server, 'admin');
    const manifest = (await admin.call('GET', `/api/sessions/${sessionId}/recording`)) as Manifest;
    return manifest.snapshots
      .filter((s) => s.kind === kind)
      .map((s) => s.seq)
      .sort();
  };

  it('a photo the server never received is named at Start, and taken again', async () => {
    const page = await browser.context.newPage();
    await signInStudent(server, page, 0);
    // The ID document photo is refused on its way (as a broken proxy might): it never arrives.
    const blocked = '**/api/sessions/*/snapshots/id_document/**';
    await page.route(blocked, (route) =>
      route.fulfill({
        status: 415,
        contentType: 'application/json',
        body: JSON.stringify({ code: 'UNSUPPORTED_MEDIA_TYPE', message: 'Refused on the way' }),
      }),
    );
    const sessionId = await checkInAndStartExam(page, undefined, { start: false });
    await page.getByRole('button', { name: 'Start exam' }).click();
    await page.getByText('The photo of your identity document has not arrived.').waitFor({
      timeout: 30_000,
    });
    const redo = page.getByRole('button', { name: 'Do this step again' });
    // Focus moves to the way out, so a keyboard or screen reader user is not left behind.
    await expect.poll(() => redo.evaluate((el) => el === document.activeElement)).toBe(true);
    await shot(page, 'start-refused');
    const student = await demoApiSession(server, 'student', 0);
    expect(await student.call('GET', `/api/sessions/${sessionId}`)).toMatchObject({
      state: 'checking_in',
    });

    await page.unroute(blocked);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Identity check' }).waitFor();
    await takeIdentityPhotos(page);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('heading', { name: 'Ready to start' }).waitFor();
    await page.getByRole('button', { name: 'Start exam' }).click();
    await page.getByText('Recording camera and screen').waitFor({ timeout: 30_000 });
    expect(await photosOf(sessionId, 'id_document')).toHaveLength(1);
    await page.close();
  }, 120_000);

  it('a proctor’s request for new identity photos leads the student through them', async () => {
    const page = await browser.context.newPage();
    await browser.context.clearCookies();
    await signInStudent(server, page, 1);
    const sessionId = await checkInAndStartExam(page);
    expect(await photosOf(sessionId, 'id_face')).toEqual([0]);

    // The proctor asks from the session detail.
    const desk = await proctorBrowser.context.newPage();
    await signInAsDemo(server, desk, 'proctor');
    await desk.waitForURL(/\/proctor/);
    await desk.goto(`${server.url}/proctor/sessions/${sessionId}`);
    await desk.getByRole('button', { name: 'Request new identity photos' }).click();
    await desk.getByText('New identity photos requested. The old ones stay as evidence.').waitFor();
    const history = desk.getByRole('list', { name: 'Intervention history, newest first' });

    const dialog = page.getByRole('alertdialog', {
      name: 'The proctor asks for new identity photos',
    });
    await dialog.waitFor({ timeout: 15_000 });
    await history
      .getByText('Seen by the student, photos not taken yet')
      .waitFor({ timeout: 15_000 });
    await shot(page, 're-enrol');
    await takeIdentityPhotos(page);
    await dialog.getByRole('button', { name: 'Send the new photos' }).click();
    await dialog.waitFor({ state: 'detached', timeout: 60_000 });

    // The proctor sees the answer and the new photos; the check-in ones are kept, as replaced.
    await history.getByText('New identity photos received').waitFor({ timeout: 15_000 });
    await desk.getByRole('img', { name: 'Newest face photo' }).waitFor({ timeout: 15_000 });
    await desk.getByText(/Earlier identity photos \(2, replaced/).click();
    await desk.getByRole('img', { name: 'Face photo (replaced)' }).waitFor();
    await desk.screenshot({ path: path.join(SHOTS, 'identity-proctor.png'), fullPage: true });
    const proctor = await demoApiSession(server, 'proctor');
    const list = (await proctor.call(
      'GET',
      `/api/sessions/${sessionId}/interventions`,
    )) as Intervention[];
    expect(list.find((i) => i.kind === 're_enrol')?.completedAt).toEqual(expect.any(String));
    // New photos under new sequence numbers; the check-in ones stay.
    expect(await photosOf(sessionId, 'id_face')).toEqual([0, 1]);
    expect(await photosOf(sessionId, 'id_document')).toEqual([0, 1]);
    await desk.close();
    await page.close();
  }, 150_000);
});
