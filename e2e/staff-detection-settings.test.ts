import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_DETECTOR_RULES } from '@invigil/contracts';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoServer, startDemoServer } from './helpers/app-server.js';
import { browserUnavailable, launchBrowser } from './helpers/browser.js';
import { demoApiSession } from './helpers/student-flow.js';

const SHOTS = path.resolve('e2e/screenshots');

/** An instructor edits an exam's detection rules and one student's detector accommodations. */
describe.skipIf(browserUnavailable() !== undefined)('staff detection settings in Chromium', () => {
  let server: DemoServer;
  let browser: { context: BrowserContext; close(): Promise<void> };
  const instructor = {
    email: 'ivy.instructor@demo.invigil.test',
    password: 'Instructor-pass-2024!',
  };
  let examId = '';

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    server = await startDemoServer();
    browser = await launchBrowser();
    // The demo has no instructor: the admin creates one and assigns them to the demo exam;
    // a student registers so that the roster has a row.
    const admin = await demoApiSession(server, 'admin');
    const user = await admin.call('POST', '/api/users', {
      ...instructor,
      name: 'Ivy Instructor',
      role: 'instructor',
    });
    const exams = (await admin.call('GET', '/api/exams')) as { id: string; title: string }[];
    examId = exams.find((e) => e.title.startsWith('Introduction to Statistics'))?.id ?? '';
    await admin.call('PUT', `/api/exams/${examId}/staff/${user.id}`, { role: 'instructor' });
    const alex = await demoApiSession(server, 'student', 1);
    await alex.call('POST', `/api/exams/${examId}/registrations`);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const signIn = async (page: Page) => {
    await page.context().clearCookies();
    await page.goto(`${server.url}/`);
    await page.getByLabel('E-mail').fill(instructor.email);
    await page.getByLabel('Password').fill(instructor.password);
    await page.getByLabel('Password').press('Enter');
    await page.waitForURL(/\/admin/);
  };
  /** A detector's group, in the exam form or in the accommodations dialog. */
  const rule = (scope: Page | Locator, name: string) =>
    scope.getByRole('group', { name, exact: true });
  const detection = (page: Page) => page.getByRole('group', { name: 'Detection rules' });

  it('changes the exam detection rules and keeps them after a reload', async () => {
    const page = await browser.context.newPage();
    await signIn(page);
    await page.goto(`${server.url}/admin/exams/${examId}`);
    await detection(page).waitFor();

    // Defaults: phone on, book off; rows without a threshold say so.
    const phoneSwitch = rule(page, 'Phone').getByRole('switch', { name: 'Detect' });
    expect(await phoneSwitch.isChecked()).toBe(true);
    expect(await rule(page, 'Book or notes').getByRole('switch').isChecked()).toBe(false);
    expect(await rule(page, 'Tab or window switch').getByText('No threshold').count()).toBe(1);

    // Phone off (its settings become read-only), speaking after 20 s, an angle out of range.
    await phoneSwitch.uncheck();
    expect(await rule(page, 'Phone').getByLabel('Flag after (s)').isDisabled()).toBe(true);
    await rule(page, 'Speaking').getByLabel('Flag after (s)').fill('20');
    const angle = rule(page, 'Head turned away').getByLabel('Turn angle (°)');
    await angle.fill('120');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Please correct 1 field marked below.').waitFor();
    await rule(page, 'Head turned away').getByText('Enter an angle from 5° to 90°.').waitFor();
    expect(await angle.getAttribute('aria-invalid')).toBe('true');
    // The error is announced with the input.
    const describedBy = (await angle.getAttribute('aria-describedby')) ?? '';
    const described = await page.evaluate(
      (ids) => ids.map((id) => document.getElementById(id)?.textContent ?? '').join(' '),
      describedBy.split(' '),
    );
    expect(described).toContain('Enter an angle from 5° to 90°.');
    await angle.fill('45');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Changes saved.').waitFor();
    await detection(page).screenshot({ path: path.join(SHOTS, 'staff-detection-rules.png') });

    await page.reload();
    await detection(page).waitFor();
    expect(await rule(page, 'Phone').getByRole('switch').isChecked()).toBe(false);
    expect(await rule(page, 'Speaking').getByLabel('Flag after (s)').inputValue()).toBe('20');
    expect(await rule(page, 'Head turned away').getByLabel('Turn angle (°)').inputValue()).toBe(
      '45',
    );
    // Per-row reset puts a rule back to its default (not saved until Save).
    await rule(page, 'Speaking')
      .getByRole('button', { name: 'Reset Speaking to its default' })
      .click();
    expect(await rule(page, 'Speaking').getByLabel('Flag after (s)').inputValue()).toBe(
      String(DEFAULT_DETECTOR_RULES.voice.minSeconds),
    );

    // On a phone-sized screen each rule stacks its settings under its name.
    await page.setViewportSize({ width: 400, height: 900 });
    await rule(page, 'Head turned away').screenshot({
      path: path.join(SHOTS, 'staff-detection-rule-narrow.png'),
    });

    const admin = await demoApiSession(server, 'admin');
    const exam = await admin.call('GET', `/api/exams/${examId}`);
    expect(exam.policy.detectors).toMatchObject({
      phone: { enabled: false },
      voice: { minSeconds: 20 },
      head_turned: { threshold: 45 },
    });
    await page.close();
  });

  it('switches head_turned off for one student and shows it on the roster', async () => {
    const page = await browser.context.newPage();
    await signIn(page);
    await page.goto(`${server.url}/admin/exams/${examId}`);
    const roster = page.locator('section[aria-labelledby="roster-heading"]');
    await roster.getByText('Standard rules').waitFor();

    // Escape closes the editor without saving; focus goes back to the button.
    const edit = page.getByRole('button', { name: 'Edit detection for Alex Student' });
    await edit.click();
    const dialog = page.getByRole('dialog', { name: 'Detection for Alex Student' });
    await dialog.waitFor();
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    expect(await edit.evaluate((el) => el === document.activeElement)).toBe(true);

    await page.keyboard.press('Enter');
    await dialog.waitFor();
    // Phone is off for the whole exam (previous test), so it is not listed.
    expect(await dialog.getByRole('group', { name: 'Phone', exact: true }).count()).toBe(0);
    await rule(dialog, 'Head turned away').getByLabel('Off', { exact: true }).check();
    // Relaxing may not make a rule stricter than the exam's.
    await rule(dialog, 'Speaking').getByLabel('Relaxed').check();
    await rule(dialog, 'Speaking').getByLabel('Flag after (s)').fill('5');
    await dialog.getByRole('button', { name: 'Save accommodations' }).click();
    await dialog.getByText('Please correct 1 problem marked below.').waitFor();
    await dialog.getByText('Enter seconds from 20 s (the exam’s rule) to 600 s.').waitFor();
    await rule(dialog, 'Speaking').getByLabel('Flag after (s)').fill('60');
    // A failed save says so beside the buttons and keeps what was entered.
    await page.route('**/api/registrations/*/accommodations', (route) =>
      route.fulfill({
        status: 500,
        contentType: 'application/json',
        body: JSON.stringify({ code: 'INTERNAL', message: 'Internal error' }),
      }),
    );
    await dialog.getByRole('button', { name: 'Save accommodations' }).click();
    await dialog
      .getByRole('alert')
      .getByText('Not saved: The server had a problem. Please try again.')
      .waitFor();
    await dialog.screenshot({ path: path.join(SHOTS, 'staff-accommodations-dialog.png') });
    await page.unroute('**/api/registrations/*/accommodations');
    await dialog.getByRole('button', { name: 'Save accommodations' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page
      .getByText(
        'Detection for Alex Student: 2 detectors relaxed (Head turned away: off; Speaking: after 60 s).',
      )
      .waitFor();
    await roster.getByText('2 detectors relaxed', { exact: true }).waitFor();
    await roster.screenshot({ path: path.join(SHOTS, 'staff-roster-detection.png') });

    // Kept by the server, shown again after a reload, and audited.
    await page.reload();
    await roster.getByText('2 detectors relaxed', { exact: true }).waitFor();
    await roster.getByText('Head turned away: off', { exact: true }).waitFor();
    const admin = await demoApiSession(server, 'admin');
    const rows = (await admin.call('GET', `/api/exams/${examId}/registrations`)) as {
      studentName: string;
      detectors?: Record<string, unknown>;
    }[];
    expect(rows.find((r) => r.studentName === 'Alex Student')?.detectors).toEqual({
      head_turned: { enabled: false },
      voice: { minSeconds: 60 },
    });
    const audit = (await admin.call('GET', '/api/audit?limit=20')) as { action: string }[];
    expect(audit.map((a) => a.action)).toContain('registration.accommodations');
    await page.close();
  });
});
