import { parseArgs } from 'node:util';
import { DEFAULT_POLICY } from '@invigil/contracts';

/** Everything one load run is told: size, target, rates (defaults from the default policy). */
export interface LoadOptions {
  students: number;
  /** Steady-state duration measured, after every student is in progress and a warm-up. */
  seconds: number;
  proctors: number;
  /** A PostgreSQL server the bench may create a fresh database in (dropped after the run). */
  databaseUrl?: string;
  /** A server that is already running (then adminEmail/adminPassword are needed). */
  target?: string;
  adminEmail?: string;
  adminPassword?: string;
  /** With `target`: the server's process id, so its CPU and RSS can still be read. */
  serverPid?: number;
  /** Extra environment for the started server (e.g. WORKERS=2). */
  env: Record<string, string>;
  /** Where the JSON result goes; null: nowhere. */
  json: string | null;
  segmentSeconds: number;
  webcamKb: number;
  screenKb: number;
  snapshotSeconds: number;
  eventSeconds: number;
  /** Flag-raising event batches per minute over all students (default: one student in 50). */
  flagsPerMinute: number;
  /** Run the same load against the raw-disk reference server instead of Invigil. */
  reference: boolean;
  /** Seconds of load between the last student starting and the measured window. */
  warmupSeconds: number;
  /** Students set up at the same time during the ramp. */
  setupConcurrency: number;
  /** Process ids whose trees count as "database" CPU/RSS (an external PostgreSQL we started). */
  databasePids?: number[];
  /** Print progress lines. */
  verbose: boolean;
}

/** The default options for `students` students. */
export function defaultOptions(students = 100): LoadOptions {
  return {
    students,
    seconds: 60,
    proctors: 2,
    env: {},
    json: null,
    segmentSeconds: DEFAULT_POLICY.segmentSeconds,
    webcamKb: 300,
    screenKb: 40,
    snapshotSeconds: DEFAULT_POLICY.snapshotIntervalSeconds,
    eventSeconds: 5,
    flagsPerMinute: Math.max(1, students / 50),
    reference: false,
    warmupSeconds: DEFAULT_POLICY.segmentSeconds,
    setupConcurrency: 16,
    verbose: true,
  };
}

/** K=V pairs (repeatable `--env`) as an object; throws on a pair without `=`. */
export function parseEnvPairs(pairs: readonly string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new Error(`--env ${pair}: expected KEY=VALUE`);
    env[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return env;
}

function positive(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new Error(`--${name} ${value}: expected a positive number`);
  return n;
}

/** The usage text of `npm run bench:load`. */
export const LOAD_USAGE = `Usage: npm run bench:load -- [options]
  --students N            simulated students (default 100)
  --seconds S             measured steady state in seconds (default 60)
  --proctors M            proctors on the live WebSocket (default 2)
  --database-url URL      PostgreSQL server; a fresh database is created in it and dropped after
  --target URL            a running server (with --admin-email, --admin-password[, --server-pid])
  --env K=V               extra environment for the started server (repeatable)
  --json FILE             result file (default bench/results/load-<timestamp>.json)
  --segment-seconds S     segment length (default: policy, 6)
  --webcam-kb K           webcam segment size (default 300)
  --screen-kb K           screen segment size (default 40)
  --snapshot-seconds S    webcam + screen snapshot interval (default: policy, 10)
  --event-seconds S       event batch interval (default 5)
  --flags-per-minute F    flag-raising batches per minute (default students / 50)
  --warmup-seconds S      load before the measured window (default 6)
  --reference             the same load against the raw-disk reference server
`;

/** Parse `bench:load` arguments. */
export function parseLoadArgs(argv: string[]): LoadOptions & { help: boolean } {
  const { values } = parseArgs({
    args: argv,
    options: {
      students: { type: 'string' },
      seconds: { type: 'string' },
      proctors: { type: 'string' },
      'database-url': { type: 'string' },
      target: { type: 'string' },
      'admin-email': { type: 'string' },
      'admin-password': { type: 'string' },
      'server-pid': { type: 'string' },
      env: { type: 'string', multiple: true },
      json: { type: 'string' },
      'segment-seconds': { type: 'string' },
      'webcam-kb': { type: 'string' },
      'screen-kb': { type: 'string' },
      'snapshot-seconds': { type: 'string' },
      'event-seconds': { type: 'string' },
      'flags-per-minute': { type: 'string' },
      'warmup-seconds': { type: 'string' },
      'setup-concurrency': { type: 'string' },
      reference: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const students = Math.round(positive('students', values.students, 100));
  const d = defaultOptions(students);
  const o: LoadOptions & { help: boolean } = {
    ...d,
    help: values.help ?? false,
    seconds: positive('seconds', values.seconds, d.seconds),
    proctors: Math.round(positive('proctors', values.proctors, d.proctors)),
    env: parseEnvPairs(values.env ?? []),
    json:
      values.json ?? `bench/results/load-${new Date().toISOString().replace(/[:.]/g, '-')}.json`,
    segmentSeconds: positive('segment-seconds', values['segment-seconds'], d.segmentSeconds),
    webcamKb: positive('webcam-kb', values['webcam-kb'], d.webcamKb),
    screenKb: positive('screen-kb', values['screen-kb'], d.screenKb),
    snapshotSeconds: positive('snapshot-seconds', values['snapshot-seconds'], d.snapshotSeconds),
    eventSeconds: positive('event-seconds', values['event-seconds'], d.eventSeconds),
    flagsPerMinute: positive('flags-per-minute', values['flags-per-minute'], d.flagsPerMinute),
    warmupSeconds: positive('warmup-seconds', values['warmup-seconds'], d.warmupSeconds),
    setupConcurrency: Math.round(
      positive('setup-concurrency', values['setup-concurrency'], d.setupConcurrency),
    ),
    reference: values.reference ?? false,
  };
  if (values['database-url']) o.databaseUrl = values['database-url'];
  if (values.target) {
    o.target = values.target.replace(/\/$/, '');
    if (!values['admin-email'] || !values['admin-password']) {
      throw new Error('--target needs --admin-email and --admin-password');
    }
    o.adminEmail = values['admin-email'];
    o.adminPassword = values['admin-password'];
    if (values['server-pid']) o.serverPid = Number(values['server-pid']);
  }
  if (o.target && o.reference) throw new Error('--reference starts its own server: drop --target');
  return o;
}
