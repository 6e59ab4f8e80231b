import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDeadJob } from '../apps/server/test/helpers/dead-job.js';
import type { DeadJob } from '../apps/server/src/ports/job-queue.port.js';
import { type DemoServer, startDemoServer } from './helpers/app-server.js';
import { seriousViolations } from './helpers/axe.js';
import { browserUnavailable, launchBrowser } from './helpers/browser.js';
import { demoApiSession, signInAsDemo } from './helpers/student-flow.js';
import { insertBusyHour } from './helpers/system-samples.js';

const SHOTS = path.resolve('e2e/screenshots');
/** Generous: the machines are shared. Nothing here is timed. */
const WAIT_MS = 30_000;

/**
 * The admin's System page: reached from the navigation, it draws a chart per series from the
 * stored samples (an hour of a busy exam written by another server, plus this server's own),
 * changes range by keyboard, and retries a dead job after asking, which the audit log records.
 */
describe.skipIf(browserUnavailable() !== undefined)('the System page', () => {
  let server: DemoServer;
  let browser: { context: BrowserContext; close(): Promise<void> };
  let page: Page;
  let dead: DeadJob;
  const errors: string[] = [];

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    server = await startDemoServer();
    await insertBusyHour(server.instance, Date.now() - 60_000);
    await addDeadJob(server.instance.jobs, 'segment 12 of the webcam could not be read');
    dead = await addDeadJob(server.instance.jobs, 'recording manifest missing (session deleted?)');
    browser = await launchBrowser();
    page = await browser.context.newPage();
    page.on('pageerror', (error) => errors.push(String(error)));
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const shot = (name: string) =>
    page.screenshot({ path: path.join(SHOTS, `system-${name}.png`), fullPage: true });

  it('draws a captioned chart per series, each with a text summary', async () => {
    await signInAsDemo(server, page, 'admin');
    await page.waitForURL(/\/admin\/exams$/);
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'System' })
      .click();
    await page.waitForURL(/\/admin\/system$/);
    await page.getByRole('heading', { level: 1, name: 'System' }).waitFor();
    await page.getByRole('heading', { name: 'Over the last hour' }).waitFor();

    for (const title of [
      'Active sessions',
      'Ingest volume',
      'Ingest items',
      'Alert latency',
      'HTTP errors',
      'Blob store free space',
      'Job queue depth',
      'Oldest waiting job',
    ]) {
      const figure = page.getByRole('figure', { name: new RegExp(`^${title}`) });
      await figure.locator('canvas').first().waitFor({ timeout: WAIT_MS });
      const summary = await figure.locator('.system-chart-summary').textContent();
      expect(summary, title).toMatch(/latest .+, lowest .+, highest .+ over the last hour\.$/);
    }
    const sessions = page.getByRole('figure', { name: /^Active sessions/ });
    expect(await sessions.locator('.system-chart-summary').textContent()).toMatch(/highest 3\d\b/);
    // The backed-up analysis queue is drawn as its own line.
    await expect
      .poll(() => page.getByRole('figure', { name: /^Job queue depth/ }).textContent())
      .toContain('Snapshot analysis (analysis_jobs)');
    await shot('1-charts');
    expect(await seriousViolations(page, 'the System page')).toEqual([]);

    // On a phone the charts stack and follow the narrower width.
    await page.setViewportSize({ width: 390, height: 844 });
    await expect
      .poll(() =>
        sessions
          .locator('canvas')
          .first()
          .evaluate((c) => c.clientWidth),
      )
      .toBeLessThan(390);
    await shot('1b-phone');
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('changes the range with the arrow keys', async () => {
    await page.getByRole('radio', { name: 'the last hour' }).focus();
    await page.keyboard.press('ArrowRight');
    await page.getByRole('heading', { name: 'Over the last 6 hours' }).waitFor();
    await expect
      .poll(() => page.getByRole('figure', { name: /^Active sessions/ }).textContent())
      .toContain('over the last 6 hours.');
    expect(await page.getByRole('radio', { name: 'the last 6 hours' }).isChecked()).toBe(true);
    await page.getByRole('radio', { name: 'the last 6 hours' }).press('ArrowLeft');
    await page.getByRole('heading', { name: 'Over the last hour' }).waitFor();
  });

  it('retries a dead job after asking, says so and audits it', async () => {
    const row = page.getByRole('row').filter({ hasText: `#${dead.id}` });
    await row.getByText('recording manifest missing').waitFor();
    await row.getByRole('button', { name: 'Retry' }).focus();
    await page.keyboard.press('Enter');
    const question = row.getByRole('group', { name: /Run this recording check job again now\?/ });
    await question.waitFor();
    await shot('2-retry-confirm');
    // The confirmation has focus: Enter confirms.
    await page.keyboard.press('Enter');

    await page
      .getByRole('status')
      .filter({ hasText: `Recording check job ${dead.id} is queued to run again.` })
      .waitFor({ timeout: WAIT_MS });
    await row.waitFor({ state: 'detached', timeout: WAIT_MS });
    await shot('3-retried');

    const admin = await demoApiSession(server, 'admin');
    const audit = (await admin.call('GET', '/api/audit?limit=20')) as {
      action: string;
      entityId: string | null;
    }[];
    expect(audit.find((e) => e.action === 'job.retry')?.entityId).toBe(dead.id);
    expect(errors).toEqual([]);
  });
});
