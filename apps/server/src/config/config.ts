import path from 'node:path';
import { z } from 'zod';
import type { ServerRole } from '../roles.js';
import { APP_ENV, defaultWebDist, PROCESS_ENV, SERVER_ENV, workerCount } from './env-core.js';
import { DATABASE_ENV, databaseConfig, type DatabaseConfig } from './env-database.js';
import { DETECTION_ENV, detectionConfig, type DetectionConfig } from './env-detection.js';
import { LIVE_ENV, liveProblems, rtcConfig, type RtcConfig } from './env-live.js';
import { METRICS_ENV, metricsConfig, metricsProblems, type MetricsConfig } from './env-metrics.js';
import {
  NOTIFICATIONS_ENV,
  notificationsConfig,
  notificationsProblems,
  type NotificationsConfig,
} from './env-notifications.js';
import { SECURITY_ENV, securityProblems, type TrustProxy } from './env-security.js';
import { s3Config, STORAGE_ENV, storageProblems, type S3Config } from './env-storage.js';
import { KEYS_ENV, keySource, keysProblems, type KeySource } from './env-keys.js';
import { OIDC_ENV, oidcConfig, oidcProblems, type OidcConfig } from './env-oidc.js';

// The parts of the configuration live in env-*.ts by area; importers keep using this module.
export type { DatabaseConfig, MetricsConfig, NotificationsConfig, OidcConfig, RtcConfig, S3Config };

/**
 * Every environment variable the server reads, with its default and meaning.
 * This object is the documentation: `invigil config` prints it and README lists it.
 * The areas are spread so the variables keep the order `invigil config` has always printed.
 */
export const ENV_SCHEMA = {
  ...SERVER_ENV,
  ...DATABASE_ENV,
  ...STORAGE_ENV,
  ...PROCESS_ENV,
  ...SECURITY_ENV,
  ...KEYS_ENV,
  ...OIDC_ENV,
  ...APP_ENV,
  ...DETECTION_ENV,
  ...NOTIFICATIONS_ENV,
  ...LIVE_ENV,
  ...METRICS_ENV,
} as const;

const EnvSchema = z.object(ENV_SCHEMA);
type Env = z.infer<typeof EnvSchema>;

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
  /** Where the master keys of encryption at rest come from. */
  masterKeys: KeySource;
  /** Where the keys that sign the audit trail come from. */
  auditKeys: KeySource;
  /** Where blobs are kept: `local` (blobDir) or `s3` (the bucket `s3` describes). */
  blobStore: 'local' | 's3';
  /** The S3 bucket, when one is configured (the store with BLOB_STORE=s3; migrate-storage's target). */
  s3?: S3Config | undefined;
  /** Server processes behind the one port (`invigil start`; 1: no cluster). */
  workers: number;
  logLevel: Env['LOG_LEVEL'];
  /** X-Forwarded-* hops to trust: none, a number of proxies, or their addresses. */
  trustProxy: TrustProxy;
  cookieSecure: boolean;
  sessionTtlHours: number;
  loginRateLimitPerMinute: number;
  /** Writes under /api allowed per signed-in user per minute (per process). */
  writeRateLimitPerMinute: number;
  /** How long after an attempt ended new uploads are still taken. */
  ingestGraceMs: number;
  /** Chat messages and announcements one user may send per window (per process). */
  chatRateLimit: { max: number; windowMs: number };
  /** How failed sign-ins slow further attempts. */
  signInThrottle: { freeFailures: number; maxDelayMs: number };
  /** How long a "forgot password" link works. */
  passwordResetMinutes: number;
  /** How long API tokens work: when not chosen, and at most (days). */
  apiTokenDays: { default: number; max: number };
  seedDemo: boolean;
  webDistDir: string;
  /** Interval of the sweeper that auto-submits attempts past their deadline. */
  deadlineSweepMs: number;
  /** Server-side snapshot analysis (see DetectionConfig). */
  detection: DetectionConfig;
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
  /** Single sign-on with an OpenID Connect provider; undefined = passwords only. */
  oidc?: OidcConfig | undefined;
  /** LTI Advantage services: retries of grades sent to platforms, roster sync schedule (not settings). */
  ltiServices: LtiServicesConfig;
}

/** Fixed schedules of the LTI Advantage services; tests build their own with shorter ones. */
export interface LtiServicesConfig {
  /** Delay after a grade's first failed send, doubled after each further one. */
  gradeRetryBaseMs: number;
  /** Sends of a grade before it is shown as failed. */
  gradeMaxAttempts: number;
  /** Courses' rosters are synchronised again after this long. */
  rosterSyncMs: number;
  /** How often the schedule looks for rosters due (the first look comes after one interval). */
  rosterCheckMs: number;
}

/** Raised when the environment is invalid; `problems` lists every problem, one per line. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
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
  // Area by area, in the order these problems have always been reported.
  problems.push(
    ...notificationsProblems(e),
    ...liveProblems(e),
    ...storageProblems(e),
    ...metricsProblems(e, e.PORT),
    ...keysProblems(e),
    ...securityProblems(e),
    ...oidcProblems(e),
  );
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
    masterKeys: keySource(e, 'MASTER_KEY', dataDir),
    auditKeys: keySource(e, 'AUDIT_KEY', dataDir),
    blobStore: e.BLOB_STORE,
    s3: s3Config(e),
    workers: workerCount(e.WORKERS, database),
    logLevel: e.LOG_LEVEL,
    trustProxy: e.TRUST_PROXY,
    cookieSecure,
    sessionTtlHours: e.SESSION_TTL_HOURS,
    loginRateLimitPerMinute: e.LOGIN_RATE_LIMIT_PER_MINUTE,
    writeRateLimitPerMinute: e.WRITE_RATE_LIMIT_PER_MINUTE,
    ingestGraceMs: e.INGEST_GRACE_MINUTES * 60_000,
    chatRateLimit: { max: e.CHAT_MESSAGES_PER_30_SECONDS, windowMs: 30_000 },
    signInThrottle: {
      freeFailures: e.SIGN_IN_FREE_FAILURES,
      maxDelayMs: e.SIGN_IN_MAX_DELAY_MINUTES * 60_000,
    },
    passwordResetMinutes: e.PASSWORD_RESET_MINUTES,
    apiTokenDays: { default: e.API_TOKEN_DEFAULT_DAYS, max: e.API_TOKEN_MAX_DAYS },
    seedDemo,
    webDistDir: path.resolve(e.WEB_DIST_DIR ?? defaultWebDist()),
    deadlineSweepMs: e.DEADLINE_SWEEP_SECONDS * 1000,
    detection: detectionConfig(e),
    flagSweepMs: e.FLAG_SWEEP_SECONDS * 1000,
    evidenceSweepMs: e.EVIDENCE_SWEEP_SECONDS * 1000,
    connectionLostMs: e.CONNECTION_LOST_SECONDS * 1000,
    uploadBacklogMs: e.UPLOAD_BACKLOG_SECONDS * 1000,
    notifications: notificationsConfig(e),
    rtc: rtcConfig(e),
    metrics: metricsConfig(e),
    oidc: oidcConfig(e),
    ltiServices: {
      gradeRetryBaseMs: 60_000,
      gradeMaxAttempts: 6,
      rosterSyncMs: 6 * 3_600_000,
      rosterCheckMs: 15 * 60_000,
    },
  };
}

/** Human-readable list of the variables, for `invigil config` and the README. */
export function describeEnv(): string {
  return Object.entries(ENV_SCHEMA)
    .map(([key, schema]) => `${key}\n    ${schema.description ?? ''}`)
    .join('\n');
}
