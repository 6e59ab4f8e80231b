import { createHash } from 'node:crypto';
import type { BrowserContext, Page, Response } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jpegBytes } from '../apps/server/test/helpers/media-bytes.js';
import { type DemoServer, startDemoServer } from './helpers/app-server.js';
import { browserUnavailable, launchBrowser } from './helpers/browser.js';
import { demoApiSession, signInAsDemo } from './helpers/student-flow.js';

/** What the crafted files try to run in a staff member's browser. */
const SCRIPT =
  '<html><body><script>window.__pwned = 1; try { window.opener.__pwned = 1 } catch (e) {} ' +
  'try { window.parent.__pwned = 1 } catch (e) {}</script></body></html>';

/**
 * A JPEG/HTML polyglot: a real JPEG whose first segment is a comment holding the HTML (so
 * `<html><script>` sits in the first bytes a sniffer reads) and with the HTML again after the
 * image's end. Any image decoder shows it; a browser that took it for HTML would run it.
 */
function polyglotJpeg(): Buffer {
  const jpeg = jpegBytes('polyglot', 32, 24);
  const html = Buffer.from(SCRIPT);
  const comment = Buffer.alloc(4);
  comment.writeUInt16BE(0xfffe, 0);
  comment.writeUInt16BE(html.length + 2, 2);
  return Buffer.concat([jpeg.subarray(0, 2), comment, html, jpeg.subarray(2), html]);
}

/** The fixed headers the server sends with every stored blob. */
function expectFixedHeaders(response: Response | null, type: string): void {
  expect(response).not.toBeNull();
  const h = response!.headers();
  expect(h['content-type']).toBe(type);
  expect(h['x-content-type-options']).toBe('nosniff');
  expect(h['content-security-policy']).toBe("default-src 'none'; sandbox");
  expect(h['cross-origin-resource-policy']).toBe('same-origin');
  expect(h['content-disposition']).toMatch(/^inline; filename="(snapshot\.jpg|segment\.webm)"$/);
}

const pwned = (page: Page) =>
  page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned ?? null);

/**
 * A student's browser is under the student's control: it can upload any bytes with any
 * Content-Type. Staff open those files in their own signed-in browser. Here a student uploads
 * files crafted to run script (an HTML/JPEG polyglot declared `image/jpeg;x=,text/html`, HTML
 * behind the WebM signature), and a proctor opens them as the app does and directly: no
 * script runs anywhere, and every response carries the fixed headers.
 */
describe.skipIf(browserUnavailable() !== undefined)('hostile uploads opened by staff', () => {
  let server: DemoServer;
  let browser: { context: BrowserContext; close(): Promise<void> };

  beforeAll(async () => {
    server = await startDemoServer();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('no script from an upload runs in a proctor’s browser, opened in the app or directly', async () => {
    const admin = await demoApiSession(server, 'admin');
    const exams = (await admin.call('GET', '/api/exams')) as { id: string; title: string }[];
    const exam = exams.find((e) => e.title.startsWith('Introduction to Statistics'));
    if (!exam) throw new Error('demo exam missing');
    const student = await demoApiSession(server, 'student', 0);
    const { sessionId } = (await student.call('POST', `/api/exams/${exam.id}/registrations`)) as {
      sessionId: string;
    };
    await student.call('POST', `/api/sessions/${sessionId}/transitions`, { to: 'checking_in' });

    /** Raw PUT as the browser's upload queue sends it, with any Content-Type. */
    const put = (path: string, bytes: Buffer, contentType: string, times: Record<string, string>) =>
      student.upload(path, bytes, {
        'content-type': contentType,
        'x-sha256': createHash('sha256').update(bytes).digest('hex'),
        ...times,
      });
    const now = String(Date.now());
    const base = `/api/sessions/${sessionId}`;
    const photo = await put(
      `${base}/snapshots/id_face/0`,
      polyglotJpeg(),
      'image/jpeg;x=,text/html',
      {
        'x-taken-ms': now,
      },
    );
    expect(photo.status, await photo.clone().text()).toBe(201);
    const webm = Buffer.concat([Buffer.from([0x1a, 0x45, 0xdf, 0xa3]), Buffer.from(SCRIPT)]);
    const segment = await put(`${base}/media/room_scan/0`, webm, 'video/webm;x=,text/html', {
      'x-start-ms': now,
      'x-end-ms': now,
    });
    expect(segment.status, await segment.clone().text()).toBe(201);
    // Plain HTML declared as a picture is not stored at all.
    const html = await put(`${base}/snapshots/id_document/0`, Buffer.from(SCRIPT), 'image/jpeg', {
      'x-taken-ms': now,
    });
    expect(html.status).toBe(415);
    expect(((await html.json()) as { code: string }).code).toBe('CONTENT_MISMATCH');

    // The proctor opens the session as the app shows it: the photo is an <img>, and renders.
    const page = await browser.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(String(error)));
    await signInAsDemo(server, page, 'proctor');
    await page.waitForURL(/\/proctor/);
    await page.goto(`${server.url}/proctor/sessions/${sessionId}`);
    const img = page.getByRole('img', { name: 'Face photo at check-in' });
    await img.waitFor({ timeout: 15_000 });
    await expect
      .poll(() => img.evaluate((el) => (el as HTMLImageElement).naturalWidth), { timeout: 10_000 })
      .toBe(32);
    expect(await pwned(page)).toBeNull();

    // Opened directly in a new tab from the app (as "open image in new tab" does).
    const snapshotUrl = `${server.url}${base}/snapshots/id_face/0`;
    const segmentUrl = `${server.url}${base}/media/room_scan/0`;
    for (const [url, type] of [
      [snapshotUrl, 'image/jpeg'],
      [segmentUrl, 'video/webm'],
    ] as const) {
      const popupEvent = page.waitForEvent('popup');
      await page.evaluate((u) => void window.open(u, '_blank'), url);
      const popup = await popupEvent;
      await popup.waitForLoadState('load');
      expect(await pwned(popup), url).toBeNull();
      expect(await pwned(page), url).toBeNull();
      await popup.close();

      // And by navigating to it: the response carries the fixed headers.
      const tab = await browser.context.newPage();
      const response = await tab.goto(url);
      expectFixedHeaders(response, type);
      await tab.waitForLoadState('load');
      expect(await pwned(tab), url).toBeNull();
      await tab.close();
    }
    expect(await pwned(page)).toBeNull();
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);
});
