import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import WebSocket from 'ws';
import { LiveMessage } from '@invigil/contracts';
import { createApp, type InvigilApp } from '../apps/server/src/app.js';
import { loadConfig } from '../apps/server/src/config/config.js';
import { insertUser } from '../apps/server/src/services/accounts/users.service.js';
import { buildExam } from '../apps/server/test/helpers/factories.js';
import { HttpClient } from '../apps/server/test/helpers/http-client.js';
import { jpegBytes } from '../apps/server/test/helpers/media-bytes.js';
import { browserUnavailable, launchBrowser } from '../e2e/helpers/browser.js';

/**
 * Flag created on the server → shown in the proctor's alert feed, at SESSIONS concurrent
 * sessions (default 250). Every student holds its live connection and uploads an event batch
 * every few seconds; meanwhile FLAGS flags are raised one by one. Latency is measured from
 * the flag's creation time (server clock) to (a) the `flag.created` message on a proctor's
 * WebSocket and (b) the alert appearing in the dashboard's DOM in headless Chromium (same
 * machine, same clock).
 */
const SESSIONS = Number(process.env.BENCH_SESSIONS ?? 250);
const FLAGS = Number(process.env.BENCH_FLAGS ?? 200);
const FLAG_EVERY_MS = Number(process.env.BENCH_FLAG_EVERY_MS ?? 150);
const BACKGROUND_EVERY_MS = 5000;
const PASSWORD = 'correct horse battery staple';

let instance: InvigilApp;
let url: string;
const sockets: WebSocket[] = [];

interface Student {
  client: HttpClient;
  sessionId: string;
  seq: number;
}

async function signedIn(role: 'admin' | 'proctor' | 'student', n: number) {
  const email = `${role}${n}-${randomBytes(3).toString('hex')}@bench.invigil.test`;
  const row = await insertUser(instance.database.db, {
    email,
    name: `${role} ${n}`,
    role,
    password: PASSWORD,
  });
  const client = new HttpClient(url);
  await client.login(email, PASSWORD);
  return Object.assign(client, { userId: row.id });
}

/**
 * What the check-in page does before Start, through the API: consent, a passed system check
 * and the two identity photos (the server refuses to start without them).
 */
async function checkIn(client: HttpClient, sessionId: string): Promise<void> {
  const base = `/api/sessions/${sessionId}`;
  await client.post(`${base}/consent`, {});
  await client.post(`${base}/events`, {
    events: [{ seq: 0, type: 'system_check.passed', at: Date.now(), data: {} }],
  });
  for (const kind of ['id_face', 'id_document'] as const) {
    const bytes = jpegBytes(`${sessionId} ${kind}`);
    const res = await client.request('PUT', `${base}/snapshots/${kind}/0`, bytes, {
      'content-type': 'image/jpeg',
      'x-sha256': createHash('sha256').update(bytes).digest('hex'),
      'x-taken-ms': String(Date.now()),
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
  }
}

function cookieOf(client: HttpClient): string {
  if (!client.cookie) throw new Error('not signed in');
  return client.cookie;
}

function openSocket(client: HttpClient, query: string, onMessage?: (m: LiveMessage) => void) {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/api/live?${query}`, {
    headers: { cookie: cookieOf(client), origin: url },
  });
  sockets.push(ws);
  return new Promise<WebSocket>((resolve, reject) => {
    ws.on('message', (raw) => {
      const parsed = LiveMessage.safeParse(JSON.parse(String(raw)));
      if (!parsed.success) return;
      if (parsed.data.topic === 'ready') resolve(ws);
      onMessage?.(parsed.data);
    });
    ws.on('error', reject);
  });
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function summary(name: string, values: number[]) {
  const s = [...values].sort((a, b) => a - b);
  const row = {
    name,
    n: s.length,
    p50: percentile(s, 50),
    p95: percentile(s, 95),
    p99: percentile(s, 99),
    max: s.at(-1) ?? NaN,
  };
  console.log(
    `${name.padEnd(34)} n=${String(row.n).padStart(4)}  p50 ${row.p50.toFixed(0).padStart(4)} ms` +
      `  p95 ${row.p95.toFixed(0).padStart(4)} ms  p99 ${row.p99.toFixed(0).padStart(4)} ms` +
      `  max ${row.max.toFixed(0).padStart(4)} ms`,
  );
  return row;
}

beforeAll(async () => {
  const dataDir = path.join(os.tmpdir(), `invigil-bench-${randomBytes(6).toString('hex')}`);
  mkdirSync(dataDir, { recursive: true });
  const base = loadConfig({
    LOG_LEVEL: 'warn',
    DATA_DIR: dataDir,
    SEED_DEMO: 'false',
    // BENCH_DATABASE_URL=postgres://… measures on that PostgreSQL instead of the embedded one.
    ...(process.env.BENCH_DATABASE_URL ? { DATABASE_URL: process.env.BENCH_DATABASE_URL } : {}),
  });
  instance = await createApp({
    ...base,
    port: 0,
    loginRateLimitPerMinute: 100_000,
    // The gateway is measured, not the detectors: no server-side snapshot analysis.
    detection: { ...base.detection, enabled: false },
  });
  url = await instance.app.listen({ host: '127.0.0.1', port: 0 });
});

afterAll(async () => {
  for (const ws of sockets) ws.terminate();
  await instance?.close();
});

it(`flag → proctor alert feed at ${SESSIONS} sessions`, async () => {
  const admin = await signedIn('admin', 0);
  const proctor = await signedIn('proctor', 0);
  const exam = await admin.post('/api/exams', buildExam({ capacity: SESSIONS + 10 }));
  expect(exam.status, JSON.stringify(exam.body)).toBe(201);
  const examId = exam.body.id as string;
  const assigned = await admin.put(`/api/exams/${examId}/staff/${proctor.userId}`, {
    role: 'proctor',
  });
  expect(assigned.status, JSON.stringify(assigned.body)).toBeLessThan(300);

  console.log(`\nLive alert benchmark: starting ${SESSIONS} sessions…`);
  const students: Student[] = [];
  for (let i = 0; i < SESSIONS; i += 8) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(8, SESSIONS - i) }, async (_, k) => {
        const client = await signedIn('student', i + k);
        const reg = await client.post(`/api/exams/${examId}/registrations`, {});
        const sessionId = reg.body.sessionId as string;
        await client.post(`/api/sessions/${sessionId}/transitions`, { to: 'checking_in' });
        await checkIn(client, sessionId);
        const started = await client.post(`/api/sessions/${sessionId}/transitions`, {
          to: 'in_progress',
        });
        expect(started.status, JSON.stringify(started.body)).toBe(200);
        await openSocket(client, `sessionId=${sessionId}`);
        return { client, sessionId, seq: 0 };
      }),
    );
    students.push(...batch);
  }

  // The proctor: one raw WebSocket and, when Chromium is there, the dashboard page.
  const wsArrival = new Map<string, number>();
  const created = new Map<string, number>();
  await openSocket(proctor, `examId=${examId}`, (m) => {
    if (m.topic !== 'flag.created') return;
    wsArrival.set(m.data.flag.id, Date.now());
    created.set(m.data.flag.id, Date.parse(m.data.flag.createdAt));
  });

  const noBrowser = browserUnavailable();
  const browser = noBrowser ? null : await launchBrowser();
  const page = browser ? await browser.context.newPage() : null;
  if (page) {
    const cookie = cookieOf(proctor).split('=');
    await browser!.context.addCookies([
      { name: cookie[0]!, value: cookie.slice(1).join('='), url },
    ]);
    await page.goto(`${url}/proctor/exams/${examId}/live`);
    await page.waitForSelector('[data-live-status="live"]', { timeout: 30_000 });
    // Record when each alert first appears, by the page's clock (the same machine's clock).
    await page.evaluate(() => {
      const seen: Record<string, number> = {};
      (window as unknown as { __alertsSeen: Record<string, number> }).__alertsSeen = seen;
      new MutationObserver(() => {
        const now = Date.now();
        for (const el of Array.from(document.querySelectorAll<HTMLElement>('[data-flag-id]'))) {
          const id = el.dataset.flagId!;
          if (!(id in seen)) seen[id] = now;
        }
      }).observe(document.body, { childList: true, subtree: true });
    });
  } else {
    console.log(`[skip] dashboard rendering not measured: ${noBrowser}`);
  }

  // Background load: every student uploads an event batch every few seconds.
  let stop = false;
  const background = students.map(async (s, i) => {
    await new Promise((r) => setTimeout(r, (i * BACKGROUND_EVERY_MS) / students.length));
    while (!stop) {
      await s.client.post(`/api/sessions/${s.sessionId}/events`, {
        events: [{ seq: s.seq++, type: 'window.focus', at: Date.now(), data: {} }],
      });
      await new Promise((r) => setTimeout(r, BACKGROUND_EVERY_MS));
    }
  });

  // Raise flags one after another: a face-less stretch already longer than the rule's minimum.
  for (let n = 0; n < FLAGS; n += 1) {
    const s = students[n % students.length]!;
    const at = Date.now();
    const state = { detector: 'no_face', confidence: 0.9, model: 'bench' };
    await s.client.post(`/api/sessions/${s.sessionId}/events`, {
      events: [
        { seq: s.seq++, type: 'detect.state', at: at - 8000, data: { ...state, active: true } },
        { seq: s.seq++, type: 'detect.state', at, data: { ...state, active: false } },
      ],
    });
    await new Promise((r) => setTimeout(r, FLAG_EVERY_MS));
  }
  await new Promise((r) => setTimeout(r, 2000));
  stop = true;
  await Promise.all(background);

  const wsLatency = [...wsArrival].map(([id, t]) => t - created.get(id)!);
  console.log(
    `\n${SESSIONS} sessions with live connections, ${FLAGS} flags, ${instance.config.database.kind}, ` +
      `load average ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} cores`,
  );
  const ws = summary('flag → proctor WebSocket', wsLatency);
  expect(ws.n).toBe(FLAGS);
  if (page) {
    const seen = await page.evaluate(
      () => (window as unknown as { __alertsSeen: Record<string, number> }).__alertsSeen,
    );
    const rendered = Object.entries(seen)
      .filter(([id]) => created.has(id))
      .map(([id, t]) => t - created.get(id)!);
    summary('flag → rendered in alert feed', rendered);
    await browser!.close();
  }
});
