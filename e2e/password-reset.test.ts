import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestMailbox } from '../apps/server/src/ports/mailer.contract.js';
import { type DemoServer, startDemoServer } from './helpers/app-server.js';
import { browserUnavailable, launchBrowser } from './helpers/browser.js';
import { demoApiSession, demoCreds, signInAsDemo } from './helpers/student-flow.js';

const SHOTS = path.resolve('e2e/screenshots');
const NEW_PASSWORD = 'a passphrase chosen by link';

/**
 * Accounts a person can live with: "forgot password" from the sign-in page through a real
 * e-mail to a new password, and an administrator's role change that asks first.
 */
describe.skipIf(browserUnavailable() !== undefined)('accounts in Chromium', () => {
  let server: DemoServer;
  let mailbox: Awaited<ReturnType<typeof startTestMailbox>>;
  let browser: { context: BrowserContext; close(): Promise<void> };

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    mailbox = await startTestMailbox();
    server = await startDemoServer({
      SMTP_URL: `smtp://127.0.0.1:${mailbox.port}`,
      SMTP_FROM: 'Invigil <invigil@demo.invigil.test>',
    });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await mailbox?.close();
  });

  it('forgot password: the e-mailed link sets a new password, once, and the student signs in with it', async () => {
    const { email, password: oldPassword } = demoCreds(server, 'student', 0);
    const page = await browser.context.newPage();
    await page.context().clearCookies();
    await page.goto(`${server.url}/signin`);
    await page.getByLabel('E-mail').fill(email);
    await page.screenshot({ path: path.join(SHOTS, 'signin-forgot-password.png') });
    await page.getByRole('link', { name: 'Forgot password?' }).click();

    await page.getByRole('heading', { name: 'Forgot your password?' }).waitFor();
    // The address typed on the sign-in page comes along.
    expect(await page.getByLabel('E-mail').inputValue()).toBe(email);
    await page.getByLabel('E-mail').press('Enter');
    const status = page.getByRole('status').filter({ hasText: 'If an account exists' });
    await status.waitFor();
    expect(await status.textContent()).toContain('works once, within 30 minutes');
    await page.screenshot({ path: path.join(SHOTS, 'forgot-password-sent.png'), fullPage: true });

    await expect
      .poll(() => mailbox.received.filter((m) => m.to.includes(email)).length, {
        timeout: 10_000,
      })
      .toBe(1);
    const mail = mailbox.received.find((m) => m.to.includes(email));
    const link = /(http\S+\/reset-password\?token=[A-Za-z0-9_-]+)/.exec(mail?.text ?? '')?.[1];
    expect(link, mail?.text).toBeDefined();
    // PUBLIC_URL is the default (port 8080); this server listens on a random port.
    const url = new URL(link as string);
    const onThisServer = `${server.url}${url.pathname}${url.search}`;

    await page.goto(onThisServer);
    await page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
    await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await page.getByLabel('Repeat the new password').fill('not the same passphrase');
    await page.getByLabel('Repeat the new password').press('Enter');
    await page.getByText('The two passwords do not match.').waitFor();
    expect(await page.getByLabel('Repeat the new password').getAttribute('aria-invalid')).toBe(
      'true',
    );
    await page.getByLabel('Repeat the new password').fill(NEW_PASSWORD);
    await page.screenshot({ path: path.join(SHOTS, 'reset-password-form.png'), fullPage: true });
    await page.getByRole('button', { name: 'Set the new password' }).click();

    await page.waitForURL(/\/signin$/);
    await page.getByText('Your new password is set. Sign in with it.').waitFor();
    await page.getByLabel('E-mail').fill(email);
    await page.getByLabel('Password', { exact: true }).fill(oldPassword);
    await page.getByLabel('Password', { exact: true }).press('Enter');
    await page.getByText('That e-mail and password do not match.').waitFor();
    await page.getByLabel('Password', { exact: true }).fill(NEW_PASSWORD);
    await page.getByLabel('Password', { exact: true }).press('Enter');
    await page.waitForURL(/\/student$/);

    // The link worked once: opened again, it offers a new one.
    await page.context().clearCookies();
    await page.goto(onThisServer);
    await page.getByLabel('New password', { exact: true }).fill('another long passphrase');
    await page.getByLabel('Repeat the new password').fill('another long passphrase');
    await page.getByRole('button', { name: 'Set the new password' }).click();
    await page.getByText('This link can no longer be used').waitFor();
    await page.getByRole('link', { name: 'Ask for a new link' }).waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'reset-password-used.png'), fullPage: true });
    await page.close();
  });

  it('sign-up: the student confirms the address with the e-mailed link before registering', async () => {
    const admin = await demoApiSession(server, 'admin');
    await admin.call('PUT', '/api/settings/signup', { enabled: true, allowedDomains: [] });
    const email = 'new.student@uni.invigil.test';
    const page = await browser.context.newPage();
    await page.context().clearCookies();
    await page.goto(`${server.url}/signup`);
    await page.getByLabel('Full name').fill('Nova Newcomer');
    await page.getByLabel('E-mail').fill(email);
    await page.getByLabel('Password').fill('a passphrase of my own');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL(/\/student$/);
    await page.getByText(`Check your inbox: we sent a link to ${email}.`).waitFor();
    // Registering is refused, and the page says why.
    await page.getByRole('button', { name: 'Register' }).first().click();
    await page.getByRole('status').getByText('Confirm your e-mail address first').waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'signup-verify-pending.png'), fullPage: true });

    await expect
      .poll(() => mailbox.received.filter((m) => m.to.includes(email)).length, {
        timeout: 10_000,
      })
      .toBe(1);
    const mail = mailbox.received.find((m) => m.to.includes(email));
    const link = /(http\S+\/verify-email\?token=[A-Za-z0-9_-]+)/.exec(mail?.text ?? '')?.[1];
    expect(link, mail?.text).toBeDefined();
    const url = new URL(link as string);
    // Opening the page changes nothing; the button confirms.
    await page.goto(`${server.url}${url.pathname}${url.search}`);
    await page.getByRole('button', { name: 'Confirm my e-mail address' }).click();
    await page.getByRole('status').getByText('Your e-mail address is confirmed.').waitFor();
    await page.getByRole('link', { name: 'Go to my exams' }).click();
    await page.waitForURL(/\/student$/);
    await page.getByRole('button', { name: 'Register' }).first().click();
    await page
      .getByRole('status')
      .getByText(/^Registered for /)
      .waitFor();
    expect(await page.getByText('Check your inbox').count()).toBe(0);
    await page.close();
  });

  it('an administrator changing a role is told what changes and confirms first', async () => {
    const page = await browser.context.newPage();
    await signInAsDemo(server, page, 'admin');
    await page.waitForURL(/\/admin\/exams$/);
    await page.goto(`${server.url}/admin/users`);
    const row = page.getByRole('row', { name: /Alex Student/ });
    const role = row.getByLabel('Role of Alex Student');
    await role.waitFor();
    const admin = await demoApiSession(server, 'admin');
    const roleOnServer = async () => {
      const users = (await admin.call('GET', '/api/users')) as { name: string; role: string }[];
      return users.find((u) => u.name === 'Alex Student')?.role;
    };

    await role.selectOption('admin');
    const question = row.getByText(
      'Make Alex Student an Administrator? They will be able to manage every exam, user and setting.',
    );
    await question.waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'admin-role-confirm.png'), fullPage: true });
    // Choosing is not changing.
    expect(await roleOnServer()).toBe('student');
    await row.getByRole('button', { name: 'Cancel' }).click();
    expect(await role.inputValue()).toBe('student');
    expect(await question.count()).toBe(0);

    await role.selectOption('proctor');
    await row.getByText('Make Alex Student a Proctor?').waitFor();
    await row.getByRole('button', { name: 'Make Proctor' }).click();
    await page.getByText('Alex Student is now a Proctor.').waitFor();
    expect(await roleOnServer()).toBe('proctor');

    // Disabling asks too, and says what it does.
    await row.getByRole('button', { name: 'Disable' }).click();
    await row
      .getByText('Disable Alex Student? They are signed out at once and cannot sign in')
      .waitFor();
    await row.getByRole('button', { name: 'Cancel' }).click();
    const disabledOnServer = async () => {
      const users = (await admin.call('GET', '/api/users')) as {
        name: string;
        disabled: boolean;
      }[];
      return users.find((u) => u.name === 'Alex Student')?.disabled;
    };
    expect(await disabledOnServer()).toBe(false);

    // Confirmed, the same place then offers the way back, which asks in its own words.
    await row.getByRole('button', { name: 'Disable' }).click();
    await row.getByRole('button', { name: 'Disable' }).click();
    await page.getByText('Alex Student is disabled.').waitFor();
    expect(await disabledOnServer()).toBe(true);
    await row.getByRole('button', { name: 'Enable' }).click();
    await row
      .getByText('Enable Alex Student? They can sign in again with their current password.')
      .waitFor();
    await row.getByRole('button', { name: 'Enable' }).click();
    await page.getByText('Alex Student can sign in again.').waitFor();
    expect(await disabledOnServer()).toBe(false);
    await page.close();
  });

  it('a password an administrator set is changed first; the account page lists the browser', async () => {
    const { email } = demoCreds(server, 'proctor', 0);
    const admin = await demoApiSession(server, 'admin');
    const users = (await admin.call('GET', '/api/users')) as { id: string; email: string }[];
    const proctor = users.find((u) => u.email === email);
    const given = 'a password the admin gave';
    await admin.call('POST', `/api/users/${proctor?.id}/password`, { password: given });

    const page = await browser.context.newPage();
    await page.context().clearCookies();
    await page.goto(`${server.url}/`);
    await page.getByLabel('E-mail').fill(email);
    await page.getByLabel('Password').fill(given);
    await page.getByLabel('Password').press('Enter');
    await page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
    await page.getByText('An administrator set your password').waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'password-change-required.png') });
    await page.getByLabel('Current password').fill(given);
    await page.getByLabel('New password', { exact: true }).fill('a passphrase of my own choosing');
    await page.getByLabel('Repeat new password').fill('a passphrase of my own choosing');
    await page.getByRole('button', { name: 'Change password' }).click();
    // Signing in already went to the start page's address; the form stood in for it until now.
    await page
      .getByRole('heading', { name: 'Choose a new password' })
      .waitFor({ state: 'detached' });
    expect(page.url()).toMatch(/\/proctor$/);

    await page.goto(`${server.url}/account`);
    const table = page.getByRole('table', { name: 'Signed-in browsers' });
    await table.getByText('This browser').waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'account-sessions.png'), fullPage: true });
    await page.close();
  });
});
