import type { TreeUsage } from './proc-stats.js';
import type { Verification } from './verify.js';

/** Latency summary of one request kind, in ms. */
export interface LatencySummary {
  n: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
}

/** The `p`th percentile (nearest rank) of ascending `sorted`. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[
    Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  ]!;
}

/** n, p50, p95, p99 and max of some latencies. */
export function summarise(values: readonly number[]): LatencySummary {
  const s = [...values].sort((a, b) => a - b);
  const r = (x: number | null) => (x === null ? null : Math.round(x * 10) / 10);
  return {
    n: s.length,
    p50: r(percentile(s, 50)),
    p95: r(percentile(s, 95)),
    p99: r(percentile(s, 99)),
    max: r(s.at(-1) ?? null),
  };
}

/** Everything one load run measured (also the JSON written). */
export interface LoadResult {
  ok: boolean;
  /** Why the run itself failed (not: why it was slow). */
  failure?: string;
  startedAt: string;
  students: number;
  /** Students whose attempt started (the others failed admission: see errors). */
  admitted: number;
  proctors: number;
  seconds: number;
  engine: string;
  reference: boolean;
  machine: { cores: number; model: string; memoryGb: number; node: string };
  options: Record<string, unknown>;
  setupSeconds: number;
  ingestMBps: number;
  requestsPerSecond: number;
  ack: Record<string, LatencySummary>;
  /** Every request kind together. */
  ackAll: LatencySummary;
  errors: Record<string, number>;
  errorCount: number;
  alerts: {
    flagsRaised: number;
    /** Distinct no-face flags of the bench's sessions received by at least one proctor. */
    received: number;
    /** Deliveries to proctors (each proctor counts). */
    deliveries: number;
    /** flag.created of other kinds (watchdogs, server analysis) received meanwhile. */
    otherFlags: number;
    /** Those other flags by type. */
    otherFlagTypes: Record<string, number>;
    latency: LatencySummary;
  } | null;
  server: TreeUsage | null;
  database: TreeUsage | null;
  generator: { cpuPercent: number; eventLoopDelayP99Ms: number; maxInFlight: number };
  loadAverage: number[];
  /** What the server reports about its analysis (GET /api/system/analysis), if anything. */
  analysis: unknown;
  verification: Verification | null;
  /** Answers still outstanding when the drive stopped (also counted as errors). */
  unanswered: number;
}

const ms = (x: number | null) =>
  x === null ? '-' : x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${x.toFixed(0)} ms`;
const pad = (s: string, n: number) => s.padEnd(n);
const lpad = (s: string, n: number) => s.padStart(n);

/** The printable table of a run. */
export function formatTable(r: LoadResult): string {
  const lines: string[] = [];
  lines.push(
    `\n${r.reference ? 'Raw-disk reference' : 'Invigil'}: ${r.students} students, ${r.proctors} proctors, ` +
      `${r.seconds} s steady state, engine ${r.engine} — ${r.machine.cores} cores (${r.machine.model})`,
  );
  if (!r.ok) lines.push(`RUN FAILED: ${r.failure}`);
  lines.push(
    `${r.admitted}/${r.students} admitted, setup ${r.setupSeconds.toFixed(0)} s · ingest ${r.ingestMBps.toFixed(2)} MB/s · ${r.requestsPerSecond.toFixed(0)} req/s`,
  );
  lines.push('');
  lines.push(
    `${pad('ack latency', 18)}${lpad('n', 7)}${lpad('p50', 10)}${lpad('p95', 10)}${lpad('p99', 10)}${lpad('max', 10)}`,
  );
  const row = (name: string, s: LatencySummary) =>
    lines.push(
      `${pad(name, 18)}${lpad(String(s.n), 7)}${lpad(ms(s.p50), 10)}${lpad(ms(s.p95), 10)}${lpad(ms(s.p99), 10)}${lpad(ms(s.max), 10)}`,
    );
  for (const [kind, s] of Object.entries(r.ack)) if (s.n > 0) row(kind, s);
  row('all uploads', r.ackAll);
  if (r.alerts) {
    row('flag → proctor', r.alerts.latency);
    lines.push(
      `flags raised ${r.alerts.flagsRaised}, received ${r.alerts.received} (${r.alerts.deliveries} deliveries to proctors; ${r.alerts.otherFlags} other flag.created${
        Object.keys(r.alerts.otherFlagTypes).length
          ? `: ${Object.entries(r.alerts.otherFlagTypes)
              .map(([t, n]) => `${n} ${t}`)
              .join(', ')}`
          : ''
      })`,
    );
  }
  lines.push('');
  const tree = (name: string, u: TreeUsage | null) =>
    u
      ? `${name} CPU ${u.cpuPercent.toFixed(0)} % of one core, peak RSS ${u.peakRssMb.toFixed(0)} MB (${u.processes} processes)`
      : `${name} CPU/RSS: not measured`;
  lines.push(tree('server', r.server));
  if (r.database) lines.push(tree('database', r.database));
  lines.push(
    `generator CPU ${r.generator.cpuPercent.toFixed(0)} % of one core, event loop delay p99 ${r.generator.eventLoopDelayP99Ms.toFixed(0)} ms, max in flight ${r.generator.maxInFlight}`,
  );
  lines.push(`load average ${r.loadAverage.map((x) => x.toFixed(2)).join(' ')}`);
  if (r.analysis !== undefined && r.analysis !== null)
    lines.push(`server analysis: ${formatAnalysis(r.analysis)}`);
  else if (!r.reference) lines.push('server analysis: not reported by GET /api/system/analysis');
  lines.push('');
  lines.push(r.errorCount === 0 ? 'errors: none' : `errors: ${r.errorCount}`);
  for (const [k, n] of Object.entries(r.errors)) lines.push(`  ${n} × ${k}`);
  if (r.unanswered) lines.push(`unanswered at the end: ${r.unanswered}`);
  const v = r.verification;
  if (v) {
    lines.push(
      `verified ${v.sessionsChecked} sessions (${v.acknowledged.segments} segments, ${v.acknowledged.snapshots} snapshots, ${v.acknowledged.events} events acknowledged): ` +
        `lost ${v.lost.segments}/${v.lost.snapshots}/${v.lost.events}, duplicated ${v.duplicated.segments}/${v.duplicated.snapshots}/${v.duplicated.events}` +
        (v.unreadable ? `, ${v.unreadable} unreadable` : ''),
    );
    for (const e of v.examples) lines.push(`  ${e}`);
  }
  return lines.join('\n');
}

/** The analysis status in one line; anything not shaped like it, as JSON. */
function formatAnalysis(a: unknown): string {
  const s = a as {
    enabled?: boolean;
    workers: number;
    nice: number;
    windowSeconds: number;
    analysed: number;
    failed: number;
    shed: number;
    analysedPerSecond: number;
    analysedPerSecondPerWorker: number | null;
    queued: { total: number; byReason: Record<string, number> };
    oldestQueuedSeconds: number | null;
  };
  if (typeof s?.analysedPerSecond !== 'number' || !s.queued) return JSON.stringify(a);
  if (s.enabled === false) return 'off (DETECTION_ENABLED=false)';
  const reasons = Object.entries(s.queued.byReason)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  return (
    `${s.analysedPerSecond} snapshots/s, ${s.analysedPerSecondPerWorker ?? '-'}/s per worker ` +
    `(${s.workers} workers, nice ${s.nice}); last ${s.windowSeconds} s: ${s.analysed} analysed, ` +
    `${s.failed} failed, ${s.shed} shed; queued ${s.queued.total} (${reasons}), oldest ` +
    `${s.oldestQueuedSeconds === null ? '-' : `${s.oldestQueuedSeconds} s`}`
  );
}

/** Items lost or duplicated, in total. */
export function lostOrDuplicated(r: LoadResult): number {
  const v = r.verification;
  if (!v) return 0;
  const sum = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0);
  return sum(v.lost) + sum(v.duplicated) + v.unreadable;
}
