import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { findPostgresBin, startPostgres } from '../../apps/server/test/helpers/postgres.js';
import { defaultOptions, type LoadOptions, parseEnvPairs } from './options.js';
import { formatTable, type LoadResult, lostOrDuplicated } from './report.js';
import { runLoad } from './run.js';

/**
 * `npm run bench:capacity`: for each setup (embedded default, PostgreSQL, raw-disk reference)
 * the largest number of students at which upload acknowledgements stay at p99 ≤ 250 ms, flag
 * alerts reach proctors at p99 ≤ 100 ms and nothing errs, is lost or duplicated. Steps up
 * through STEPS, then bisects between the last pass and the first failure to within
 * `tolerance`. Every step is a fresh server, data directory and database.
 */

const USAGE = `Usage: npm run bench:capacity -- [options]
  --setups LIST        embedded,postgres,reference (default all three)
  --max N              largest number of students tried (default 1500)
  --steps LIST         step-up sizes (default 100,250,500,750,1000,1500)
  --seconds S          measured steady state per step (default 45)
  --tolerance F        bisect until (fail − pass) / pass ≤ F (default 0.1)
  --ack-p99 MS         acknowledgement p99 limit (default 250)
  --alert-p99 MS       flag → proctor p99 limit (default 100)
  --database-url URL   PostgreSQL server for the postgres setup (default: a throwaway one)
  --env K=V            extra environment for the Invigil servers (repeatable)
  --json FILE          result file (default bench/results/capacity-<timestamp>.json)
`;

type Setup = 'embedded' | 'postgres' | 'reference';

interface StepVerdict {
  students: number;
  pass: boolean;
  why: string[];
  ackP99: number | null;
  alertP99: number | null;
  serverCpuPercent: number | null;
  result: LoadResult;
}

interface SetupResult {
  setup: Setup;
  engine: string;
  /** Largest passing N (0: none passed); `atLeast` when even the largest size tried passed. */
  capacity: number;
  atLeast: boolean;
  skipped?: string;
  steps: Omit<StepVerdict, 'result'>[];
}

function judge(r: LoadResult, limits: { ackP99: number; alertP99: number }): string[] {
  const why: string[] = [];
  if (!r.ok) why.push(`run failed: ${(r.failure ?? '').split('\n')[0]}`);
  if (r.ackAll.p99 === null || r.ackAll.p99 > limits.ackP99) why.push(`ack p99 ${r.ackAll.p99} ms`);
  if (r.alerts) {
    if (r.alerts.flagsRaised > 0 && r.alerts.received < r.alerts.flagsRaised) {
      why.push(`alerts received ${r.alerts.received}/${r.alerts.flagsRaised}`);
    }
    const p99 = r.alerts.latency.p99;
    if (p99 !== null && p99 > limits.alertP99) why.push(`alert p99 ${p99} ms`);
  }
  if (r.errorCount > 0) why.push(`${r.errorCount} errors`);
  if (lostOrDuplicated(r) > 0) why.push(`${lostOrDuplicated(r)} lost/duplicated`);
  return why;
}

/** The postmaster of the PostgreSQL listening on `port` (its tree is the database's CPU). */
function postmasterPid(port: number): number | undefined {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
      if (cmd[0]?.endsWith('postgres') && cmd.includes(String(port))) return Number(name);
    } catch {
      // gone
    }
  }
  return undefined;
}

async function findCapacity(
  setup: Setup,
  base: LoadOptions,
  steps: number[],
  tolerance: number,
  limits: { ackP99: number; alertP99: number },
): Promise<Omit<SetupResult, 'setup' | 'skipped'>> {
  const verdicts: StepVerdict[] = [];
  const tryN = async (n: number): Promise<boolean> => {
    console.log(`\n[bench:capacity] ${setup}: ${n} students…`);
    const r = await runLoad({
      ...base,
      students: n,
      flagsPerMinute: Math.max(1, n / 50),
      reference: setup === 'reference',
    });
    console.log(formatTable(r));
    const why = judge(r, limits);
    verdicts.push({
      students: n,
      pass: why.length === 0,
      why,
      ackP99: r.ackAll.p99,
      alertP99: r.alerts?.latency.p99 ?? null,
      serverCpuPercent: r.server?.cpuPercent ?? null,
      result: r,
    });
    console.log(
      `[bench:capacity] ${setup} at ${n}: ${why.length === 0 ? 'PASS' : `FAIL (${why.join(', ')})`}`,
    );
    return why.length === 0;
  };
  let pass = 0;
  let fail: number | undefined;
  for (const n of steps) {
    if (await tryN(n)) pass = n;
    else {
      fail = n;
      break;
    }
  }
  while (fail !== undefined && fail - pass > Math.max(1, tolerance * Math.max(pass, 10))) {
    const mid = Math.round((pass + fail) / 2);
    if (mid <= pass || mid >= fail || mid < 5) break;
    if (await tryN(mid)) pass = mid;
    else fail = mid;
  }
  return {
    engine: verdicts[0]?.result.engine ?? 'unknown',
    capacity: pass,
    atLeast: fail === undefined,
    steps: verdicts.map(({ result: _r, ...v }) => v),
  };
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      setups: { type: 'string' },
      max: { type: 'string' },
      steps: { type: 'string' },
      seconds: { type: 'string' },
      tolerance: { type: 'string' },
      'ack-p99': { type: 'string' },
      'alert-p99': { type: 'string' },
      'database-url': { type: 'string' },
      env: { type: 'string', multiple: true },
      json: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const setups = (values.setups ?? 'embedded,postgres,reference').split(',') as Setup[];
  for (const s of setups) {
    if (!['embedded', 'postgres', 'reference'].includes(s)) {
      console.error(`unknown setup ${s}\n\n${USAGE}`);
      return 2;
    }
  }
  const max = Number(values.max ?? 1500);
  const steps = (values.steps ?? '100,250,500,750,1000,1500')
    .split(',')
    .map(Number)
    .filter((n) => n > 0 && n <= max);
  if (!steps.includes(max) && max > (steps.at(-1) ?? 0)) steps.push(max);
  const tolerance = Number(values.tolerance ?? 0.1);
  const limits = {
    ackP99: Number(values['ack-p99'] ?? 250),
    alertP99: Number(values['alert-p99'] ?? 100),
  };
  const base: LoadOptions = {
    ...defaultOptions(100),
    seconds: Number(values.seconds ?? 45),
    env: parseEnvPairs(values.env ?? []),
    json: null,
  };
  const json =
    values.json ?? `bench/results/capacity-${new Date().toISOString().replace(/[:.]/g, '-')}.json`;

  const results: SetupResult[] = [];
  for (const setup of setups) {
    if (setup !== 'postgres') {
      results.push({ setup, ...(await findCapacity(setup, base, steps, tolerance, limits)) });
      continue;
    }
    let url = values['database-url'];
    let stop: (() => void) | undefined;
    let dbPids: number[] = [];
    if (!url) {
      const bin = findPostgresBin();
      if (!bin) {
        results.push({
          setup,
          engine: 'postgres',
          capacity: 0,
          atLeast: false,
          steps: [],
          skipped: 'PostgreSQL is not installed (apt-get install postgresql) and no --database-url',
        });
        continue;
      }
      const pg = await startPostgres(bin);
      url = pg.adminUrl;
      stop = pg.stop;
      const pid = postmasterPid(pg.port);
      if (pid) dbPids = [pid];
    }
    try {
      results.push({
        setup,
        ...(await findCapacity(
          setup,
          { ...base, databaseUrl: url, databasePids: dbPids },
          steps,
          tolerance,
          limits,
        )),
      });
    } finally {
      stop?.();
    }
  }

  const reference = results.find((r) => r.setup === 'reference' && !r.skipped);
  console.log(
    `\nCapacity (p99 ack ≤ ${limits.ackP99} ms, alert p99 ≤ ${limits.alertP99} ms, no errors, nothing lost), ${base.seconds} s per step:`,
  );
  console.log(
    `${'setup'.padEnd(12)}${'engine'.padEnd(26)}${'students'.padStart(10)}${'of reference'.padStart(15)}`,
  );
  for (const r of results) {
    const cap = r.skipped ? `skipped: ${r.skipped}` : `${r.atLeast ? '≥ ' : ''}${r.capacity}`;
    const ratio =
      reference && reference.capacity > 0 && r.setup !== 'reference' && !r.skipped
        ? `${((100 * r.capacity) / reference.capacity).toFixed(0)} %${reference.atLeast ? ' (ref ≥)' : ''}`
        : '';
    console.log(
      `${r.setup.padEnd(12)}${r.engine.padEnd(26)}${cap.padStart(10)}${ratio.padStart(15)}`,
    );
    for (const s of r.steps) {
      console.log(
        `    ${String(s.students).padStart(5)}: ${s.pass ? 'pass' : 'FAIL'}  ack p99 ${s.ackP99 ?? '-'} ms` +
          `${s.alertP99 !== null ? `, alert p99 ${s.alertP99} ms` : ''}` +
          `${s.serverCpuPercent !== null ? `, server CPU ${s.serverCpuPercent.toFixed(0)} %` : ''}` +
          `${s.why.length ? ` — ${s.why.join(', ')}` : ''}`,
      );
    }
  }
  mkdirSync(path.dirname(json), { recursive: true });
  writeFileSync(
    json,
    `${JSON.stringify({ startedAt: new Date().toISOString(), limits, seconds: base.seconds, steps, tolerance, results }, null, 2)}\n`,
  );
  console.log(`\nJSON: ${json}`);
  return 0;
}

process.exitCode = await main();
