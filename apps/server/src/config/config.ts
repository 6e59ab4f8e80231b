import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { IceServer } from '@invigil/contracts';
import { findUp } from '../paths.js';
import { parseRoles, type ServerRole } from '../roles.js';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'Use true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const int = (min: number, max: number) =>
  z.coerce
    .number({ message: 'Must be a whole number' })
    .int({ message: 'Must be a whole number' })
    .min(min)
    .max(max);

const ICE_URL = /^(stun|stuns|turn|turns):[^\s]+$/;

/** ICE_SERVERS: a JSON array of RTCIceServer objects, each URL a stun:/turn:/turns: one. */
const iceServers = z
  .string()
  .transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'Must be a JSON array of ICE servers' });
      return z.NEVER;
    }
  })
  .pipe(
    z.array(
      IceServer.refine(
        (s) => (Array.isArray(s.urls) ? s.urls : [s.urls]).every((u) => ICE_URL.test(u)),
        { message: 'Each ICE server URL must start with stun:, stuns:, turn: or turns:' },
      ),
      { message: 'Must be a JSON array of ICE servers' },
    ),
  );

/** TURN_URLS: comma-separated turn:/turns: URLs. */
const turnUrls = z
  .string()
  .transform((text) =>
    text
      .split(',')
      .map((u) => u.trim())
      .filter((u) => u !== ''),
  )
  .pipe(
    z
      .array(z.string().regex(/^turns?:[^\s]+$/, 'Each TURN URL must start with turn: or turns:'))
      .min(1),
  );

/**
 * Every environment variable the server reads, with its default and meaning.
 * This object is the documentation: `invigil config` prints it and README lists it.
 */
export const ENV_SCHEMA = {
  NODE_ENV: z
    .enum(['development', 'production', 'test'])
    .default('development')
    .describe('development | production | test. Production refuses demo seeding.'),
  HOST: z.string().min(1).default('127.0.0.1').describe('Interface to listen on; 0.0.0.0 for all.'),
  PORT: int(0, 65535).default(8080).describe('HTTP port.'),
  PUBLIC_URL: z
    .url({ message: 'Must be an absolute http(s) URL' })
    .optional()
    .describe(
      'Address users reach the server at; https makes cookies Secure. Default http://localhost:PORT.',
    ),
  DATA_DIR: z
    .string()
    .min(1)
    .default('./data')
    .describe('Directory for embedded data (database, blobs).'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'Must start with postgres:// or postgresql://')
    .optional()
    .describe(
      'External PostgreSQL connection string. Unset: the database named by DATABASE_ENGINE.',
    ),
  DATABASE_ENGINE: z
    .enum(['embedded', 'pglite'])
    .optional()
    .describe(
      'Database when DATABASE_URL is unset (ignored when set). embedded: a PostgreSQL server ' +
        'Invigil starts in DATA_DIR/postgres (its own processes, unix socket only). pglite: ' +
        'in-process PGlite in DATA_DIR/pglite (one connection; small installations). Default ' +
        'embedded, or pglite when DATA_DIR holds a PGlite database from an earlier version and ' +
        'no DATA_DIR/postgres.',
    ),
  DATABASE_POOL_SIZE: int(1, 1000)
    .default(20)
    .describe('Connections each server process keeps to PostgreSQL (embedded or DATABASE_URL).'),
  BLOB_DIR: z
    .string()
    .min(1)
    .optional()
    .describe('Local-disk blob directory. Default DATA_DIR/blobs.'),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'Must start with redis:// or rediss://')
    .optional()
    .describe(
      'Redis shared by several server processes or machines: the event bus and the rate-limit counters (and the job queue with QUEUE=bullmq). Unset: in-process bus, counters in memory.',
    ),
  QUEUE: z
    .enum(['database', 'bullmq'], { message: 'Use database or bullmq' })
    .default('database')
    .describe('Background job queue: database (the embedded default) or bullmq (on REDIS_URL).'),
  JOB_LEASE_SECONDS: int(1, 3600)
    .default(60)
    .describe(
      'How long a background job held by a process that died stays claimed before another worker process runs it again. A running job renews its claim, so this only delays taking over from a crashed or killed worker; a process that stalls longer than this loses its job to another, which runs it again.',
    ),
  BLOB_STORE: z
    .enum(['local', 's3'], { message: 'Use local or s3' })
    .default('local')
    .describe(
      'Where recordings and photos are stored: local (BLOB_DIR) or s3 (the S3_* settings).',
    ),
  S3_ENDPOINT: z
    .url({ protocol: /^https?$/, message: 'Must be an http:// or https:// URL' })
    .optional()
    .describe('S3-compatible endpoint, e.g. https://s3.example.org. Unset: Amazon S3.'),
  S3_REGION: z.string().min(1).default('us-east-1').describe('S3 region.'),
  S3_BUCKET: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'Must be a valid bucket name')
    .optional()
    .describe('S3 bucket (must exist). Required with BLOB_STORE=s3.'),
  S3_ACCESS_KEY_ID: z.string().min(1).optional().describe('S3 access key id.'),
  S3_SECRET_ACCESS_KEY: z
    .string()
    .min(1)
    .optional()
    .describe('S3 secret access key. Never logged.'),
  S3_FORCE_PATH_STYLE: bool
    .optional()
    .describe(
      'Address the bucket in the path (http://host/bucket/key), as most self-hosted stores need. Default: true when S3_ENDPOINT is set.',
    ),
  S3_PREFIX: z
    .string()
    .regex(
      /^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)*\/?$/,
      'Use folders of letters, digits, . _ - separated by /, each starting with a letter or digit',
    )
    .optional()
    .describe('Key prefix inside the bucket, so deployments can share one. Unset: none.'),
  ROLES: z
    .string()
    .default('all')
    .transform((text, ctx) => {
      try {
        return parseRoles(text);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
        return z.NEVER;
      }
    })
    .describe(
      'What this process does: all, or some of api (REST API and web app), ws (live WebSocket), ingest (uploads), worker (background jobs). `invigil start --roles=…` and `invigil worker` set it too.',
    ),
  WORKERS: z
    .union([z.literal('auto'), int(1, 64)], { message: 'Use auto or a whole number 1–64' })
    .default('auto')
    .describe(
      'Server processes `invigil start` runs behind its one port (auto: one per core, one on ' +
        'PGlite). Above 1 needs a database several processes share (embedded PostgreSQL or DATABASE_URL).',
    ),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .default('info')
    .describe('Log level.'),
  TRUST_PROXY: bool
    .default(false)
    .describe('Trust X-Forwarded-* headers (behind a reverse proxy).'),
  COOKIE_SECURE: bool
    .optional()
    .describe('Mark session cookies Secure. Default: true when PUBLIC_URL is https.'),
  SESSION_TTL_HOURS: int(1, 24 * 30)
    .default(12)
    .describe('Sign-in session lifetime.'),
  LOGIN_RATE_LIMIT_PER_MINUTE: int(1, 10_000)
    .default(10)
    .describe(
      'Login, sign-up and password reset attempts allowed per client address per minute (each counted apart).',
    ),
  WRITE_RATE_LIMIT_PER_MINUTE: int(10, 1_000_000)
    .default(1200)
    .describe(
      'Writes (POST, PUT, PATCH, DELETE under /api) allowed per signed-in user per minute, per server process. A browser uploads about one item a second, faster while catching up after an outage.',
    ),
  CHAT_MESSAGES_PER_30_SECONDS: int(1, 10_000)
    .default(10)
    .describe(
      'Chat messages and announcements one user may send per 30 seconds (per server process); more are refused with 429 CHAT_RATE_LIMITED. The same number of raise/lower hand actions, counted apart (429 HAND_RATE_LIMITED).',
    ),
  INGEST_GRACE_MINUTES: int(0, 24 * 60)
    .default(15)
    .describe(
      'Minutes after an attempt ends (submitted or terminated) during which the browser may still upload what it recorded; after that only retries of stored items are answered.',
    ),
  LOGIN_LOCKOUT_THRESHOLD: int(1, 100)
    .default(5)
    .describe('Consecutive failed logins that lock an account.'),
  LOGIN_LOCKOUT_MINUTES: int(1, 24 * 60)
    .default(15)
    .describe('How long a locked account stays locked.'),
  PASSWORD_RESET_MINUTES: int(5, 24 * 60)
    .default(30)
    .describe(
      'How long a "forgot password" link works (once). The links are e-mailed, so the feature is offered only with SMTP_URL and SMTP_FROM.',
    ),
  SEED_DEMO: bool
    .optional()
    .describe(
      'Seed demo accounts and an exam into an empty database. Default: true unless production.',
    ),
  WEB_DIST_DIR: z
    .string()
    .min(1)
    .optional()
    .describe('Built web app to serve. Default apps/web/dist.'),
  DEADLINE_SWEEP_SECONDS: int(1, 3600)
    .default(15)
    .describe('How often attempts whose time is up are auto-submitted.'),
  DETECTION_ENABLED: bool
    .default(true)
    .describe(
      'Re-analyse sampled webcam snapshots on the server (trust but verify). Flags from the browser work either way.',
    ),
  DETECTION_WORKERS: int(1, 16)
    .default(1)
    .describe(
      'Detector worker threads for server analysis; each loads the models once (~300 MB, ~1 s).',
    ),
  DETECTION_NICE: int(0, 19)
    .default(10)
    .describe(
      'Nice value of the detector worker threads (Linux): under load ingest runs first and analysis takes what CPU is left. 0 = same priority as ingest.',
    ),
  DETECTION_INTERACTIVE_WORKERS: int(0, 4)
    .default(1)
    .describe(
      'Detector worker threads, never niced, for checks a person waits for (check-in face photo), started on first use. 0 = they queue with server analysis.',
    ),
  ANALYSIS_CPU_LIMIT_PERCENT: int(10, 100)
    .default(60)
    .describe(
      'Machine CPU use (all cores, all processes) above which server analysis slows to one ' +
        'snapshot per 2 s per detector worker, so uploads stay fast; 100: never slow down.',
    ),
  ANALYSIS_POLL_SECONDS: int(1, 600)
    .default(5)
    .describe('How often queued snapshot analyses are looked for (new ones also start at once).'),
  ANALYSIS_MAX_PER_SESSION: int(1, 1000)
    .default(5)
    .describe(
      'Routine snapshot samples one session may have waiting for analysis; older ones are dropped (recorded).',
    ),
  ANALYSIS_MAX_QUEUED: int(10, 1_000_000)
    .default(1000)
    .describe(
      'Snapshot analyses waiting on the whole server; beyond it routine samples are dropped (recorded), never detections.',
    ),
  FLAG_SWEEP_SECONDS: int(1, 600)
    .default(1)
    .describe('How often sessions with a detection still under way are re-judged into flags.'),
  EVIDENCE_SWEEP_SECONDS: int(1, 600)
    .default(5)
    .describe(
      'How often running attempts are checked for evidence that stopped arriving (segments, snapshots, detector reports) and ended ones for recordings that do not cover the attempt.',
    ),
  CONNECTION_LOST_SECONDS: int(0, 3600)
    .default(20)
    .describe(
      'A running attempt whose page sent nothing (no upload, no live heartbeat) for this long raises a connection-lost alert (0: never).',
    ),
  UPLOAD_BACKLOG_SECONDS: int(0, 3600)
    .default(60)
    .describe(
      'A running attempt whose page is still heard but whose recording reaches the server this many seconds late raises an uploads-falling-behind alert (0: never).',
    ),
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, 'Must start with smtp:// or smtps://')
    .optional()
    .describe(
      'SMTP server for e-mail notifications, e.g. smtp://user:pass@host:587 or smtps://host:465. Unset: no e-mail.',
    ),
  SMTP_FROM: z
    .string()
    .min(3)
    .max(320)
    .optional()
    .describe(
      'Sender of notification e-mails, e.g. "Invigil <invigil@uni.example>". Needed with SMTP_URL.',
    ),
  WEBHOOK_ALLOW_HTTP: bool
    .default(false)
    .describe(
      'Allow plain-http webhook URLs for any host (https is required except for localhost).',
    ),
  NOTIFICATION_POLL_SECONDS: int(1, 600)
    .default(5)
    .describe(
      'How often due webhook calls and e-mails (retries) are looked for (new ones go at once).',
    ),
  ICE_SERVERS: iceServers
    .optional()
    .describe(
      'Extra ICE servers for live views and calls, a JSON array of RTCIceServer, e.g. [{"urls":"stun:stun.example.org:3478"}]. Unset: none (host candidates only, enough on one LAN or loopback).',
    ),
  TURN_URLS: turnUrls
    .optional()
    .describe(
      'TURN relay URLs for live views and calls, comma-separated, e.g. turn:turn.example.org:3478?transport=udp,turns:turn.example.org:5349. Needs TURN_SECRET.',
    ),
  TURN_SECRET: z
    .string()
    .min(16, { message: 'Must be at least 16 characters' })
    .optional()
    .describe(
      'Shared secret of the TURN server (coturn use-auth-secret / static-auth-secret); browsers get short-lived credentials derived from it, never the secret. Never logged.',
    ),
  TURN_TTL_SECONDS: int(60, 7 * 24 * 3600)
    .default(3600)
    .describe('How long the TURN credentials handed to a browser stay valid.'),
  RTC_MAX_VIEWERS: int(1, 20)
    .default(2)
    .describe('Proctors who may have a live view or call open on one session at the same time.'),
  RTC_CONNECT_TIMEOUT_SECONDS: int(5, 600)
    .default(30)
    .describe(
      'A live view or call not connected (or reconnected) within this many seconds ends as timed out.',
    ),
  RTC_RING_TIMEOUT_SECONDS: int(5, 600)
    .default(45)
    .describe('A call the student has not answered within this many seconds ends as timed out.'),
  METRICS_TOKEN: z
    .string()
    .min(16, { message: 'Must be at least 16 characters' })
    .regex(/^\S+$/, 'Must not contain spaces')
    .optional()
    .describe(
      'Bearer token Prometheus sends to GET /metrics on the main port (Authorization: Bearer <token>). Unset: /metrics on the main port answers 404. Never logged.',
    ),
  METRICS_PORT: int(1, 65535)
    .optional()
    .describe(
      'A second port on HOST that serves only GET /metrics, without a token (keep it on a private network). Unset: none. With WORKERS > 1 either way shows the whole server.',
    ),
} as const;

const EnvSchema = z.object(ENV_SCHEMA);
type Env = z.infer<typeof EnvSchema>;

/**
 * Where the database lives: the embedded PostgreSQL (its data directory), PGlite (a
 * directory, or memory when undefined) or an external PostgreSQL. `poolSize`: connections
 * per process (default DEFAULT_POOL_SIZE of open-database.ts).
 */
export type DatabaseConfig =
  | { kind: 'embedded'; dataDir: string; poolSize?: number }
  | { kind: 'pglite'; dataDir?: string }
  | { kind: 'postgres'; url: string; poolSize?: number };

/** The resolved server configuration. Built from the environment by `loadConfig`, or by tests directly. */
export interface Config {
  env: Env['NODE_ENV'];
  host: string;
  port: number;
  publicUrl: string;
  dataDir: string;
  blobDir: string;
  database: DatabaseConfig;
  /** Redis URL for the event bus; unset = in-process (one server process). */
  redisUrl?: string | undefined;
  /** What this process does (see roles.ts); every role by default. */
  roles: ReadonlySet<ServerRole>;
  /** The job queue's adapter (bullmq needs redisUrl). */
  queue: 'database' | 'bullmq';
  /** How long a dead worker's job stays claimed before another worker takes it over. */
  jobLeaseMs: number;
  /** Where blobs are kept: `local` (blobDir) or `s3` (the bucket `s3` describes). */
  blobStore: 'local' | 's3';
  /** The S3 bucket, when one is configured (the store with BLOB_STORE=s3; migrate-storage's target). */
  s3?: S3Config | undefined;
  /** Server processes behind the one port (`invigil start`; 1: no cluster). */
  workers: number;
  logLevel: Env['LOG_LEVEL'];
  trustProxy: boolean;
  cookieSecure: boolean;
  sessionTtlHours: number;
  loginRateLimitPerMinute: number;
  /** Writes under /api allowed per signed-in user per minute (per process). */
  writeRateLimitPerMinute: number;
  /** How long after an attempt ended new uploads are still taken. */
  ingestGraceMs: number;
  /** Chat messages and announcements one user may send per window (per process). */
  chatRateLimit: { max: number; windowMs: number };
  loginLockoutThreshold: number;
  loginLockoutMinutes: number;
  /** How long a "forgot password" link works. */
  passwordResetMinutes: number;
  seedDemo: boolean;
  webDistDir: string;
  /** Interval of the sweeper that auto-submits attempts past their deadline. */
  deadlineSweepMs: number;
  /**
   * Server-side snapshot analysis: on or off, worker threads, queue polling interval, and
   * the queue's bounds: routine samples waiting per session and jobs waiting in all
   * (unset: DEFAULT_QUEUE_BOUNDS of the analysis queue).
   */
  detection: {
    enabled: boolean;
    workers: number;
    /** Nice value of the detector worker threads (0: unchanged; unset: 0). */
    nice?: number;
    /** Threads for interactive checks, never niced (0: they share the workers; unset: 1). */
    interactiveWorkers?: number;
    pollMs: number;
    queueBounds?: { perSession: number; total: number };
    /** ANALYSIS_CPU_LIMIT_PERCENT (unset: 100, never slows down). */
    cpuLimitPercent?: number;
  };
  /** Interval of the sweeper that turns lasting detections into flags. */
  flagSweepMs: number;
  /** Interval of the evidence watchdog (missing segments, snapshots, detector reports). */
  evidenceSweepMs: number;
  /** CONNECTION_LOST_SECONDS in ms (0: not watched). */
  connectionLostMs: number;
  /** UPLOAD_BACKLOG_SECONDS in ms (0: not watched). */
  uploadBacklogMs: number;
  /** Webhooks and e-mail: SMTP (unset = no e-mail), http allowance, sender polling and retries. */
  notifications: NotificationsConfig;
  /** Live views and calls (WebRTC): ICE servers, TURN credentials, limits and timeouts. */
  rtc: RtcConfig;
  /** Prometheus metrics: who may scrape them, and where. */
  metrics: MetricsConfig;
}

/** An S3-compatible bucket for blobs. `secretAccessKey` is never logged. */
export interface S3Config {
  endpoint?: string | undefined;
  region: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  forcePathStyle: boolean;
  prefix?: string | undefined;
}

/** Where Prometheus scrapes `GET /metrics`. */
export interface MetricsConfig {
  /** Bearer token for /metrics on the main port; undefined = that route answers 404. Never log it. */
  token?: string | undefined;
  /** A separate port on HOST serving /metrics without a token; undefined = none. */
  port?: number | undefined;
  /** How long values read from the database are reused between scrapes (default 10 s); tests set 0. */
  cacheMs?: number;
  /** How often each process records a sample for the System page (default 15 s); tests shorten it. */
  sampleMs?: number;
}

/** Settings of live views and calls between proctors' and students' browsers. */
export interface RtcConfig {
  /** ICE servers given to browsers as they are (STUN, or TURN with fixed credentials). */
  iceServers: IceServer[];
  /** TURN with short-lived credentials (coturn use-auth-secret); undefined = none. */
  turn?: { urls: string[]; secret: string; ttlSeconds: number } | undefined;
  /** Proctors with open links on one session at most. */
  maxViewers: number;
  /** A link not live this long after (re)connecting began ends `timeout`. */
  connectTimeoutMs: number;
  /** A call still ringing this long ends `timeout`. */
  ringTimeoutMs: number;
  /** How long a student's page may be away (a reload) before their links end; tests shorten it. */
  studentLeftGraceMs?: number;
  /** How long a proctor's dropped socket may take to come back and re-claim its links (default 3 s). */
  ownerLeftGraceMs?: number;
}

/** Settings of notifications beyond the browser (webhooks and e-mail). */
export interface NotificationsConfig {
  /** SMTP connection URL; undefined = e-mail off. Holds a password: never log it. */
  smtpUrl?: string | undefined;
  /** Sender address of e-mails (required with smtpUrl). */
  smtpFrom?: string | undefined;
  /** Plain-http webhook URLs allowed for any host, not only localhost. */
  allowHttpWebhooks: boolean;
  /** How often the sender looks for due deliveries. */
  pollMs: number;
  /** First retry delay; each further retry waits four times longer (with jitter). */
  retryBaseMs: number;
  /** Attempts before a delivery is given up. */
  maxAttempts: number;
}

/** Raised when the environment is invalid; `problems` lists every problem, one per line. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

// The web app's build folder, found from here whether running from src/ or the bundled dist/.
function defaultWebDist(): string {
  try {
    return path.join(path.dirname(findUp('apps/web/package.json')), 'dist');
  } catch {
    return path.resolve('apps/web/dist');
  }
}

/**
 * Parse and cross-check the whole environment at once, so an operator sees every problem
 * in one go. Empty strings count as unset.
 */
export function loadConfig(source: Record<string, string | undefined> = process.env): Config {
  const raw: Record<string, string> = {};
  for (const key of Object.keys(ENV_SCHEMA)) {
    const value = source[key];
    if (value !== undefined && value.trim() !== '') raw[key] = value.trim();
  }
  const parsed = EnvSchema.safeParse(raw);
  const problems: string[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      problems.push(`${issue.path.join('.')}: ${issue.message}`);
    }
    throw new ConfigError(problems);
  }
  const e = parsed.data;
  const publicUrl = e.PUBLIC_URL ?? `http://localhost:${e.PORT}`;
  const https = publicUrl.startsWith('https:');
  if (!/^https?:/.test(publicUrl)) problems.push('PUBLIC_URL: must use http or https');
  const cookieSecure = e.COOKIE_SECURE ?? https;
  if (cookieSecure && !https) {
    problems.push(
      'COOKIE_SECURE=true conflicts with an http PUBLIC_URL: browsers would drop the cookie',
    );
  }
  const seedDemo = e.SEED_DEMO ?? e.NODE_ENV !== 'production';
  if (seedDemo && e.NODE_ENV === 'production') {
    problems.push(
      'SEED_DEMO=true conflicts with NODE_ENV=production: demo accounts have known roles',
    );
  }
  if (e.SMTP_URL && !e.SMTP_FROM) {
    problems.push('SMTP_URL is set but SMTP_FROM is not: e-mails need a sender address');
  }
  if (e.SMTP_FROM && !e.SMTP_URL) {
    problems.push('SMTP_FROM is set but SMTP_URL is not: there is no server to send through');
  }
  if (e.TURN_URLS && !e.TURN_SECRET) {
    problems.push('TURN_URLS is set but TURN_SECRET is not: browsers could not sign in to TURN');
  }
  if (e.TURN_SECRET && !e.TURN_URLS) {
    problems.push('TURN_SECRET is set but TURN_URLS is not: there is no TURN server to use it');
  }
  if (e.QUEUE === 'bullmq' && !e.REDIS_URL) problems.push('QUEUE=bullmq needs REDIS_URL');
  // A bucket is described in full or not at all (migrate-storage uses it before BLOB_STORE=s3).
  if (e.BLOB_STORE === 's3' || e.S3_BUCKET) {
    const why = e.BLOB_STORE === 's3' ? 'BLOB_STORE=s3' : 'S3_BUCKET';
    for (const name of ['S3_BUCKET', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY'] as const) {
      if (!e[name]) problems.push(`${why} needs ${name}`);
    }
  }
  if (e.METRICS_PORT !== undefined && e.METRICS_PORT === e.PORT) {
    problems.push(
      'METRICS_PORT equals PORT: metrics need a port of their own (or use METRICS_TOKEN)',
    );
  }
  const dataDir = path.resolve(e.DATA_DIR);
  const database = databaseConfig(e, dataDir);
  if (database.kind === 'pglite' && typeof e.WORKERS === 'number' && e.WORKERS > 1) {
    problems.push(
      'WORKERS above 1 needs a database several processes share: PGlite runs inside one ' +
        'process (use DATABASE_ENGINE=embedded or DATABASE_URL)',
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);

  return {
    env: e.NODE_ENV,
    host: e.HOST,
    port: e.PORT,
    publicUrl,
    dataDir,
    blobDir: path.resolve(e.BLOB_DIR ?? path.join(dataDir, 'blobs')),
    database,
    redisUrl: e.REDIS_URL,
    roles: e.ROLES,
    queue: e.QUEUE,
    jobLeaseMs: e.JOB_LEASE_SECONDS * 1000,
    blobStore: e.BLOB_STORE,
    s3: e.S3_BUCKET
      ? {
          endpoint: e.S3_ENDPOINT,
          region: e.S3_REGION,
          bucket: e.S3_BUCKET ?? '',
          accessKeyId: e.S3_ACCESS_KEY_ID ?? '',
          secretAccessKey: e.S3_SECRET_ACCESS_KEY ?? '',
          forcePathStyle: e.S3_FORCE_PATH_STYLE ?? e.S3_ENDPOINT !== undefined,
          prefix: e.S3_PREFIX,
        }
      : undefined,
    workers: workerCount(e.WORKERS, database),
    logLevel: e.LOG_LEVEL,
    trustProxy: e.TRUST_PROXY,
    cookieSecure,
    sessionTtlHours: e.SESSION_TTL_HOURS,
    loginRateLimitPerMinute: e.LOGIN_RATE_LIMIT_PER_MINUTE,
    writeRateLimitPerMinute: e.WRITE_RATE_LIMIT_PER_MINUTE,
    ingestGraceMs: e.INGEST_GRACE_MINUTES * 60_000,
    chatRateLimit: { max: e.CHAT_MESSAGES_PER_30_SECONDS, windowMs: 30_000 },
    loginLockoutThreshold: e.LOGIN_LOCKOUT_THRESHOLD,
    loginLockoutMinutes: e.LOGIN_LOCKOUT_MINUTES,
    passwordResetMinutes: e.PASSWORD_RESET_MINUTES,
    seedDemo,
    webDistDir: path.resolve(e.WEB_DIST_DIR ?? defaultWebDist()),
    deadlineSweepMs: e.DEADLINE_SWEEP_SECONDS * 1000,
    detection: {
      enabled: e.DETECTION_ENABLED,
      workers: e.DETECTION_WORKERS,
      nice: e.DETECTION_NICE,
      interactiveWorkers: e.DETECTION_INTERACTIVE_WORKERS,
      pollMs: e.ANALYSIS_POLL_SECONDS * 1000,
      cpuLimitPercent: e.ANALYSIS_CPU_LIMIT_PERCENT,
      queueBounds: { perSession: e.ANALYSIS_MAX_PER_SESSION, total: e.ANALYSIS_MAX_QUEUED },
    },
    flagSweepMs: e.FLAG_SWEEP_SECONDS * 1000,
    evidenceSweepMs: e.EVIDENCE_SWEEP_SECONDS * 1000,
    connectionLostMs: e.CONNECTION_LOST_SECONDS * 1000,
    uploadBacklogMs: e.UPLOAD_BACKLOG_SECONDS * 1000,
    notifications: {
      smtpUrl: e.SMTP_URL,
      smtpFrom: e.SMTP_FROM,
      allowHttpWebhooks: e.WEBHOOK_ALLOW_HTTP,
      pollMs: e.NOTIFICATION_POLL_SECONDS * 1000,
      retryBaseMs: 30_000,
      maxAttempts: 8,
    },
    rtc: {
      iceServers: e.ICE_SERVERS ?? [],
      turn:
        e.TURN_URLS && e.TURN_SECRET
          ? { urls: e.TURN_URLS, secret: e.TURN_SECRET, ttlSeconds: e.TURN_TTL_SECONDS }
          : undefined,
      maxViewers: e.RTC_MAX_VIEWERS,
      connectTimeoutMs: e.RTC_CONNECT_TIMEOUT_SECONDS * 1000,
      ringTimeoutMs: e.RTC_RING_TIMEOUT_SECONDS * 1000,
    },
    metrics: { token: e.METRICS_TOKEN, port: e.METRICS_PORT },
  };
}

/**
 * DATABASE_URL, else DATABASE_ENGINE. Left unset, an installation that already keeps its data
 * in PGlite (from before the embedded PostgreSQL was the default) stays on it rather than
 * starting over in an empty database.
 */
function databaseConfig(e: Env, dataDir: string): DatabaseConfig {
  const poolSize = e.DATABASE_POOL_SIZE;
  if (e.DATABASE_URL) return { kind: 'postgres', url: e.DATABASE_URL, poolSize };
  const pglite = path.join(dataDir, 'pglite');
  const postgres = path.join(dataDir, 'postgres');
  const engine =
    e.DATABASE_ENGINE ??
    (existsSync(path.join(pglite, 'PG_VERSION')) && !existsSync(postgres) ? 'pglite' : 'embedded');
  return engine === 'pglite'
    ? { kind: 'pglite', dataDir: pglite }
    : { kind: 'embedded', dataDir: postgres, poolSize };
}

/** WORKERS resolved: `auto` is one process per core, or one on PGlite (it lives in one process). */
function workerCount(workers: Env['WORKERS'], database: DatabaseConfig): number {
  if (workers !== 'auto') return workers;
  return database.kind === 'pglite' ? 1 : os.availableParallelism();
}

/** Human-readable list of the variables, for `invigil config` and the README. */
export function describeEnv(): string {
  return Object.entries(ENV_SCHEMA)
    .map(([key, schema]) => `${key}\n    ${schema.description ?? ''}`)
    .join('\n');
}
