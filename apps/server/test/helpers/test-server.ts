import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';
import type { Role } from '@invigil/contracts';
import { createApp, type AppOverrides, type InvigilApp } from '../../src/app.js';
import { type Config, loadConfig } from '../../src/config/config.js';
import { formatMasterKey, generateMasterKey } from '../../src/crypto/master-keys.js';
import type { Clock } from '../../src/ports/clock.port.js';
import { insertUser } from '../../src/services/accounts/users.service.js';
import { HttpClient } from './http-client.js';

/** Database engines the integration suites run on. */
export type Engine = 'pglite' | 'postgres';

/** The engines available in this run: PGlite always, PostgreSQL when the harness started one. */
export function engines(): Engine[] {
  return inject('postgresAdminUrl') ? ['pglite', 'postgres'] : ['pglite'];
}

/**
 * The engine of suites whose subject is request handling rather than the database:
 * authorization, validation, tampered or hostile input, detection, sign-in and mail flows,
 * chat, interventions, live views, alerts and grading. They run on PGlite only (a real
 * PostgreSQL, embedded). The suites about transactions, locks, queues, storage, retention and
 * migrations run on both engines (`engines()`), which is where the embedded and the server
 * PostgreSQL could differ; running the request suites twice doubled their time for no new
 * evidence.
 */
export function requestEngines(): Engine[] {
  return ['pglite'];
}

/** A clock tests can move. */
export class TestClock implements Clock {
  private offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
  advance(ms: number): void {
    this.offsetMs += ms;
  }
}

/** A password that satisfies the policy, used for every test user. */
export const TEST_PASSWORD = 'correct horse battery staple';

/** A real server on a random loopback port with its own fresh database. */
export interface TestServer {
  url: string;
  engine: Engine;
  clock: TestClock;
  instance: InvigilApp;
  /** An anonymous client (no cookie). */
  anonymous(): HttpClient;
  /** Create a user directly in the database and return a signed-in client for them. */
  signedIn(role: Role, name?: string): Promise<HttpClient & { userId: string; email: string }>;
  close(): Promise<void>;
}

/** A fresh, empty PostgreSQL database on the harness server; `drop` removes it. */
export async function createPgDatabase(
  adminUrl: string,
): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `invigil_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  return {
    url: adminUrl.replace(/\/postgres$/, `/${name}`),
    drop: async () => {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

/** The audit key of every test server in this process (audit keys are process-wide). */
export const TEST_AUDIT_KEY = formatMasterKey(generateMasterKey('test'));

/**
 * Start a server for one test file. `overrides` adjust the configuration; `app` passes
 * adapters in (a detector shared by a file's servers). Server-side snapshot analysis is off
 * unless a test turns it on: loading the models costs ~1 s and ~300 MB per worker. The
 * evidence watchdog does not run on its own.
 */
export async function startTestServer(
  engine: Engine,
  overrides: Partial<Config> = {},
  app: Pick<AppOverrides, 'detector' | 'bus'> = {},
): Promise<TestServer> {
  const clock = new TestClock();
  let dropDb: (() => Promise<void>) | undefined;
  const base = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    SEED_DEMO: 'false',
  });
  let database: Config['database'] = { kind: 'pglite' };
  if (engine === 'postgres') {
    const adminUrl = inject('postgresAdminUrl');
    if (!adminUrl) throw new Error('PostgreSQL leg requested but no server was started');
    const created = await createPgDatabase(adminUrl);
    dropDb = created.drop;
    database = { kind: 'postgres', url: created.url };
  }
  const dataDir = path.join(os.tmpdir(), `invigil-test-${randomBytes(6).toString('hex')}`);
  const config: Config = {
    ...base,
    dataDir,
    blobDir: path.join(dataDir, 'blobs'),
    // Generated into this server's own directory (the base config names the default one).
    masterKeys: { kind: 'generated', path: path.join(dataDir, 'master.key') },
    // One audit key for every server of this test process: the key is process-wide.
    auditKeys: { kind: 'value', value: TEST_AUDIT_KEY },
    database,
    port: 0,
    loginRateLimitPerMinute: 10_000,
    detection: { ...base.detection, enabled: false },
    // The evidence watchdog sweeps only when a test asks (`instance.evidence.sweep()`): on its
    // timer it would flag every attempt a test leaves without uploads.
    evidenceSweepMs: 3_600_000,
    // Connection-lost alerts only where a test asks (most tests upload nothing for minutes).
    connectionLostMs: 0,
    // Likewise uploads falling behind (tests move the clock far past their uploads).
    uploadBacklogMs: 0,
    ...overrides,
  };
  const instance = await createApp(config, { clock, ...app });
  // Port 0 (any free port) unless a test fixed one (its PUBLIC_URL must name the port).
  const address = await instance.app.listen({ host: '127.0.0.1', port: config.port });
  let counter = 0;
  return {
    url: address,
    engine,
    clock,
    instance,
    anonymous: () => new HttpClient(address),
    async signedIn(role, name) {
      counter += 1;
      const email = `${role}${counter}-${randomBytes(3).toString('hex')}@test.invigil.test`;
      const row = await insertUser(instance.database.db, {
        email,
        name: name ?? `${role} ${counter}`,
        role,
        password: TEST_PASSWORD,
      });
      const client = new HttpClient(address);
      await client.login(email, TEST_PASSWORD);
      return Object.assign(client, { userId: row.id, email });
    },
    async close() {
      await instance.close();
      await dropDb?.();
      // Each server's blobs are its own: thousands of test runs must not fill the disk.
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
