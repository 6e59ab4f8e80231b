import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Cookie, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoServer, startDemoServer } from './helpers/app-server.js';
import { seriousViolations } from './helpers/axe.js';
import { browserUnavailable, launchBrowser } from './helpers/browser.js';
import { horizontalOverflow } from './helpers/page-width.js';
import { type StudentScene, setStudentScene } from './helpers/student-scene.js';
import { signInStudent } from './helpers/student-flow.js';

const SHOTS = path.resolve('e2e/screenshots');
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 900 };

/** A page to check: which demo student, where, and what shows that it has loaded. */
interface Visit {
  name: string;
  student: 0 | 1;
  path: (scene: StudentScene) => string;
  ready: (page: Page, scene: StudentScene) => Promise<void>;
}

const heading = (page: Page, name: string | RegExp, level = 1) =>
  page.getByRole('heading', { level, name }).waitFor({ timeout: 30_000 });

/** The student's pages that no other browser test runs axe-core on, each with its content shown. */
const STUDENT_PAGES: Visit[] = [
  {
    // One exam taken and reviewed, one registered that opens later, one open to register for.
    name: 'my-exams',
    student: 0,
    path: () => '/student',
    ready: async (page, scene) => {
      await heading(page, 'My exams');
      const mine = page.getByRole('table', { name: 'My registrations' });
      await mine.getByRole('link', { name: 'Review result' }).waitFor({ timeout: 30_000 });
      await mine.getByText(scene.laterTitle).waitFor();
      await mine.getByRole('button', { name: 'Cancel registration' }).waitFor();
      await page.getByRole('heading', { name: scene.openTitle, level: 3 }).waitFor();
      await page.getByRole('button', { name: 'Register' }).first().waitFor();
      await page.getByText('You are registered').first().waitFor();
    },
  },
  {
    name: 'my-exams-cancel-confirm',
    student: 0,
    path: () => '/student',
    ready: async (page) => {
      await heading(page, 'My exams');
      await page.getByRole('button', { name: 'Cancel registration' }).click();
      await page.getByRole('button', { name: 'Keep it' }).waitFor();
    },
  },
  {
    name: 'result',
    student: 0,
    path: (s) => `/student/results/${s.reviewedSessionId}`,
    ready: async (page, scene) => {
      await heading(page, `Review result: ${scene.examTitle}`);
      await page.locator('.score').waitFor({ timeout: 30_000 });
      await heading(page, 'What was flagged (2)', 2);
      await page.getByRole('heading', { name: /^No face/, level: 3 }).waitFor();
      await page.getByText('(provisional)').waitFor();
      await page.getByLabel('What you want the reviewer to know').waitFor();
    },
  },
  {
    name: 'result-response-errors',
    student: 0,
    path: (s) => `/student/results/${s.reviewedSessionId}`,
    ready: async (page, scene) => {
      await heading(page, `Review result: ${scene.examTitle}`);
      await page.getByRole('button', { name: 'Review and send' }).click();
      await page.getByText('Write your response first.').waitFor();
    },
  },
  {
    name: 'result-response-confirm',
    student: 0,
    path: (s) => `/student/results/${s.reviewedSessionId}`,
    ready: async (page, scene) => {
      await heading(page, `Review result: ${scene.examTitle}`);
      await page
        .getByLabel('What you want the reviewer to know')
        .fill('My cat knocked the webcam over; I put it back at once.');
      await page.getByRole('button', { name: 'Review and send' }).click();
      await heading(page, 'Send this response?', 3);
    },
  },
  {
    name: 'result-pending',
    student: 1,
    path: (s) => `/student/results/${s.pendingSessionId}`,
    ready: async (page) => {
      await heading(page, 'Review result');
      await page.getByText('Your score has not been released yet.').waitFor({ timeout: 30_000 });
      await page.getByText('has no verdict yet').waitFor();
    },
  },
  {
    name: 'submitted',
    student: 1,
    path: (s) => `/student/sessions/${s.pendingSessionId}`,
    ready: (page) => heading(page, 'Exam submitted'),
  },
  {
    // Check-in of an exam that opens in three days: consent is refused, and says why.
    name: 'check-in-not-open',
    student: 0,
    path: (s) => `/student/sessions/${s.laterSessionId}`,
    ready: async (page) => {
      await heading(page, 'Recording and your privacy', 2);
      await page.getByRole('button', { name: 'I do not agree' }).click();
      await page.getByRole('alert').getByText('This exam is not open.').waitFor();
    },
  },
  {
    name: 'check-in-declined',
    student: 1,
    path: (s) => `/student/sessions/${s.decliningSessionId}`,
    ready: async (page) => {
      await heading(page, 'Recording and your privacy', 2);
      await page.getByRole('button', { name: 'I do not agree' }).click();
      await heading(page, 'You did not agree to be proctored', 2);
    },
  },
  {
    name: 'account',
    student: 0,
    path: () => '/account',
    ready: async (page) => {
      await heading(page, 'Account');
      await page.getByRole('table', { name: 'Signed-in browsers' }).waitFor({ timeout: 30_000 });
    },
  },
];

/** Pages a student may open on a phone (the exam itself needs a desktop). */
const PHONE_PAGES = ['my-exams', 'result', 'result-response-confirm', 'result-pending', 'account'];

/**
 * The student's pages, each with its content loaded: My exams (an exam reviewed, one registered
 * that opens later with its cancel question open, one open to register for), the review result
 * (released score, a confirmed flag, a provisional verdict, the response form with its error and
 * its confirmation step; and an attempt without verdict or score), the submitted attempt,
 * declining consent at check-in, and the account page: axe-core finds no serious or critical
 * violation. At phone width (390 px) those a student may open on a phone fit the screen.
 */
describe.skipIf(browserUnavailable() !== undefined)('student pages are accessible', () => {
  let server: DemoServer;
  let browser: { context: BrowserContext; close(): Promise<void> };
  let scene: StudentScene;
  let page: Page;
  /**
   * Each student's cookies from signing in once: a visit puts back those of whom it needs,
   * whatever ran before it (signing in again each time would meet the login rate limit).
   */
  const cookies: Cookie[][] = [];

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    server = await startDemoServer();
    scene = await setStudentScene(server);
    browser = await launchBrowser();
    page = await browser.context.newPage();
    for (const n of [0, 1]) {
      await browser.context.clearCookies();
      await signInStudent(server, page, n);
      cookies[n] = await browser.context.cookies();
    }
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const visit = async (v: Visit, size = DESKTOP) => {
    await page.setViewportSize(size);
    await page.context().clearCookies();
    await page.context().addCookies(cookies[v.student] ?? []);
    await page.goto(`${server.url}${v.path(scene)}`);
    await v.ready(page, scene);
  };
  const shot = (name: string) =>
    page.screenshot({ path: path.join(SHOTS, `student-a11y-${name}.png`), fullPage: true });

  for (const v of STUDENT_PAGES) {
    it(`passes axe-core on ${v.name}`, { timeout: 120_000 }, async () => {
      await visit(v);
      expect(await seriousViolations(page, v.name)).toEqual([]);
      await shot(v.name);
    });
  }

  it(
    'fits a phone screen on the pages a student opens on a phone',
    { timeout: 180_000 },
    async () => {
      const overflowing: string[] = [];
      for (const v of STUDENT_PAGES.filter((p) => PHONE_PAGES.includes(p.name))) {
        await visit(v, PHONE);
        const overflow = await horizontalOverflow(page);
        if (overflow) overflowing.push(`${v.name}: ${overflow}`);
        await shot(`${v.name}-phone`);
      }
      expect(overflowing).toEqual([]);
    },
  );
});
