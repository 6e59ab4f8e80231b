import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AdminScene, SMTP_ENV, setAdminScene } from './helpers/admin-scene.js';
import { type DemoServer, startDemoServer } from './helpers/app-server.js';
import { seriousViolations } from './helpers/axe.js';
import { browserUnavailable, launchBrowser } from './helpers/browser.js';
import { horizontalOverflow } from './helpers/page-width.js';
import { signInAsDemo } from './helpers/student-flow.js';

const SHOTS = path.resolve('e2e/screenshots');
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 900 };

/** A page to check: where it is, and what shows that it has loaded (and opened what it should). */
interface Visit {
  name: string;
  path: (scene: AdminScene) => string;
  ready: (page: Page, scene: AdminScene) => Promise<void>;
}

const heading = (page: Page, name: string | RegExp, level = 1) =>
  page.getByRole('heading', { level, name }).waitFor({ timeout: 30_000 });
const table = (page: Page, name: string | RegExp) =>
  page.getByRole('table', { name }).waitFor({ timeout: 30_000 });

/** The staff pages that no other browser test runs axe-core on, each with its content shown. */
const STAFF_PAGES: Visit[] = [
  {
    name: 'exams',
    path: () => '/admin/exams',
    ready: async (page, scene) => {
      await table(page, 'Exams');
      await page.getByRole('link', { name: scene.examTitle, exact: true }).waitFor();
    },
  },
  {
    name: 'exam',
    path: (s) => `/admin/exams/${s.examId}`,
    ready: async (page, scene) => {
      await heading(page, scene.examTitle);
      // Every section of the exam page, the LMS panel last (it loads on its own).
      for (const section of ['Questions', 'Staff', 'Roster', 'Scores', 'Legal hold', 'LMS'])
        await heading(page, section, 2);
      await page.getByRole('heading', { name: 'Course roster', level: 3 }).waitFor();
      await page
        .getByRole('table', { name: /roster/i })
        .first()
        .waitFor();
    },
  },
  {
    name: 'exam-legal-hold-form',
    path: (s) => `/admin/exams/${s.examId}#legal-hold`,
    ready: async (page, scene) => {
      await heading(page, scene.examTitle);
      await page.getByRole('button', { name: 'Place legal hold' }).click();
      await page.getByLabel('Reason for the hold').waitFor();
    },
  },
  {
    name: 'new-exam',
    path: () => '/admin/exams/new',
    ready: async (page) => {
      await heading(page, 'New exam');
      await page.getByRole('button', { name: 'Create exam' }).waitFor();
    },
  },
  {
    name: 'new-exam-errors',
    path: () => '/admin/exams/new',
    ready: async (page) => {
      await heading(page, 'New exam');
      await page.getByRole('button', { name: 'Create exam' }).click();
      await page.getByText(/Please correct \d+ fields? marked below/).waitFor();
    },
  },
  {
    name: 'answers',
    path: (s) => `/admin/sessions/${s.sessionId}/answers`,
    ready: (page) => heading(page, 'Answers of Sam Student'),
  },
  {
    name: 'proctor-home',
    path: () => '/proctor',
    ready: async (page, scene) => {
      await heading(page, 'Assigned exams');
      await page.getByText(scene.examTitle).first().waitFor();
    },
  },
  {
    name: 'review-queue',
    path: (s) => `/review/exams/${s.examId}`,
    ready: async (page, scene) => {
      await heading(page, `Review: ${scene.examTitle}`);
      await heading(page, 'Finished sessions', 2);
    },
  },
  {
    name: 'audit-filtered',
    path: () => '/admin/audit?action=lti.',
    ready: async (page) => {
      await heading(page, 'Audit log');
      await page.getByText('1 applied').waitFor();
      await table(page, 'Audit log entries');
    },
  },
  {
    // Created here, through the form: the signing secret is shown this once.
    name: 'webhooks-secret',
    path: () => '/admin/webhooks',
    ready: async (page) => {
      await heading(page, 'Webhooks');
      const form = page.getByRole('form', { name: 'New webhook' });
      await form.getByLabel('URL').fill('http://127.0.0.1:9/ticketing');
      await form.getByLabel(/High-severity flag/).check();
      await form.getByLabel('Description (optional)').fill('Exam office ticketing');
      await form.getByRole('button', { name: 'Create webhook' }).click();
      await page.getByRole('textbox', { name: 'Signing secret' }).waitFor();
    },
  },
  {
    name: 'webhooks-deliveries',
    path: () => '/admin/webhooks',
    ready: async (page, scene) => {
      await heading(page, 'Webhooks');
      // Nothing listens on port 9: the test delivery fails, and the log says why.
      await page
        .getByRole('row', { name: new RegExp(scene.webhookUrl) })
        .getByRole('button', { name: 'Send test' })
        .click();
      const log = page.getByRole('table', {
        name: `Deliveries to ${scene.webhookUrl}, newest first`,
      });
      await log.getByRole('cell', { name: 'ping' }).first().waitFor({ timeout: 30_000 });
    },
  },
  {
    name: 'lti',
    path: () => '/admin/lti',
    ready: async (page, scene) => {
      await table(page, 'Registered learning platforms');
      await page.getByText(scene.platformName, { exact: true }).first().waitFor();
    },
  },
  {
    name: 'lti-form-errors',
    path: () => '/admin/lti',
    ready: async (page) => {
      await table(page, 'Registered learning platforms');
      await page.getByRole('button', { name: 'Register platform' }).click();
      await page.getByText('Give the platform a name').waitFor();
    },
  },
  {
    name: 'account',
    path: () => '/account',
    ready: async (page) => {
      await heading(page, 'Account');
      await table(page, 'Signed-in browsers');
      await table(page, 'API tokens');
      await page.getByRole('button', { name: 'Add an authenticator app' }).waitFor();
    },
  },
];

/** The pages a signed-out visitor sees. */
const PUBLIC_PAGES: Visit[] = [
  { name: 'signin', path: () => '/signin', ready: (page) => heading(page, 'Sign in') },
  {
    name: 'forgot-password',
    path: () => '/forgot-password',
    ready: async (page) => {
      await heading(page, 'Forgot your password?');
      await page.getByLabel('E-mail').waitFor();
    },
  },
  {
    name: 'signup',
    path: () => '/signup',
    ready: async (page) => {
      await heading(page, 'Create an account');
      // Enabled once the page knows that self sign-up is on.
      await page.locator('button:enabled', { hasText: 'Create account' }).waitFor();
    },
  },
  {
    name: 'signup-errors',
    path: () => '/signup',
    ready: async (page) => {
      await page.getByLabel('Full name').fill('Robin Student');
      await page.getByLabel('E-mail').fill('robin@demo.invigil.test');
      // Long enough for the browser, refused by the server: it is the e-mail address.
      await page.getByLabel('Password').fill('robin@demo.invigil.test');
      await page.locator('button:enabled', { hasText: 'Create account' }).click();
      await page.getByLabel('Password').and(page.locator('[aria-invalid="true"]')).waitFor();
    },
  },
  {
    name: 'signin-refused',
    path: () => '/signin',
    ready: async (page) => {
      await page.getByLabel('E-mail').fill('nobody@demo.invigil.test');
      await page.getByLabel('Password').fill('not the password');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.locator('.notice-error, [role="alert"]').first().waitFor();
    },
  },
];

/** Pages checked at phone width for anything wider than the screen. */
const PHONE_PAGES = [
  'exams',
  'exam',
  'new-exam',
  'answers',
  'proctor-home',
  'review-queue',
  'audit-filtered',
  'webhooks-deliveries',
  'lti',
  'account',
];

/**
 * Every staff page (exams list, an exam with each of its sections, the new-exam form with and
 * without errors, a session's answers, the proctor's and reviewer's lists, the audit log with a
 * filter, webhooks with a delivery log open, LMS platforms, the account page) and the
 * signed-out pages, each with its content loaded: axe-core finds no serious or critical
 * violation. At phone width (390 px) the busiest of them are no wider than the screen.
 */
describe.skipIf(browserUnavailable() !== undefined)('admin pages are accessible', () => {
  let server: DemoServer;
  let browser: { context: BrowserContext; close(): Promise<void> };
  let page: Page;
  let scene: AdminScene;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    server = await startDemoServer(SMTP_ENV);
    scene = await setAdminScene(server);
    browser = await launchBrowser();
    page = await browser.context.newPage();
    await page.setViewportSize(DESKTOP);
    await signInAsDemo(server, page, 'admin');
    await page.waitForURL((url) => !['/', '/signin'].includes(url.pathname), { timeout: 30_000 });
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const visit = async (v: Visit) => {
    await page.goto(`${server.url}${v.path(scene)}`);
    await v.ready(page, scene);
  };
  const shot = (name: string) =>
    page.screenshot({ path: path.join(SHOTS, `admin-a11y-${name}.png`), fullPage: true });

  for (const v of STAFF_PAGES) {
    it(`passes axe-core on ${v.name}`, { timeout: 120_000 }, async () => {
      await visit(v);
      expect(await seriousViolations(page, v.name)).toEqual([]);
      await shot(v.name);
    });
  }

  it('the exam page lists its parts and takes the keyboard to each', async () => {
    await visit(STAFF_PAGES.find((v) => v.name === 'exam')!);
    const contents = page.getByRole('navigation', { name: 'On this page' });
    expect(await contents.getByRole('link').allTextContents()).toEqual([
      'Details',
      'Schedule',
      'Proctoring policy',
      'Detection rules',
      'Data retention',
      'Questions',
      'Staff',
      'Roster',
      'Scores',
      'LMS',
      'Legal hold',
    ]);
    await contents.getByRole('link', { name: 'Legal hold' }).focus();
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('legal-hold-heading');
    // Tab goes on from the part reached, not from the top of the page.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Place legal hold');
  });

  it('fits a phone screen on the busiest pages', { timeout: 180_000 }, async () => {
    await page.setViewportSize(PHONE);
    const overflowing: string[] = [];
    for (const v of STAFF_PAGES.filter((p) => PHONE_PAGES.includes(p.name))) {
      await visit(v);
      const overflow = await horizontalOverflow(page);
      if (overflow) overflowing.push(`${v.name}: ${overflow}`);
      await shot(`${v.name}-phone`);
    }
    expect(overflowing).toEqual([]);
  });

  for (const v of PUBLIC_PAGES) {
    it(`passes axe-core on ${v.name}, signed out`, { timeout: 120_000 }, async () => {
      await page.setViewportSize(DESKTOP);
      await page.context().clearCookies();
      await visit(v);
      expect(await seriousViolations(page, v.name)).toEqual([]);
      await shot(v.name);
    });
  }
});
