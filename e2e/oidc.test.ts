import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startOidcProvider,
  type TestOidcProvider,
} from '../apps/server/test/helpers/oidc-provider.js';
import { type DemoServer, startDemoServer } from './helpers/app-server.js';
import { browserUnavailable, launchBrowser } from './helpers/browser.js';

const SHOTS = path.resolve('e2e/screenshots');
const CLIENT = { clientId: 'invigil-e2e', clientSecret: 'the e2e client secret' };
const LABEL = 'Sign in with Uni Login';

/**
 * Institutional single sign-on in Chromium against a real OpenID Connect provider
 * (oidc-provider with its development login and consent pages): the button on Invigil's
 * sign-in page, the provider's pages, and back into Invigil signed in with the mapped role;
 * a refused sign-in comes back as a readable message on the sign-in page.
 */
describe.skipIf(browserUnavailable() !== undefined)('single sign-on in Chromium', () => {
  let idp: TestOidcProvider;
  let server: DemoServer;
  let browser: { context: BrowserContext; close(): Promise<void> };

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    idp = await startOidcProvider({
      'grace.proctor': {
        email: 'grace.proctor@uni.example',
        email_verified: true,
        name: 'Grace Proctor',
        groups: ['staff-proctors'],
      },
      'mallory.outside': {
        email: 'mallory@elsewhere.example',
        email_verified: true,
        name: 'Mallory Outside',
      },
    });
    server = await startDemoServer({
      OIDC_ISSUER: idp.issuer,
      OIDC_CLIENT_ID: CLIENT.clientId,
      OIDC_CLIENT_SECRET: CLIENT.clientSecret,
      OIDC_SCOPES: 'openid email profile groups',
      OIDC_ROLE_MAP: 'staff-proctors=proctor,exam-office=admin',
      OIDC_ALLOWED_DOMAINS: 'uni.example',
      OIDC_BUTTON_LABEL: LABEL,
    });
    idp.setClients([{ ...CLIENT, redirectUri: `${server.url}/api/auth/oidc/callback` }]);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await idp?.close();
  });

  /**
   * A page that reaches loopback only: the provider's development pages load a web font from
   * the internet, which this machine cannot reach (a hanging lookup would hold up their load).
   */
  async function loopbackPage(): Promise<Page> {
    const page = await browser.context.newPage();
    await page.route(
      (url) => url.hostname !== '127.0.0.1',
      (route) => route.abort(),
    );
    return page;
  }

  /** From Invigil's sign-in page through the provider's login and consent pages. */
  async function signInAtProvider(page: Page, login: string) {
    await page.context().clearCookies();
    await page.goto(`${server.url}/signin`);
    await page.getByRole('link', { name: LABEL }).click();
    await page.waitForURL((url) => url.href.startsWith(idp.issuer));
    await page.locator('input[name="login"]').fill(login);
    await page.locator('input[name="password"]').fill('any password at the provider');
    await page.getByRole('button', { name: 'Sign-in' }).click();
    await page.getByRole('button', { name: 'Continue' }).click();
  }

  it('signs a proctor in with the institution and the mapped role', async () => {
    const page = await loopbackPage();
    await page.goto(`${server.url}/signin`);
    const button = page.getByRole('link', { name: LABEL });
    await button.waitFor();
    // The password form stays beside it.
    await page.getByLabel('E-mail').waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'signin-sso.png'), fullPage: true });

    await signInAtProvider(page, 'grace.proctor');
    await page.waitForURL(/\/proctor/);
    const me = (await page.evaluate(async () => {
      const res = await fetch('/api/auth/me');
      return { status: res.status, body: (await res.json()) as unknown };
    })) as { status: number; body: { user: { email: string; role: string; name: string } } };
    expect(me.status).toBe(200);
    expect(me.body.user).toMatchObject({
      email: 'grace.proctor@uni.example',
      role: 'proctor',
      name: 'Grace Proctor',
    });
    await page.close();
  });

  it('refuses an e-mail domain that is not allowed, with a readable message', async () => {
    const page = await loopbackPage();
    await signInAtProvider(page, 'mallory.outside');
    await page.waitForURL(/\/signin\?sso_error=SSO_DOMAIN_NOT_ALLOWED$/);
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain(
      'Accounts with this e-mail address cannot sign in here.',
    );
    // Announced at once: the message has the focus.
    expect(await alert.evaluate((el) => el === document.activeElement)).toBe(true);
    // Not signed in, and the password form is still there.
    const status = await page.evaluate(async () => (await fetch('/api/auth/me')).status);
    expect(status).toBe(401);
    await page.getByLabel('Password').waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'signin-sso-refused.png'), fullPage: true });
    await page.close();
  });
});
