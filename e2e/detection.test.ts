import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DETECTOR_RULES } from '@invigil/contracts';
import { type DemoServer, startDemoServer } from './helpers/app-server.js';
import { browserUnavailable, launchBrowser } from './helpers/browser.js';
import { writeSampleFaceY4m } from './helpers/sample-face.js';
import {
  checkInAndStartExam,
  demoApiSession,
  signInStudent,
  submitExam,
} from './helpers/student-flow.js';
import { writeToneWav } from './helpers/wav.js';
import { writeGreyY4m } from './helpers/y4m.js';

const SHOTS = path.resolve('e2e/screenshots');
/**
 * How long detection may take to analyse one more frame while recording. The tests check
 * that detection keeps running, never how fast: the machines are shared and a rate check
 * failed on a busy one (the measured rate is printed for docs/benchmarks.md).
 */
const NEXT_FRAME_TIMEOUT_MS = 60_000;

/** Waits until the page's detector has analysed more frames than it had when called. */
async function expectDetectionProgress(page: Page): Promise<void> {
  const indicator = page.locator('.monitor-indicator');
  const frames = async () => Number(await indicator.getAttribute('data-detection-frames'));
  const before = await frames();
  await expect
    .poll(frames, { timeout: NEXT_FRAME_TIMEOUT_MS, interval: 500 })
    .toBeGreaterThan(before);
}

interface SessionEvent {
  source: string;
  seq: number;
  type: string;
  clientMs: number | null;
  data: Record<string, unknown> | null;
}

/**
 * Detection in the student's browser, in Chromium whose fake camera shows an empty grey
 * scene and whose fake microphone plays a tone now and then: the detectors load in their worker from our own origin, report that no face is
 * seen (a `detect.state` event, and a `no_face` flag once the server's rules judge it), and
 * describe each uploaded webcam snapshot. Prints the face-analysis frame rate while
 * recording, for docs/benchmarks.md.
 */
describe.skipIf(browserUnavailable() !== undefined)('detection in the browser', () => {
  let server: DemoServer;
  let browser: { context: BrowserContext; close(): Promise<void> };
  let videoDir: string;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    videoDir = mkdtempSync(path.join(os.tmpdir(), 'invigil-y4m-'));
    const video = path.join(videoDir, 'empty-room.y4m');
    writeGreyY4m(video);
    // The microphone hears a tone for 4 s, then 3 s of silence, over and over.
    const audio = path.join(videoDir, 'tone.wav');
    writeToneWav(audio);
    server = await startDemoServer();
    browser = await launchBrowser([
      `--use-file-for-fake-video-capture=${video}`,
      `--use-file-for-fake-audio-capture=${audio}`,
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (videoDir) rmSync(videoDir, { recursive: true, force: true });
  });

  const shot = (page: Page, name: string) =>
    page.screenshot({ path: path.join(SHOTS, `detection-${name}.png`), fullPage: true });

  it(
    'an empty camera view becomes a no_face detection and flag; snapshots are described',
    {
      timeout: 150_000,
    },
    async () => {
      const page = await browser.context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(String(error)));
      page.on('console', (m) => {
        if (m.type() === 'warning' || m.type() === 'error') console.log(`[page] ${m.text()}`);
      });
      const requests: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      // Workers' requests are not page requests; follow them through the context.
      browser.context.on('request', (r) => requests.push(r.url()));

      await signInStudent(server, page, 0);
      const sessionId = await checkInAndStartExam(page);
      const startedAt = Date.now();

      // The student sees a calm status, announced politely.
      const status = page.locator('.monitor-indicator [role="status"]');
      await expect
        .poll(() => status.textContent(), { timeout: 60_000, interval: 250 })
        .toMatch(/Monitoring (active|unavailable)/);
      expect(await status.textContent()).toBe('Monitoring active');
      expect(await status.getAttribute('aria-live')).toBe('polite');
      const activeAt = Date.now();
      console.log(
        `[detection] models loaded ${((activeAt - startedAt) / 1000).toFixed(1)} s after start`,
      );

      // Everything the detectors loaded came from this server.
      const origin = new URL(server.url).origin;
      expect(requests.filter((u) => !u.startsWith(origin) && !u.startsWith('data:'))).toEqual([]);
      expect(requests.some((u) => u.includes('/detection/models/blazeface.json'))).toBe(true);
      expect(requests.some((u) => /\/detection\/wasm\/.*\.wasm$/.test(u))).toBe(true);

      // The no_face condition reaches the server as a detect.state event.
      const staff = await demoApiSession(server, 'proctor');
      const events = async () =>
        (await staff.call('GET', `/api/sessions/${sessionId}/events`)) as SessionEvent[];
      const noFace = (list: SessionEvent[], active: boolean) =>
        list.find(
          (e) =>
            e.type === 'detect.state' && e.data?.detector === 'no_face' && e.data.active === active,
        );
      await expect.poll(async () => !!noFace(await events(), true), { timeout: 20_000 }).toBe(true);
      const started = noFace(await events(), true)!;
      expect(started.data).toMatchObject({ value: 0, model: expect.stringContaining('blazeface') });
      console.log(
        `[detection] no_face event at +${(((started.clientMs ?? 0) - startedAt) / 1000).toFixed(1)} s, ` +
          `stored by +${((Date.now() - startedAt) / 1000).toFixed(1)} s`,
      );

      // And becomes a no_face flag once it has lasted the rule's minimum duration (+5 s).
      // Generous: the test proves the flag is raised; how soon is printed, not asserted.
      const limitMs = (DEFAULT_DETECTOR_RULES.no_face.minSeconds + 60) * 1000;
      const flags = async () =>
        (await staff.call('GET', `/api/sessions/${sessionId}/flags`)) as { type: string }[];
      await expect
        .poll(async () => (await flags()).some((f) => f.type === 'no_face'), {
          timeout: Math.max(1000, limitMs - (Date.now() - activeAt)),
          interval: 500,
        })
        .toBe(true);
      console.log(
        `[detection] no_face flag by +${((Date.now() - activeAt) / 1000).toFixed(1)} s ` +
          'after monitoring started',
      );

      // Face analysis rate while recording camera and screen.
      await page.waitForTimeout(8_000);
      const indicator = page.locator('.monitor-indicator');
      const fps = Number(await indicator.getAttribute('data-detection-fps'));
      const frames = Number(await indicator.getAttribute('data-detection-frames'));
      const ms = Number(await indicator.getAttribute('data-detection-ms'));
      console.log(
        `[detection] faces+pose ${fps} fps while recording (${frames} frames analysed, ` +
          `${ms} ms per frame in the worker; load average ${os.loadavg()[0]?.toFixed(1)} ` +
          `on ${os.cpus().length} cores)`,
      );
      await expectDetectionProgress(page);
      await shot(page, 'exam-room');

      // The voice detector is a speech model: what it makes of a tone is printed, not judged
      // here (speech and keyboard noise are tested in voice-detection.test.ts).
      const voice = (await events()).filter(
        (e) => e.type === 'detect.state' && e.data?.detector === 'voice',
      );
      console.log(`[detection] voice on a tone: ${JSON.stringify(voice.map((e) => e.data))}`);

      // Submitting stops detection; the open condition is reported as ended.
      await submitExam(page);
      await expect
        .poll(async () => !!noFace(await events(), false), { timeout: 15_000 })
        .toBe(true);
      expect(errors).toEqual([]);

      // Each webcam snapshot (all uploaded by now) is described, under its own sequence number.
      const manifest = (await staff.call('GET', `/api/sessions/${sessionId}/recording`)) as {
        snapshots: { kind: string; seq: number }[];
      };
      const webcamSeqs = new Set(
        manifest.snapshots.filter((s) => s.kind === 'webcam').map((s) => s.seq),
      );
      const described = (await events()).filter((e) => e.type === 'detect.snapshot');
      expect(described.length).toBeGreaterThan(0);
      for (const e of described) {
        expect(e.data).toMatchObject({ faces: 0, headTurned: false, phone: false });
        expect(webcamSeqs.has(Number(e.data?.snapshotSeq))).toBe(true);
      }
    },
  );

  it(
    'when detection cannot start, the student is told calmly and recording goes on',
    {
      timeout: 150_000,
    },
    async () => {
      const page = await browser.context.newPage();
      // The detector cannot start (here: its worker script is missing, as for a page left
      // open across an upgrade). Requests made inside workers cannot be intercepted reliably,
      // so the failure is made where the page itself asks.
      await page.route('**/assets/worker-*.js', (route) =>
        route.fulfill({ status: 404, body: 'not found' }),
      );
      try {
        await browser.context.clearCookies();
        await signInStudent(server, page, 1);
        const sessionId = await checkInAndStartExam(page);
        const status = page.locator('.monitor-indicator [role="status"]');
        await expect
          .poll(() => status.textContent(), { timeout: 60_000, interval: 250 })
          .toMatch(/Monitoring (active|unavailable)/);
        expect(await status.textContent()).toBe('Monitoring unavailable — your exam continues');
        // Nothing blocks the exam: no dialog, recording on, uploads flowing.
        expect(await page.getByRole('alertdialog').count()).toBe(0);
        await page.getByText('Recording camera and screen').waitFor();
        await page.getByText('All uploaded').first().waitFor({ timeout: 30_000 });
        await shot(page, 'unavailable');
        const student = await demoApiSession(server, 'student', 1);
        const webcamStored = async () => {
          const manifest = (await student.call('GET', `/api/sessions/${sessionId}/recording`)) as {
            segments: { track: string }[];
          };
          return manifest.segments.some((s) => s.track === 'webcam');
        };
        // Recording goes on: a webcam segment reaches the server while detection is down.
        // (Polled, because on a loaded machine the first segment can take a while.)
        await expect.poll(webcamStored, { timeout: 45_000, interval: 500 }).toBe(true);
        await submitExam(page);
        expect(await webcamStored()).toBe(true);
      } finally {
        await page.close();
      }
    },
  );

  it(
    'with a face in view: no detection, identity matches the check-in photo; detection keeps running',
    { timeout: 150_000 },
    async () => {
      const video = path.join(videoDir, 'face.y4m');
      writeSampleFaceY4m(video);
      const faceBrowser = await launchBrowser([`--use-file-for-fake-video-capture=${video}`]);
      try {
        const admin = await demoApiSession(server, 'admin');
        const student = { email: 'face@demo.invigil.test', password: 'a long enough passphrase f' };
        await admin.call('POST', '/api/users', {
          ...student,
          name: 'Robin Student',
          role: 'student',
        });
        const page = await faceBrowser.context.newPage();
        const warnings: string[] = [];
        page.on('console', (m) => {
          if (m.type() === 'warning') warnings.push(m.text());
        });
        await signInStudent(server, page, student);
        // The identity photo is taken of the same face, so identity can be compared.
        const sessionId = await checkInAndStartExam(page);
        const status = page.locator('.monitor-indicator [role="status"]');
        await expect
          .poll(() => status.textContent(), { timeout: 60_000, interval: 250 })
          .toBe('Monitoring active');
        await page.waitForTimeout(12_000);
        const indicator = page.locator('.monitor-indicator');
        const fps = Number(await indicator.getAttribute('data-detection-fps'));
        const ms = Number(await indicator.getAttribute('data-detection-ms'));
        console.log(
          `[detection] with a face: faces+pose ${fps} fps while recording (${ms} ms per frame ` +
            `in the worker, identity and objects every 5 s; load average ` +
            `${os.loadavg()[0]?.toFixed(1)} on ${os.cpus().length} cores)`,
        );
        await expectDetectionProgress(page);
        // The check-in photo was enrolled (a face was found in it): identity is being compared.
        expect(warnings.filter((w) => /detection|identity/i.test(w))).toEqual([]);
        await shot(page, 'with-face');
        await submitExam(page);

        const staff = await demoApiSession(server, 'proctor');
        const events = (await staff.call(
          'GET',
          `/api/sessions/${sessionId}/events`,
        )) as SessionEvent[];
        const started = events.filter((e) => e.type === 'detect.state' && e.data?.active === true);
        console.log(
          `[detection] with a face: conditions seen ${JSON.stringify(started.map((e) => e.data))}`,
        );
        expect(started.map((e) => e.data?.detector)).not.toContain('no_face');
        expect(started.map((e) => e.data?.detector)).not.toContain('identity_mismatch');
        const described = events.filter((e) => e.type === 'detect.snapshot');
        expect(described.length).toBeGreaterThan(0);
        expect(described.every((e) => e.data?.faces === 1)).toBe(true);
      } finally {
        await faceBrowser.close();
      }
    },
  );
});
