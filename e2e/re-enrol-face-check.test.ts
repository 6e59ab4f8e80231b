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
} from './helpers/student-flow.js';

const SHOTS = path.resolve('e2e/screenshots');

type Browser = { context: BrowserContext; close(): Promise<void> };

/**
 * A proctor's request for new identity photos checks the face photo at once, as check-in
 * does: the fake camera (a test pattern, no face) is refused in the dialog with the reason,
 * only Retake is offered, and nothing is stored. The student checked in while the exam did
 * not ask for the check; staff turned it on before the request.
 */
describe.skipIf(browserUnavailable() !== undefined)('re-enrolment face check', () => {
  let server: DemoServer;
  let student: Browser;
  let proctor: Browser;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    server = await startDemoServer();
    student = await launchBrowser();
    proctor = await launchBrowser();
  }, 60_000);
  afterAll(async () => {
    await proctor?.close();
    await student?.close();
    await server?.close();
  });

  const shot = (page: Page, name: string) =>
    page.screenshot({ path: path.join(SHOTS, `re-enrol-face-${name}.png`), fullPage: true });

  it('refuses a faceless photo in the dialog, with the reason, and stores nothing', async () => {
    const page = await student.context.newPage();
    // The exam page asks before leaving; the reload is what the student chose.
    page.on('dialog', (dialog) => void dialog.accept());
    await signInStudent(server, page, 1);
    const sessionId = await checkInAndStartExam(page);

    // Staff turn the exam's face photo check on; the student's page learns it on a reload.
    const admin = await demoApiSession(server, 'admin');
    const [exam] = (await admin.call('GET', '/api/exams')) as { id: string; policy: object }[];
    await admin.call('PATCH', `/api/exams/${exam!.id}`, {
      policy: { ...exam!.policy, facePhotoCheck: true },
    });
    await page.reload();

    const desk = await proctor.context.newPage();
    await signInAsDemo(server, desk, 'proctor');
    await desk.waitForURL(/\/proctor/);
    await desk.goto(`${server.url}/proctor/sessions/${sessionId}`);
    await desk.getByRole('button', { name: 'Request new identity photos' }).click();
    await desk.getByText('New identity photos requested. The old ones stay as evidence.').waitFor();

    const dialog = page.getByRole('alertdialog', {
      name: 'The proctor asks for new identity photos',
    });
    await dialog.waitFor({ timeout: 15_000 });
    // After the reload recording is off: the dialog turns it back on itself.
    await dialog.getByText('Recording stopped when this page was reloaded.').waitFor();
    await dialog.getByRole('button', { name: 'Turn on camera and microphone' }).click();
    await dialog.getByRole('button', { name: 'Share your entire screen' }).click();
    await page.waitForFunction(() => {
      const v = document.querySelector('.overlay video, [role="alertdialog"] video');
      return v instanceof HTMLVideoElement && v.videoWidth > 0;
    });
    const started = Date.now();
    await dialog.getByRole('button', { name: 'Take photo' }).click();
    await dialog.getByText('No face was found in the photo.').waitFor({ timeout: 60_000 });
    console.log(`[re-enrol] face photo refused ${Date.now() - started} ms after Take photo`);
    expect(await dialog.getByRole('button', { name: 'Use this photo' }).count()).toBe(0);
    await dialog.getByRole('button', { name: 'Retake' }).waitFor();
    await shot(page, '1-refused');

    // Nothing was stored as a new face photo: only the check-in one.
    const api = await demoApiSession(server, 'admin');
    const manifest = (await api.call('GET', `/api/sessions/${sessionId}/recording`)) as {
      snapshots: { kind: string; seq: number }[];
    };
    expect(manifest.snapshots.filter((s) => s.kind === 'id_face').map((s) => s.seq)).toEqual([0]);
    await desk.close();
    await page.close();
  }, 180_000);
});
