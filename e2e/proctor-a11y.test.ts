import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoServer, startDemoServer } from './helpers/app-server.js';
import { browserUnavailable, launchBrowser } from './helpers/browser.js';
import { checkInByApi, demoApiSession, signInAsDemo } from './helpers/student-flow.js';
import { seriousViolations } from './helpers/axe.js';

const SHOTS = path.resolve('e2e/screenshots');
/** A phone (portrait) and a tablet viewport; the desktop one is the browser's default. */
const PHONE = { width: 390, height: 844 };
const TABLET = { width: 820, height: 1180 };
const DESKTOP = { width: 1280, height: 900 };

/**
 * The proctor's dashboard and session detail with a running attempt, an attempt checking in
 * and an alert, on a desktop, a tablet and a phone: axe-core finds no serious or critical
 * violation, and on the phone the alert feed is one tap away (not below every tile).
 */
describe.skipIf(browserUnavailable() !== undefined)('proctor pages are accessible', () => {
  let server: DemoServer;
  let browser: { context: BrowserContext; close(): Promise<void> };
  let page: Page;
  let examPath = '';
  let sessionId = '';

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    server = await startDemoServer();
    browser = await launchBrowser();
    page = await browser.context.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const shot = (name: string) =>
    page.screenshot({ path: path.join(SHOTS, `proctor-a11y-${name}.png`), fullPage: true });

  it('sets the scene: one attempt running with an alert, one checking in', async () => {
    await signInAsDemo(server, page, 'proctor');
    await page.waitForURL(/\/proctor$/);
    await page.getByRole('link', { name: 'Live dashboard' }).click();
    await page.waitForURL(/\/proctor\/exams\/[0-9a-f-]+\/live$/);
    examPath = new URL(page.url()).pathname;
    const examId = examPath.split('/')[3] ?? '';

    const sam = await demoApiSession(server, 'student', 0);
    const reg = await sam.call('POST', `/api/exams/${examId}/registrations`);
    sessionId = reg.sessionId as string;
    await sam.call('POST', `/api/sessions/${sessionId}/transitions`, { to: 'checking_in' });
    await checkInByApi(sam, sessionId);
    await sam.call('POST', `/api/sessions/${sessionId}/transitions`, { to: 'in_progress' });
    await sam.call('POST', `/api/sessions/${sessionId}/events`, {
      events: [
        {
          seq: 1,
          type: 'detect.state',
          at: Date.now() - 8000,
          data: { detector: 'no_face', active: true, confidence: 0.9, model: 'test-model' },
        },
      ],
    });
    const alex = await demoApiSession(server, 'student', 1);
    const other = await alex.call('POST', `/api/exams/${examId}/registrations`);
    await alex.call('POST', `/api/sessions/${other.sessionId as string}/transitions`, {
      to: 'checking_in',
    });

    await page.getByRole('article', { name: 'Sam Student: No face' }).waitFor({ timeout: 60_000 });
    await page.locator('.tile-health[data-presence="checking_in"]').waitFor({ timeout: 30_000 });
  });

  it(
    'passes axe-core on the dashboard: desktop, tablet and phone',
    { timeout: 180_000 },
    async () => {
      expect(examPath).not.toBe('');
      await page.setViewportSize(DESKTOP);
      expect(await seriousViolations(page, 'dashboard (desktop)')).toEqual([]);
      await shot('dashboard-desktop');

      await page.setViewportSize(TABLET);
      expect(await seriousViolations(page, 'dashboard (tablet)')).toEqual([]);
      await shot('dashboard-tablet');

      // The phone shows one half at a time; the alerts are one tap away, counted.
      await page.setViewportSize(PHONE);
      const switcher = page.getByRole('navigation', { name: 'Dashboard view' });
      const alertsButton = switcher.getByRole('button', { name: /^Alerts \(\d+ waiting\)$/ });
      await alertsButton.waitFor();
      const alertsTop = (await alertsButton.boundingBox())?.y ?? Infinity;
      console.log(`[proctor-a11y] alerts switch at ${alertsTop} px from the top on a phone`);
      expect(alertsTop).toBeLessThan(PHONE.height);
      expect(await seriousViolations(page, 'dashboard (phone, sessions)')).toEqual([]);
      await shot('dashboard-phone-sessions');
      // With the keyboard: the feed opens, the alert is there, the grid is out of the way.
      await alertsButton.focus();
      await page.keyboard.press('Enter');
      expect(await alertsButton.getAttribute('aria-pressed')).toBe('true');
      const alert = page.getByRole('article', { name: 'Sam Student: No face' });
      await alert.waitFor();
      expect(await alert.isVisible()).toBe(true);
      expect(await page.getByRole('heading', { name: 'Sessions', level: 2 }).isVisible()).toBe(
        false,
      );
      expect(await seriousViolations(page, 'dashboard (phone, alerts)')).toEqual([]);
      await shot('dashboard-phone-alerts');
    },
  );

  it('passes axe-core on the session detail: desktop and phone', { timeout: 180_000 }, async () => {
    expect(sessionId).not.toBe('');
    await page.setViewportSize(DESKTOP);
    await page.goto(`${server.url}/proctor/sessions/${sessionId}`);
    await page
      .getByRole('heading', { level: 1, name: 'Session of Sam Student' })
      .waitFor({ timeout: 30_000 });
    await page.locator('[data-live-status="live"]').waitFor({ timeout: 30_000 });
    await page.getByRole('list', { name: 'Events and flags in time order' }).waitFor();
    expect(await seriousViolations(page, 'session detail (desktop)')).toEqual([]);
    await shot('detail-desktop');

    await page.setViewportSize(PHONE);
    expect(await seriousViolations(page, 'session detail (phone)')).toEqual([]);
    await shot('detail-phone');
  });
});
