import { mkdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yauzl from 'yauzl';
import { type DemoServer, startDemoServer } from './helpers/app-server.js';
import { browserUnavailable, launchBrowser } from './helpers/browser.js';
import { demoCreds, signInAsDemo, signInStudent } from './helpers/student-flow.js';

const SHOTS = path.resolve('e2e/screenshots');

/** The names of a zip's entries. */
function zipEntries(file: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(readFileSync(file), { lazyEntries: false }, (err, zip) => {
      if (err) return reject(err);
      const names: string[] = [];
      zip.on('entry', (e: yauzl.Entry) => names.push(e.fileName));
      zip.on('end', () => resolve(names));
      zip.on('error', reject);
    });
  });
}

/**
 * Subject access in the browser: a student asks for their data on the account page, sees it
 * being collected, and downloads the zip; an admin does the same for a student.
 */
describe.skipIf(browserUnavailable() !== undefined)('data export in Chromium', () => {
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

  it('a student requests their data, sees its progress and downloads the zip', async () => {
    const page = await browser.context.newPage();
    await page.context().clearCookies();
    await signInStudent(server, page, 0);
    await page.goto(`${server.url}/account`);
    const section = page.getByRole('region', { name: 'Your data' });
    await section.getByText('You have not requested your data yet.').waitFor();
    await section.getByRole('button', { name: 'Request my data' }).click();

    // Shown from the request's answer at once, before the job has written anything.
    const bar = section.getByRole('progressbar', { name: 'Collecting your data' });
    await bar.waitFor();
    expect(await bar.getAttribute('aria-valuemin')).toBe('0');
    expect(await bar.getAttribute('aria-valuemax')).toBe('100');
    await page.screenshot({ path: path.join(SHOTS, 'data-export-progress.png'), fullPage: true });

    const link = section.getByRole('link', { name: /Download zip/ });
    await link.waitFor({ timeout: 30_000 });
    await section.getByText(/Ready to download until/).waitFor();
    expect(await section.getByRole('button', { name: 'Request my data' }).isEnabled()).toBe(true);
    await page.screenshot({ path: path.join(SHOTS, 'data-export-ready.png'), fullPage: true });

    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    expect(download.suggestedFilename()).toMatch(/^invigil-data-[\d-]+\.zip$/);
    const file = path.join(os.tmpdir(), `invigil-e2e-export-${Date.now()}.zip`);
    await download.saveAs(file);
    const names = await zipEntries(file);
    expect(names).toEqual(
      expect.arrayContaining(['README.txt', 'profile.json', 'registrations.json']),
    );

    // Asking again within the hour says when, in words.
    await section.getByRole('button', { name: 'Request my data' }).click();
    await section.getByText(/One data export per hour/).waitFor();
    await page.close();
  });

  it('an admin exports a student’s data from the user list', async () => {
    const page = await browser.context.newPage();
    await signInAsDemo(server, page, 'admin');
    await page.waitForURL(/\/admin/);
    await page.goto(`${server.url}/admin/users`);
    const student = demoCreds(server, 'student', 1);
    const row = page.getByRole('row').filter({ hasText: student.email });
    await row.getByRole('button', { name: /^More actions for / }).click();
    await row.getByRole('button', { name: 'Export data' }).click();
    await row.getByRole('link', { name: /Download zip/ }).waitFor({ timeout: 30_000 });
    await page.screenshot({ path: path.join(SHOTS, 'data-export-admin.png'), fullPage: true });
    await page.close();
  });
});
