import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Page, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoServer, startDemoServer } from './helpers/app-server.js';
import { browserUnavailable, launchBrowser } from './helpers/browser.js';
import { signInStudent } from './helpers/student-flow.js';

const SHOTS = path.resolve('e2e/screenshots');

/**
 * The web app's API layer in a real browser: a response outside its contract is refused with
 * a clear message instead of being shown, a 4xx is not asked again, a failing server is, and
 * Retry recovers. One endpoint's answers are replaced (page.route); everything else is real.
 */
describe.skipIf(browserUnavailable() !== undefined)('API layer in Chromium', () => {
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

  /** Settles long enough for any retry (1 s + 2 s) to have been sent. */
  const RETRY_WINDOW_MS = 4_500;

  it('refuses a bad answer clearly, retries only server failures, and recovers on Retry', async () => {
    const page: Page = await browser.context.newPage();
    let reply: 'contract' | 'not-found' | 'down' | 'real' = 'contract';
    let requests = 0;
    await page.route('**/api/exams/open', async (route: Route) => {
      requests += 1;
      if (reply === 'real') return route.continue();
      const [status, body] =
        reply === 'contract'
          ? [200, [{ id: 'not-a-uuid', title: 7 }]]
          : reply === 'not-found'
            ? [404, { code: 'NOT_FOUND', message: 'Not found' }]
            : [503, { code: 'INTERNAL', message: 'Down' }];
      return route.fulfill({ status, contentType: 'application/json', body: JSON.stringify(body) });
    });
    const logged: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') logged.push(m.text());
    });

    // A body outside the contract: an alert that says so, the list is not shown, no retry.
    await signInStudent(server, page, 0);
    const invalid = page
      .getByRole('alert')
      .filter({ hasText: 'not in the form this page expects' });
    await invalid.waitFor({ timeout: 15_000 });
    expect(await invalid.textContent()).toContain('GET /api/exams/open');
    await page.waitForTimeout(RETRY_WINDOW_MS);
    expect(requests).toBe(1);
    expect(
      logged.some((t) => t.includes('GET /api/exams/open answered outside its contract')),
    ).toBe(true);
    await page.screenshot({ path: path.join(SHOTS, 'api-layer-contract.png'), fullPage: true });

    // A 4xx is the server's answer: shown after one request.
    reply = 'not-found';
    await page.getByRole('button', { name: 'Retry' }).click();
    await page.getByRole('alert').filter({ hasText: 'Not found' }).waitFor({ timeout: 15_000 });
    await page.waitForTimeout(RETRY_WINDOW_MS);
    expect(requests).toBe(2);

    // A failing server is asked again (twice) before the error is shown.
    reply = 'down';
    const startedAt = Date.now();
    await page.getByRole('button', { name: 'Retry' }).click();
    await page
      .getByRole('alert')
      .filter({ hasText: 'The server had a problem' })
      .waitFor({ timeout: 30_000 });
    console.log(`[api-layer] 503 shown after ${Date.now() - startedAt} ms and 3 requests`);
    await page.waitForTimeout(RETRY_WINDOW_MS);
    expect(requests).toBe(5);

    // The real answer: Retry brings the list.
    reply = 'real';
    await page.getByRole('button', { name: 'Retry' }).click();
    await page
      .getByRole('button', { name: 'Register', exact: true })
      .first()
      .waitFor({ timeout: 15_000 });
    expect(await page.getByRole('alert').count()).toBe(0);
    await page.close();
  });
});
