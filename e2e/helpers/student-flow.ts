import { createHash } from 'node:crypto';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { facePhoto } from '../../apps/server/test/helpers/detection-images.js';
import { jpegBytes } from '../../apps/server/test/helpers/media-bytes.js';
import type { DemoServer } from './app-server.js';

/** A demo account's credentials by role (n-th of that role). */
export function demoCreds(server: DemoServer, role: string, n = 0) {
  const found = server.demo.filter((c) => c.role === role)[n];
  if (!found) throw new Error(`no demo ${role}`);
  return found;
}

/** A cookie session for calling the API from a test, as the n-th demo account of `role`. */
export async function demoApiSession(server: DemoServer, role: string, n = 0) {
  const { email, password } = demoCreds(server, role, n);
  const login = await fetch(`${server.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (login.status !== 200) throw new Error(`login ${login.status}`);
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const { csrfToken } = (await login.json()) as { csrfToken: string };
  const raw = (method: string, url: string, body?: unknown) =>
    fetch(`${server.url}${url}`, {
      method,
      headers: {
        cookie,
        'x-csrf-token': csrfToken,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  /** PUT raw bytes (a segment or a snapshot) with the given headers. */
  const upload = (url: string, bytes: Buffer, headers: Record<string, string>) =>
    fetch(`${server.url}${url}`, {
      method: 'PUT',
      headers: { cookie, 'x-csrf-token': csrfToken, ...headers },
      body: new Uint8Array(bytes),
    });
  return {
    raw,
    upload,
    call: async (method: string, url: string, body?: unknown) => {
      const response = await raw(method, url, body);
      const text = await response.text();
      if (!response.ok) throw new Error(`${method} ${url}: ${response.status} ${text}`);
      return text ? JSON.parse(text) : undefined;
    },
  };
}

/**
 * Do through the API what the check-in page does before Start: consent, a passed system
 * check (a client event) and the two identity photos (real JPEGs). The server refuses to
 * start an attempt without them (409 CHECK_IN_INCOMPLETE).
 */
export async function checkInByApi(
  session: Awaited<ReturnType<typeof demoApiSession>>,
  sessionId: string,
): Promise<void> {
  const base = `/api/sessions/${sessionId}`;
  await session.call('POST', `${base}/consent`);
  await session.call('POST', `${base}/events`, {
    events: [{ seq: 0, type: 'system_check.passed', at: Date.now(), data: {} }],
  });
  for (const kind of ['id_face', 'id_document'] as const) {
    // A real face: the server refuses a face photo without one when the exam checks it.
    const bytes = kind === 'id_face' ? facePhoto(0) : jpegBytes(`${sessionId} ${kind}`);
    const res = await session.upload(`${base}/snapshots/${kind}/0`, bytes, {
      'content-type': 'image/jpeg',
      'x-sha256': createHash('sha256').update(bytes).digest('hex'),
      'x-taken-ms': String(Date.now()),
    });
    if (res.status >= 300) throw new Error(`${kind}: ${res.status} ${await res.text()}`);
  }
}

/** Sign in through the sign-in page as the n-th demo account of `role`, submitting with the keyboard. */
export async function signInAsDemo(server: DemoServer, page: Page, role: string, n = 0) {
  const { email, password } = demoCreds(server, role, n);
  await page.context().clearCookies();
  await page.goto(`${server.url}/`);
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByLabel('Password').press('Enter');
}

/** Sign a student in through the sign-in page (keyboard submit). */
export async function signInStudent(
  server: DemoServer,
  page: Page,
  n: number | { email: string; password: string },
) {
  const { email, password } = typeof n === 'number' ? demoCreds(server, 'student', n) : n;
  await page.goto(`${server.url}/`);
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByLabel('Password').press('Enter');
  await page.waitForURL(/\/student$/);
}

/**
 * Registers in the UI, then goes through check-in up to the exam page (or, with
 * `start: false`, up to the Start button); returns the session id. With `register: false`
 * the page is already on the attempt's page (e.g. a new attempt granted by staff).
 */
export async function checkInAndStartExam(
  page: Page,
  shot?: (name: string) => Promise<unknown>,
  steps: { identity?: boolean; roomScan?: boolean; start?: boolean; register?: boolean } = {},
): Promise<string> {
  const { identity = true, roomScan = false, start = true, register = true } = steps;
  if (register) {
    await page.getByRole('button', { name: 'Register', exact: true }).first().click();
    await page.getByRole('link', { name: 'Start exam' }).click();
  }
  await page.waitForURL(/\/student\/sessions\/[0-9a-f-]+$/);
  const sessionId = page.url().split('/').pop() ?? '';

  // Consent: agreeing without ticking the box is refused with a message.
  await page.getByRole('heading', { name: 'Recording and your privacy' }).waitFor();
  await shot?.('1-consent');
  await page.getByRole('button', { name: 'Agree and continue' }).click();
  await page.getByText('Tick the box to agree').waitFor();
  await page.getByLabel(/I have read this notice and agree/).check();
  await page.getByRole('button', { name: 'Agree and continue' }).click();

  // System check.
  await page.getByRole('heading', { name: 'System check' }).waitFor();
  expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('System check');
  await page.getByRole('button', { name: 'Turn on camera and microphone' }).click();
  await page.getByText('Your microphone picks up sound.').waitFor({ timeout: 15_000 });
  await page.getByRole('button', { name: 'Share your entire screen' }).click();
  await page.getByText('Your entire screen is shared.').waitFor();
  await page.getByText(/Measured .* by sending/).waitFor({ timeout: 15_000 });
  const proceed = page.getByRole('button', { name: 'Continue' });
  await expect.poll(() => proceed.isEnabled(), { timeout: 10_000 }).toBe(true);
  await shot?.('2-system-check');
  await proceed.click();

  if (identity) {
    await page.getByRole('heading', { name: 'Identity check' }).waitFor();
    await takeIdentityPhotos(page, shot);
    await page.getByRole('button', { name: 'Continue' }).click();
  }

  if (roomScan) {
    // Room scan: about 20 s of camera video, uploaded as its own track.
    await page.getByRole('heading', { name: 'Room scan' }).waitFor();
    await page.getByRole('button', { name: 'Start room scan' }).click();
    await page.getByText('Recording…').waitFor();
    await shot?.('room-scan');
    await page.getByRole('button', { name: 'Continue' }).waitFor({ timeout: 40_000 });
    await page.getByRole('button', { name: 'Continue' }).click();
  }

  // Start.
  await page.getByRole('heading', { name: 'Ready to start' }).waitFor();
  await shot?.('5-ready');
  if (!start) return sessionId;
  await page.getByRole('button', { name: 'Start exam' }).click();
  await page.getByText('Recording camera and screen').waitFor();
  return sessionId;
}

/**
 * The identity step's photos (at check-in, or asked for by a proctor): the face with a
 * retake, then the document, until both are saved.
 */
export async function takeIdentityPhotos(
  page: Page,
  shot?: (name: string) => Promise<unknown>,
): Promise<void> {
  await page.waitForFunction(() => {
    const v = document.querySelector('video');
    return !!v && v.videoWidth > 0;
  });
  await shot?.('3-identity-face');
  await page.getByRole('button', { name: 'Take photo' }).click();
  await page.getByRole('button', { name: 'Retake' }).click();
  await page.getByRole('button', { name: 'Take photo' }).click();
  await page.getByRole('button', { name: 'Use this photo' }).click();
  await page.getByRole('heading', { name: 'Photo of your identity document' }).waitFor();
  await page.getByRole('button', { name: 'Take photo' }).click();
  await shot?.('4-identity-document');
  await page.getByRole('button', { name: 'Use this photo' }).click();
  await page.getByText('Both photos are saved.').waitFor();
}

/** Submit with confirmation and wait until every recording is uploaded. */
export async function submitExam(page: Page) {
  await page.getByRole('button', { name: 'Submit exam' }).click();
  await page.getByText('Submit your exam now?').waitFor();
  await page.getByRole('button', { name: 'Yes, submit' }).click();
  await page.getByRole('heading', { name: 'Exam submitted' }).waitFor({ timeout: 20_000 });
  await page.getByText('All recordings uploaded').waitFor({ timeout: 60_000 });
}
