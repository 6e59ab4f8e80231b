import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { findUp } from '../paths.js';
import { parseRoles } from '../roles.js';
import type { DatabaseConfig } from './env-database.js';
import { bool, int } from './env-values.js';

/**
 * Where the server listens and keeps its data. First in ENV_SCHEMA, so `invigil config` and
 * the docs open with what every installation sets.
 */
export const SERVER_ENV = {
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
      'Address users reach the server at; https makes cookies Secure; in production passkeys are ' +
        'bound to its host name. Default http://localhost:PORT.',
    ),
  DATA_DIR: z
    .string()
    .min(1)
    .default('./data')
    .describe('Directory for embedded data (database, blobs).'),
} as const;

/**
 * What this process does and how many of them `invigil start` runs. Kept together because
 * scaling out is one decision: roles, process count and log verbosity per process.
 */
export const PROCESS_ENV = {
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
} as const;

/**
 * What the server serves and seeds, and how promptly it ends attempts whose time is up:
 * settings of the exam application itself rather than of its infrastructure.
 */
export const APP_ENV = {
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
} as const;

/**
 * The web app's build folder, found from here whether running from src/ or the bundled dist/,
 * so WEB_DIST_DIR is needed only for a build kept elsewhere.
 */
export function defaultWebDist(): string {
  try {
    return path.join(path.dirname(findUp('apps/web/package.json')), 'dist');
  } catch {
    return path.resolve('apps/web/dist');
  }
}

/** WORKERS resolved: `auto` is one process per core, or one on PGlite (it lives in one process). */
export function workerCount(
  workers: z.infer<typeof PROCESS_ENV.WORKERS>,
  database: DatabaseConfig,
): number {
  if (workers !== 'auto') return workers;
  return database.kind === 'pglite' ? 1 : os.availableParallelism();
}
