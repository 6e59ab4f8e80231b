import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { Secret, TOTP } from 'otpauth';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authSessions, users } from '../apps/server/src/db/schema.js';
import { type DemoServer, startDemoServer } from './helpers/app-server.js';
import { browserUnavailable, launchBrowser } from './helpers/browser.js';
import { demoCreds } from './helpers/student-flow.js';

const SHOTS = path.resolve('e2e/screenshots');

/** The code an authenticator app shows for `secret`, `stepsAhead` 30-second steps from now. */
const totpCode = (secret: string, stepsAhead = 0) =>
  new TOTP({
    secret: Secret.fromBase32(secret),
    digits: 6,
    period: 30,
    algorithm: 'SHA1',
  }).generate({ timestamp: Date.now() + stepsAhead * 30_000 });

/**
 * Two-step sign-in in Chromium: an authenticator app enrolled from the QR page's written-out
 * key, signing in with its code and a step-up with a recovery code; a passkey enrolled and
 * used on a virtual authenticator (CDP WebAuthn domain).
 */
describe.skipIf(browserUnavailable() !== undefined)('two-step sign-in in Chromium', () => {
  let server: DemoServer;
  let browser: { context: BrowserContext; close(): Promise<void> };
  // Passkeys need a host name, not an address: the page is opened at localhost.
  let origin: string;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    server = await startDemoServer();
    origin = server.url.replace('127.0.0.1', 'localhost');
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  async function signIn(page: Page, role: string) {
    const { email, password } = demoCreds(server, role);
    await page.context().clearCookies();
    await page.goto(`${origin}/signin`);
    await page.getByLabel('E-mail').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByLabel('Password').press('Enter');
  }

  async function signOut(page: Page) {
    await page.getByRole('button', { name: 'Sign out' }).first().click();
    await page.waitForURL(/\/signin/);
  }

  /** Save the recovery codes shown once; returns them. */
  async function saveRecoveryCodes(page: Page): Promise<string[]> {
    const list = page.getByRole('list', { name: 'Your recovery codes' });
    await list.waitFor();
    const codes = (await list.getByRole('listitem').allTextContents()).map((c) => c.trim());
    expect(codes).toHaveLength(10);
    await page.getByRole('button', { name: 'I have saved them' }).click();
    return codes;
  }

  it('authenticator app: enrol from the written-out key, sign in with a code, step up with a recovery code', async () => {
    const page = await browser.context.newPage();
    await signIn(page, 'admin');
    await page.waitForURL(/\/admin\/exams$/);
    await page.goto(`${origin}/account`);
    await page.getByRole('heading', { name: 'Two-step sign-in' }).waitFor();
    await page.getByRole('button', { name: 'Add an authenticator app' }).click();
    await page.getByRole('img', { name: /QR code/ }).waitFor();
    // Written in groups of four, as people type it.
    const secret = ((await page.getByTestId('totp-secret').textContent()) ?? '').replace(/\s/g, '');
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    await page.screenshot({ path: path.join(SHOTS, 'mfa-totp-setup.png'), fullPage: true });
    await page.getByLabel('Code from the app').fill(totpCode(secret));
    await page.getByRole('button', { name: 'Turn on' }).click();
    const codes = await saveRecoveryCodes(page);
    await page.getByText('Two-step sign-in is on').waitFor();

    await signOut(page);
    await signIn(page, 'admin');
    await page.getByRole('heading', { name: 'Confirm it’s you' }).waitFor();
    const field = page.getByLabel('Code from your authenticator app');
    expect(await field.getAttribute('autocomplete')).toBe('one-time-code');
    await page.screenshot({ path: path.join(SHOTS, 'mfa-sign-in-step.png'), fullPage: true });
    // The enrolment used this step's code: the next step's is the one a person would type now.
    await field.fill(totpCode(secret, 1));
    await field.press('Enter');
    await page.getByRole('heading', { name: 'Confirm it’s you' }).waitFor({ state: 'detached' });
    // Back where the sign-out left off.
    await page.getByRole('heading', { name: 'Account' }).waitFor();

    // Ten minutes later (the session's proof made older in the database), a role change asks again.
    const db = server.instance.database.db;
    const [admin] = await db
      .select()
      .from(users)
      .where(eq(users.email, demoCreds(server, 'admin').email));
    await db
      .update(authSessions)
      .set({ secondFactorAt: new Date(Date.now() - 11 * 60_000) })
      .where(eq(authSessions.userId, admin!.id));
    await page.goto(`${origin}/admin/users`);
    const row = page.getByRole('row', { name: /Sam Student/ });
    await row.getByLabel('Role of Sam Student').selectOption('proctor');
    await row.getByRole('button', { name: 'Make Proctor' }).click();
    const dialog = page.getByRole('dialog', { name: 'Confirm it’s you' });
    await dialog.waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'mfa-step-up.png'), fullPage: true });
    await dialog.getByRole('button', { name: 'Use a recovery code instead' }).click();
    await dialog.getByRole('textbox', { name: 'Recovery code' }).fill(codes[0]!);
    await dialog.getByRole('button', { name: 'Verify' }).click();
    await page.getByText('Sam Student is now a Proctor.').waitFor();
    expect(await dialog.count()).toBe(0);
    await page.close();
  });

  it('passkey: enrol on a virtual authenticator, then sign in with it as the second step', async () => {
    const page = await browser.context.newPage();
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: 'internal',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    });
    await signIn(page, 'proctor');
    await page.waitForURL(/\/proctor/);
    await page.goto(`${origin}/account`);
    await page.getByRole('button', { name: 'Add a passkey or security key' }).click();
    const form = page.getByRole('form', { name: 'Add a passkey or security key' });
    await form.getByLabel('Name').fill('Virtual key');
    await page.getByRole('button', { name: 'Create passkey' }).click();
    await saveRecoveryCodes(page);
    const factors = page.getByRole('list', { name: 'Your second factors' });
    await factors.getByText('Virtual key').waitFor();
    expect(await factors.textContent()).toContain('Passkey or security key');

    await signOut(page);
    await signIn(page, 'proctor');
    await page.getByRole('heading', { name: 'Confirm it’s you' }).waitFor();
    await page.getByRole('button', { name: 'Use a passkey or security key' }).click();
    await page.getByRole('heading', { name: 'Confirm it’s you' }).waitFor({ state: 'detached' });
    await page.getByRole('heading', { name: 'Account' }).waitFor();
    const me = await page.evaluate(async () => (await fetch('/api/auth/me')).json());
    expect(me.secondFactor).toBeNull();
    await page.close();
  });
});
