import os from 'node:os';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type DemoServer, startDemoServer } from '../e2e/helpers/app-server.js';
import { browserUnavailable, launchBrowser } from '../e2e/helpers/browser.js';
import {
  type Coturn,
  coturnUnavailable,
  startCoturn,
  turnCredentials,
} from '../e2e/helpers/coturn.js';
import { closeLiveView, forceRelay, openLiveView } from '../e2e/helpers/live-view-ui.js';
import {
  clickAndFirstFrame,
  instrumentPeerConnections,
  newestPeerTimes,
  peerReports,
  recordFirstFrames,
  resetFirstFrames,
  takeSignalMarks,
  traceSignals,
} from '../e2e/helpers/rtc-probe.js';
import { checkInAndStartExam, signInAsDemo, signInStudent } from '../e2e/helpers/student-flow.js';
import { blankPageServer, prepareStudent, rawPopIn } from './rtc-raw.js';

/**
 * Time to the first decoded frame of a live view ("pop-in"), on loopback, direct and through
 * a real coturn (TURN relay only). Two rows per path:
 * - raw WebRTC: two bare Chromium pages and the same three receive-only sections, signalling
 *   relayed by the bench — the floor;
 * - Invigil: the proctor clicks "Live view" on the session page of a student in their exam,
 *   through the server's signalling over the live WebSocket, until the dialog's webcam
 *   video shows its first frame (requestVideoFrameCallback, page clock).
 * BENCH_RUNS (default 10) pop-ins each.
 */
const RUNS = Number(process.env.BENCH_RUNS ?? 10);

type Browser = Awaited<ReturnType<typeof launchBrowser>>;
let coturn: Coturn;
const browsers: Browser[] = [];
const closers: (() => Promise<unknown>)[] = [];
const rows: Row[] = [];
/** Per step of the product pop-in, the ms each run spent in it. */
const phases: Record<string, number[]> = {};

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

interface Row {
  name: string;
  values: number[];
  pairs: string[];
}

function print(rows: Row[]) {
  console.log(
    `\nTime to first decoded frame of a live view, ${RUNS} runs each, loopback, ` +
      `load average ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} cores ` +
      `(${os.cpus()[0]?.model ?? '?'}), Chromium headless, coturn ${coturn.realm}`,
  );
  console.log('| path | n | p50 ms | p95 ms | max ms | selected pair |');
  console.log('| ---- | -: | -----: | -----: | -----: | ------------- |');
  for (const row of rows) {
    const s = [...row.values].sort((a, b) => a - b);
    const pairs = [...new Set(row.pairs)].join(', ');
    console.log(
      `| ${row.name} | ${s.length} | ${percentile(s, 50).toFixed(0)} | ${percentile(s, 95).toFixed(0)} | ${(s.at(-1) ?? NaN).toFixed(0)} | ${pairs} |`,
    );
  }
}

function printPhases() {
  if (Object.keys(phases).length === 0) return;
  console.log('\nWhere the time goes (ms per step; signalling noted in both pages, one clock):');
  for (const [step, values] of Object.entries(phases)) {
    const s = [...values].sort((a, b) => a - b);
    const p50 = percentile(s, 50).toFixed(0).padStart(5);
    console.log(`  ${step.padEnd(62)} p50 ${p50}  max ${(s.at(-1) ?? NaN).toFixed(0).padStart(5)}`);
  }
}

async function browser(extra: string[] = []): Promise<Browser> {
  const b = await launchBrowser(extra);
  browsers.push(b);
  return b;
}

beforeAll(async () => {
  const missing = browserUnavailable() ?? coturnUnavailable();
  if (missing) throw new Error(`the RTC benchmark needs Chromium and coturn: ${missing}`);
  coturn = await startCoturn();
});

afterAll(async () => {
  if (rows.length > 0) print(rows);
  printPhases();
  for (const b of browsers) await b.close().catch(() => {});
  for (const close of closers.reverse()) await close().catch(() => {});
  await coturn?.stop();
});

it('raw WebRTC pop-in: direct and via TURN', async () => {
  const blank = await blankPageServer();
  closers.push(blank.close);
  const student = await (await browser()).context.newPage();
  const proctor = await (await browser()).context.newPage();
  await student.goto(blank.url);
  await proctor.goto(blank.url);
  await prepareStudent(student);
  const relay: RTCConfiguration = {
    iceServers: [{ urls: coturn.urls, ...turnCredentials(coturn.secret, 'bench') }],
    iceTransportPolicy: 'relay',
  };
  // One warm-up each (codec and ICE start-up in a fresh renderer), not counted.
  await rawPopIn(student, proctor, {});
  for (const [name, config] of [
    ['raw WebRTC, direct', {}],
    ['raw WebRTC, TURN relay', relay],
  ] as const) {
    const row: Row = { name, values: [], pairs: [] };
    for (let i = 0; i < RUNS; i += 1) {
      const run = await rawPopIn(student, proctor, config);
      row.values.push(run.firstFrameMs);
      row.pairs.push(run.pair);
    }
    rows.push(row);
  }
  expect(rows.every((r) => r.values.length === RUNS)).toBe(true);
});

/** Phase marks of one product pop-in, epoch ms (browser and Node share this machine's clock). */
interface Marks {
  click: number;
  linkOpened?: number;
  peerCreated?: number;
  offerSent?: number;
  /** The student's page got the offer / sent its answer. */
  offerReceived?: number;
  answerSent?: number;
  answerReceived?: number;
  connected?: number;
  firstFrame: number;
}

/** The product pop-in: one server with TURN configured, relay forced or not per row. */
it('Invigil live view pop-in: direct and via TURN', async () => {
  const server: DemoServer = await startDemoServer(coturn.env);
  closers.push(() => server.close());
  const studentBrowser = await browser();
  const proctorBrowser = await browser();
  await instrumentPeerConnections(proctorBrowser.context);
  await recordFirstFrames(proctorBrowser.context);
  for (const b of [studentBrowser, proctorBrowser]) await traceSignals(b.context);
  const student = await studentBrowser.context.newPage();
  await signInStudent(server, student, 0);
  const sessionId = await checkInAndStartExam(student);
  const proctor = await proctorBrowser.context.newPage();
  await signInAsDemo(server, proctor, 'proctor');
  await proctor.waitForURL(/\/proctor$/);

  // The POST that opens the link, as the proctor's page sees it.
  let linkOpened: number | undefined;
  proctor.on('response', (r) => {
    if (r.request().method() === 'POST' && /\/api\/sessions\/[^/]+\/rtc$/.test(r.url())) {
      linkOpened ??= Date.now();
    }
  });

  for (const [name, relay] of [
    ['Invigil live view, direct', false],
    ['Invigil live view, TURN relay', true],
  ] as const) {
    // Both browsers follow the flag (read again for each new link).
    for (const page of [student, proctor]) await forceRelay(page, relay);
    await proctor.goto(`${server.url}/proctor/sessions/${sessionId}`);
    const row: Row = { name, values: [], pairs: [] };
    for (let i = 0; i < RUNS + 1; i += 1) {
      linkOpened = undefined;
      await resetFirstFrames(proctor);
      await takeSignalMarks(proctor);
      await takeSignalMarks(student);
      await openLiveView(proctor);
      const { clickAt, frameAt } = await clickAndFirstFrame(proctor, /^Student webcam \(live\)/);
      const times = await newestPeerTimes(proctor);
      const atProctor = await takeSignalMarks(proctor);
      const atStudent = await takeSignalMarks(student);
      const run: Marks = {
        linkOpened,
        offerSent: atProctor['sent:offer'],
        offerReceived: atStudent['received:offer'],
        answerSent: atStudent['sent:answer'],
        answerReceived: atProctor['received:answer'],
        click: clickAt,
        firstFrame: frameAt,
        peerCreated: times?.createdAt,
        connected: times?.connectedAt ?? undefined,
      };
      const pair = (await peerReports(proctor)).filter((r) => r.pair).at(-1)?.pair ?? '?';
      await closeLiveView(proctor);
      if (i === 0) continue; // warm-up
      row.values.push(run.firstFrame - run.click);
      row.pairs.push(pair);
      const order = [
        'click',
        'linkOpened',
        'peerCreated',
        'offerSent',
        'offerReceived',
        'answerSent',
        'answerReceived',
        'connected',
        'firstFrame',
      ] as const;
      for (let k = 1; k < order.length; k += 1) {
        const from = run[order[k - 1]!];
        const to = run[order[k]!];
        if (from === undefined || to === undefined) continue;
        (phases[`${name}: ${order[k - 1]} → ${order[k]}`] ??= []).push(to - from);
      }
    }
    rows.push(row);
  }
  expect(rows.every((r) => r.values.length === RUNS)).toBe(true);
});
