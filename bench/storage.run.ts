import { afterAll, beforeAll, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '@invigil/contracts';
import { type DemoServer, startDemoServer } from '../e2e/helpers/app-server.js';
import { launchBrowser } from '../e2e/helpers/browser.js';
import {
  checkInAndStartExam,
  demoApiSession,
  signInStudent,
  submitExam,
} from '../e2e/helpers/student-flow.js';

/**
 * Storage per student-hour with the default policy: a real attempt in headless Chromium with
 * the fake camera, microphone and screen records for BENCH_SECONDS (default 120), then the
 * stored bytes per track are read from the manifest and scaled to one hour.
 */
const SECONDS = Number(process.env.BENCH_SECONDS ?? 120);
let server: DemoServer;
let browser: Awaited<ReturnType<typeof launchBrowser>>;

beforeAll(async () => {
  server = await startDemoServer();
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

it(`storage per student-hour (${SECONDS} s recorded)`, async () => {
  const page = await browser.context.newPage();
  await signInStudent(server, page, 0);
  const sessionId = await checkInAndStartExam(page);
  const started = Date.now();
  await page.waitForTimeout(SECONDS * 1000);
  await submitExam(page);
  const wall = (Date.now() - started) / 1000;
  const student = await demoApiSession(server, 'student', 0);
  const manifest = await student.call('GET', `/api/sessions/${sessionId}/recording`);
  const rows: Record<string, { bytes: number; seconds: number; count: number }> = {};
  for (const s of manifest.segments as {
    track: string;
    sizeBytes: number;
    startMs: number;
    endMs: number;
  }[]) {
    const row = (rows[`segments:${s.track}`] ??= { bytes: 0, seconds: 0, count: 0 });
    row.bytes += s.sizeBytes;
    row.seconds += (s.endMs - s.startMs) / 1000;
    row.count += 1;
  }
  for (const s of manifest.snapshots as { kind: string; sizeBytes: number }[]) {
    const row = (rows[`snapshots:${s.kind}`] ??= { bytes: 0, seconds: wall, count: 0 });
    row.bytes += s.sizeBytes;
    row.count += 1;
  }
  const perHour = (bytes: number, seconds: number) => (bytes / seconds) * 3600;
  let total = 0;
  console.log(`\nStorage benchmark: ${wall.toFixed(0)} s recorded, default policy`);
  console.log(
    `policy: webcam ${DEFAULT_POLICY.webcamBitrateKbps} kbps, screen ${DEFAULT_POLICY.screenBitrateKbps} kbps @ ${DEFAULT_POLICY.screenFrameRate} fps, segments ${DEFAULT_POLICY.segmentSeconds} s, snapshots every ${DEFAULT_POLICY.snapshotIntervalSeconds} s`,
  );
  for (const [name, r] of Object.entries(rows)) {
    // Identity photos are taken once, not per hour.
    const once = name.includes('id_');
    const hourly = once ? r.bytes : perHour(r.bytes, r.seconds);
    total += hourly;
    console.log(
      `${name.padEnd(22)} ${String(r.count).padStart(4)} items ${(r.bytes / 1e6).toFixed(2).padStart(7)} MB ` +
        `${once ? '(once)     ' : `${((r.bytes * 8) / r.seconds / 1000).toFixed(0).padStart(4)} kbps`}  → ${(hourly / 1e9).toFixed(3)} GB/h`,
    );
  }
  console.log(`total per student-hour: ${(total / 1e9).toFixed(3)} GB (target ≤ 0.35 GB)\n`);
  expect(total).toBeGreaterThan(0);
});
