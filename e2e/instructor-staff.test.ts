import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seriousViolations } from './helpers/axe.js';
import { type DemoServer, startDemoServer } from './helpers/app-server.js';
import { browserUnavailable, launchBrowser } from './helpers/browser.js';
import { demoApiSession } from './helpers/student-flow.js';

/**
 * An exam's instructor, not only an admin, staffs the exam from its page: the assign form
 * offers the active proctors not yet on it, and the one chosen is then on the exam's staff.
 */
describe.skipIf(browserUnavailable() !== undefined)(
  'an instructor assigns staff in Chromium',
  () => {
    let server: DemoServer;
    let browser: { context: BrowserContext; close(): Promise<void> };
    let admin: Awaited<ReturnType<typeof demoApiSession>>;
    const instructor = {
      email: 'ines.instructor@demo.invigil.test',
      password: 'Instructor-pass-2024!',
    };
    let examId = '';
    let quinnId = '';

    beforeAll(async () => {
      server = await startDemoServer();
      browser = await launchBrowser();
      // The demo has one exam, no instructor, and one proctor already on the exam: the admin
      // adds an instructor of the exam, a proctor free to assign, and a disabled one.
      admin = await demoApiSession(server, 'admin');
      const user = (role: string, name: string, email: string) =>
        admin.call('POST', '/api/users', { role, name, email, password: 'Staff-pass-2024!x' });
      const ines = await admin.call('POST', '/api/users', {
        ...instructor,
        name: 'Ines Instructor',
        role: 'instructor',
      });
      quinnId = (await user('proctor', 'Quinn Proctor', 'quinn@demo.invigil.test')).id as string;
      const gone = await user('proctor', 'Gone Proctor', 'gone@demo.invigil.test');
      await admin.call('PATCH', `/api/users/${gone.id}`, { disabled: true });
      const exams = (await admin.call('GET', '/api/exams')) as { id: string }[];
      examId = exams[0]?.id ?? '';
      await admin.call('PUT', `/api/exams/${examId}/staff/${ines.id}`, { role: 'instructor' });
    });
    afterAll(async () => {
      await browser?.close();
      await server?.close();
    });

    const signIn = async (page: Page) => {
      await page.goto(`${server.url}/`);
      await page.getByLabel('E-mail').fill(instructor.email);
      await page.getByLabel('Password').fill(instructor.password);
      await page.getByLabel('Password').press('Enter');
      await page.waitForURL(/\/admin/);
    };

    it('assigns a proctor with the form; the API then lists them as staff', async () => {
      const page = await browser.context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(String(error)));
      await signIn(page);
      await page.goto(`${server.url}/admin/exams/${examId}#staff`);
      const form = page.getByRole('form', { name: 'Assign staff' });
      const person = form.getByLabel('Person');
      await form.getByRole('option', { name: /^Choose a proctor/ }).waitFor({ state: 'attached' });
      // Only active proctors not on the exam yet: not Pat (assigned), not the disabled account.
      expect(await person.locator('option').allTextContents()).toEqual([
        'Choose a proctor',
        'Quinn Proctor (quinn@demo.invigil.test)',
      ]);
      expect(await seriousViolations(page, 'instructor staff section')).toEqual([]);

      await person.selectOption({ label: 'Quinn Proctor (quinn@demo.invigil.test)' });
      await form.getByRole('button', { name: 'Assign' }).click();
      await page.getByText('Quinn Proctor assigned as proctor.').waitFor();
      const table = page.getByRole('table', { name: 'Exam staff' });
      await table.getByRole('cell', { name: 'Quinn Proctor' }).waitFor();
      await table.getByRole('button', { name: 'Remove' }).first().waitFor();

      const staff = (await admin.call('GET', `/api/exams/${examId}/staff`)) as {
        userId: string;
        role: string;
      }[];
      expect(staff).toContainEqual(expect.objectContaining({ userId: quinnId, role: 'proctor' }));
      expect(await seriousViolations(page, 'instructor staff section, assigned')).toEqual([]);
      expect(errors).toEqual([]);
      await page.close();
    });
  },
);
