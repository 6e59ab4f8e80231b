import { monitorEventLoopDelay } from 'node:perf_hooks';
import os from 'node:os';
import { buildBodies } from './bodies.js';
import { Driver, KINDS, Recorder } from './drive.js';
import { LeanHttp } from './http.js';
import type { LoadOptions } from './options.js';
import { TreeSampler } from './proc-stats.js';
import { type LoadResult, summarise } from './report.js';
import {
  existingServer,
  type ServerUnderTest,
  startInvigil,
  startReference,
} from './server-under-test.js';
import { admitAll, referenceStudents, stageExam, type Staging, type Student } from './students.js';
import { verifySessions } from './verify.js';

function countBy(items: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const i of items) out[i] = (out[i] ?? 0) + 1;
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function startServer(o: LoadOptions): Promise<ServerUnderTest> {
  if (o.reference) return startReference();
  if (o.target)
    return existingServer(
      o.target,
      { email: o.adminEmail!, password: o.adminPassword! },
      o.serverPid,
    );
  return startInvigil({ env: o.env, ...(o.databaseUrl ? { databaseUrl: o.databaseUrl } : {}) });
}

/**
 * The server's analysis throughput and queue (`GET /api/system/analysis`, admin only), read
 * with the admin's session at the end of the steady state; null when the server has no such
 * endpoint (an older build) or analysis cannot be read.
 */
async function readAnalysis(http: LeanHttp, staging: Staging | undefined): Promise<unknown> {
  if (!staging) return null;
  try {
    return (await http.json('GET', '/api/system/analysis', staging.admin.headers)).body;
  } catch {
    return null;
  }
}

/**
 * One load run: start the server (or use the running one), ramp the students up (not
 * measured), let the load settle for a warm-up, measure `seconds` of steady state, drain the
 * answers, wait for the last alerts, then verify every session against what was acknowledged.
 * Slowness is a result, not a failure: `ok` is false only when the run itself broke.
 */
export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  const log = (line: string) => o.verbose && console.log(`[bench:load] ${line}`);
  const startedAt = new Date().toISOString();
  const cpus = os.cpus();
  const result: LoadResult = {
    ok: false,
    startedAt,
    students: o.students,
    admitted: 0,
    proctors: o.reference ? 0 : o.proctors,
    seconds: o.seconds,
    engine: 'unknown',
    reference: o.reference,
    machine: {
      cores: cpus.length,
      model: cpus[0]?.model.trim() ?? 'unknown',
      memoryGb: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
    },
    options: { ...o, adminPassword: o.adminPassword ? '***' : undefined, verbose: undefined },
    setupSeconds: 0,
    ingestMBps: 0,
    requestsPerSecond: 0,
    ack: {},
    ackAll: summarise([]),
    errors: {},
    errorCount: 0,
    alerts: null,
    server: null,
    database: null,
    generator: { cpuPercent: 0, eventLoopDelayP99Ms: 0, maxInFlight: 0 },
    loadAverage: [],
    analysis: null,
    verification: null,
    unanswered: 0,
  };
  const bodies = buildBodies(o.webcamKb, o.screenKb);
  log(
    o.reference
      ? 'starting the raw-disk reference server…'
      : o.target
        ? `using ${o.target}`
        : 'starting the server…',
  );
  let server: ServerUnderTest;
  try {
    server = await startServer(o);
  } catch (err) {
    result.failure = `the server did not start: ${(err as Error).message}`;
    return result;
  }
  result.engine = server.engine;
  const http = new LeanHttp(server.url);
  const recorder = new Recorder();
  const driver = new Driver(http, bodies, o, recorder);
  let staging: Staging | undefined;
  let students: Student[] = [];
  try {
    const setupStart = performance.now();
    if (o.reference) {
      students = referenceStudents(o.students);
      for (const s of students) driver.start(s);
    } else {
      log(`server up (${server.engine}); staging the exam and ${o.proctors} proctors…`);
      staging = await stageExam(http, server.admin!, o);
      log(`admitting ${o.students} students (${o.setupConcurrency} at a time)…`);
      students = await admitAll(
        http,
        staging,
        bodies,
        o.students,
        o.setupConcurrency,
        (s) => driver.start(s),
        (message) => {
          const key = `admission: ${message.replace(/[0-9a-f-]{36}/g, ':id').slice(0, 120)}`;
          recorder.errors.set(key, (recorder.errors.get(key) ?? 0) + 1);
        },
        (n) => log(`  ${n}/${o.students} in progress`),
      );
    }
    driver.startFlags();
    result.admitted = students.length;
    result.setupSeconds = (performance.now() - setupStart) / 1000;
    log(
      `${students.length}/${o.students} students in progress after ${result.setupSeconds.toFixed(0)} s; warm-up ${o.warmupSeconds} s`,
    );
    await sleep(o.warmupSeconds * 1000);

    // The measured window.
    const serverTree = server.pid ? new TreeSampler([server.pid]) : null;
    const dbTree = o.databasePids?.length ? new TreeSampler(o.databasePids) : null;
    const loop = monitorEventLoopDelay({ resolution: 10 });
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    serverTree?.start();
    dbTree?.start();
    loop.enable();
    const arrivalsBefore = staging?.arrivals.length ?? 0;
    const flagsBefore = recorder.flagsRaised.length;
    recorder.openWindow(o.seconds);
    log(`measuring ${o.seconds} s of steady state…`);
    await sleep(o.seconds * 1000);
    const wall = (performance.now() - t0) / 1000;
    result.server = serverTree?.stop() ?? null;
    result.database = dbTree?.stop() ?? null;
    loop.disable();
    const cpu = process.cpuUsage(cpu0);
    result.generator = {
      cpuPercent: ((cpu.user + cpu.system) / 1e6 / wall) * 100,
      eventLoopDelayP99Ms: loop.percentile(99) / 1e6,
      maxInFlight: recorder.maxInFlight,
    };
    result.loadAverage = os.loadavg();
    if (!o.reference) result.analysis = await readAnalysis(http, staging);

    log('stopping the load, draining answers…');
    result.unanswered = await driver.stop();
    if (result.unanswered) recorder.errors.set('unanswered at the end', result.unanswered);
    if (staging) await sleep(3000); // the last flags' alerts

    const all: number[] = [];
    let requests = 0;
    for (const kind of KINDS) {
      const values = recorder.latencies.get(kind)!;
      result.ack[kind] = summarise(values);
      requests += values.length;
      all.push(...values);
    }
    result.ackAll = summarise(all);
    result.requestsPerSecond = requests / o.seconds;
    result.ingestMBps = recorder.bytesInWindow / 1e6 / o.seconds;
    result.errors = Object.fromEntries(recorder.errors);
    result.errorCount = [...recorder.errors.values()].reduce((a, b) => a + b, 0);

    if (staging) {
      const ours = new Set(students.map((s) => s.sessionId));
      const flagArrivals = staging.arrivals.slice(arrivalsBefore);
      const noFace = flagArrivals.filter((a) => a.type === 'no_face' && ours.has(a.sessionId));
      result.alerts = {
        flagsRaised: recorder.flagsRaised.length - flagsBefore,
        received: new Set(noFace.map((a) => a.flagId)).size,
        deliveries: noFace.length,
        otherFlags: flagArrivals.length - noFace.length,
        otherFlagTypes: countBy(flagArrivals.filter((a) => !noFace.includes(a)).map((a) => a.type)),
        latency: summarise(noFace.map((a) => a.arrivedAt - a.createdAt)),
      };
    }

    log(`verifying ${students.length} sessions against what was acknowledged…`);
    result.verification = await verifySessions(http, students);
    result.ok = true;
  } catch (err) {
    result.failure = (err as Error).stack ?? String(err);
    const out = server.output();
    if (out) result.failure += `\n--- server output (tail) ---\n${out.slice(-4000)}`;
  } finally {
    await driver.stop(5000);
    for (const s of students) s.socket?.terminate();
    for (const ws of staging?.proctorSockets ?? []) ws.terminate();
    http.close();
    await server.stop();
  }
  return result;
}
