import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoServer, startDemoServer } from './helpers/app-server.js';
import { seriousViolations } from './helpers/axe.js';
import { browserUnavailable, launchBrowser } from './helpers/browser.js';
import { demoCreds, signInAsDemo } from './helpers/student-flow.js';

const SHOTS = path.resolve('e2e/screenshots');

/** The acceptance path: the demo student signs in and registers for the demo exam in the UI. */
describe.skipIf(browserUnavailable() !== undefined)('web app in Chromium', () => {
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

  const creds = (role: string, n = 0) => demoCreds(server, role, n);
  const signIn = (page: Page, role: string, n = 0) => signInAsDemo(server, page, role, n);

  it('the demo student signs in and registers for the demo exam; a retry via the API stays one registration', async () => {
    const page = await browser.context.newPage();
    await signIn(page, 'student');
    await page.waitForURL(/\/student$/);
    await page.getByRole('heading', { name: 'Open exams' }).waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'student-before.png'), fullPage: true });

    await page.getByRole('button', { name: 'Register', exact: true }).first().click();
    await expect
      .poll(() => page.getByText(/Registered for Introduction to Statistics/).count(), {
        timeout: 10_000,
      })
      .toBeGreaterThan(0);
    await page.getByText('You are registered').waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'student-after.png'), fullPage: true });

    // The same registration through the API, with the browser's own session: still one.
    const result = await page.evaluate(async () => {
      const me = await (await fetch('/api/auth/me')).json();
      const [exam] = await (await fetch('/api/exams/open')).json();
      const headers = { 'x-csrf-token': me.csrfToken };
      const first = await fetch(`/api/exams/${exam.id}/registrations`, { method: 'POST', headers });
      const second = await fetch(`/api/exams/${exam.id}/registrations`, {
        method: 'POST',
        headers,
      });
      const mine = await (await fetch('/api/me/registrations')).json();
      return { first: first.status, second: second.status, count: mine.length };
    });
    expect(result).toEqual({ first: 200, second: 200, count: 1 });
    await page.close();
  });

  it('the proctor sees the assigned demo exam and its roster; a student cannot open staff pages', async () => {
    const page = await browser.context.newPage();
    await signIn(page, 'proctor');
    await page.waitForURL(/\/proctor$/);
    await page.getByText('Introduction to Statistics').first().waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'proctor-home.png'), fullPage: true });
    await page.close();

    const sp = await browser.context.newPage();
    await signIn(sp, 'student', 1);
    await sp.waitForURL(/\/student$/);
    await sp.goto(`${server.url}/admin/exams`);
    await sp.getByRole('heading', { name: 'Not available' }).waitFor();
    expect(await sp.getByText('Introduction to Statistics').count()).toBe(0);
    await sp.close();
  });

  it('the admin sees the exam list and the users page', async () => {
    const page = await browser.context.newPage();
    await signIn(page, 'admin');
    await page.waitForURL(/\/admin\/exams$/);
    await page.getByText('Introduction to Statistics').first().waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'admin-exams.png'), fullPage: true });
    await page.goto(`${server.url}/admin/users`);
    await page.getByText('student2@demo.invigil.test').first().waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'admin-users.png'), fullPage: true });

    // The rarer actions wait behind the row's "More actions", which opens with the keyboard.
    const row = page.getByRole('row', { name: /Alex Student/ });
    const more = row.getByRole('button', { name: 'More actions for Alex Student' });
    const setPassword = row.getByRole('button', { name: 'Set password' });
    expect(await setPassword.count()).toBe(0);
    await more.focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => more.getAttribute('aria-expanded')).toBe('true');
    await row.getByRole('group', { name: 'More actions for Alex Student' }).waitFor();
    expect(await seriousViolations(page, 'users page, more actions open')).toEqual([]);

    // Set a password for a student with the keyboard-reachable inline form.
    await setPassword.click();
    await page.getByLabel('New password for Alex Student').fill('a fresh exam passphrase');
    await page.getByLabel('New password for Alex Student').press('Enter');
    await page.getByText('New password set for Alex Student').waitFor();
    // Focus is back on "Set password"; Escape closes the panel and returns to its button.
    await expect.poll(() => setPassword.evaluate((b) => b === document.activeElement)).toBe(true);
    await page.keyboard.press('Escape');
    await expect.poll(() => more.getAttribute('aria-expanded')).toBe('false');
    expect(await more.evaluate((b) => b === document.activeElement)).toBe(true);
    await page.screenshot({ path: path.join(SHOTS, 'admin-set-password.png'), fullPage: true });
    const apiLogin = await fetch(`${server.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        email: creds('student', 1).email,
        password: 'a fresh exam passphrase',
      }),
    });
    expect(apiLogin.status).toBe(200);
    await page.close();
  });
});
