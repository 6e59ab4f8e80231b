import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatMasterKey, generateMasterKey } from '../crypto/master-keys.js';
import { ConfigError, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('trusts a number of proxies or their addresses, never every hop', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'false' }).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.5, 10.1.0.0/16,::1' }).trustProxy).toEqual([
      '10.0.0.5',
      '10.1.0.0/16',
      '::1',
    ]);
    expect(() => loadConfig({ TRUST_PROXY: 'true' })).toThrow(
      /TRUST_PROXY: true would trust every/,
    );
    expect(() => loadConfig({ TRUST_PROXY: '0' })).toThrow(/from 1 to 10/);
    expect(() => loadConfig({ TRUST_PROXY: 'proxy.internal' })).toThrow(/not: proxy.internal/);
  });

  it('takes master keys from MASTER_KEY or MASTER_KEY_FILE, and generates one only outside production', () => {
    const key = formatMasterKey(generateMasterKey('k1'));
    expect(loadConfig({ MASTER_KEY: key }).masterKeys).toEqual({ kind: 'value', value: key });
    expect(loadConfig({ MASTER_KEY_FILE: '/etc/k' }).masterKeys).toEqual({
      kind: 'file',
      path: '/etc/k',
    });
    const generated = loadConfig({ DATA_DIR: '/srv/invigil' }).masterKeys;
    expect(generated).toEqual({ kind: 'generated', path: path.join('/srv/invigil', 'master.key') });
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig(env);
        return '';
      } catch (err) {
        return (err as ConfigError).problems.join('\n');
      }
    };
    expect(problems({ NODE_ENV: 'production' })).toMatch(
      /MASTER_KEY or MASTER_KEY_FILE is required/,
    );
    expect(problems({ MASTER_KEY: key, MASTER_KEY_FILE: '/k' })).toMatch(/both set/);
    // A malformed key is reported without quoting it.
    const bad = 'k1:c2VjcmV0LWtleS1tYXRlcmlhbA==';
    expect(problems({ MASTER_KEY: bad })).toMatch(/^MASTER_KEY: /m);
    expect(problems({ MASTER_KEY: bad })).not.toContain('c2VjcmV0');
  });

  it('uses embedded defaults when nothing is set', () => {
    const c = loadConfig({});
    expect(c.port).toBe(8080);
    expect(c.database.kind).toMatch(/^(embedded|pglite)$/); // pglite only if ./data holds one
    expect(c.dataDir.endsWith('data')).toBe(true);
    expect(c.blobDir.endsWith('blobs')).toBe(true);
    expect(c.cookieSecure).toBe(false);
    expect(c.seedDemo).toBe(true);
  });

  it('switches to PostgreSQL with DATABASE_URL', () => {
    const c = loadConfig({ DATABASE_URL: 'postgres://u:p@localhost:5432/db' });
    expect(c.database).toEqual({
      kind: 'postgres',
      url: 'postgres://u:p@localhost:5432/db',
      poolSize: 20,
    });
    // DATABASE_ENGINE only chooses between the embedded engines.
    const both = loadConfig({ DATABASE_URL: 'postgres://h/db', DATABASE_ENGINE: 'pglite' });
    expect(both.database.kind).toBe('postgres');
  });

  it('defaults to the embedded PostgreSQL in DATA_DIR/postgres, PGlite on request', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'invigil-config-'));
    try {
      expect(loadConfig({ DATA_DIR: dir, DATABASE_POOL_SIZE: '8' }).database).toEqual({
        kind: 'embedded',
        dataDir: path.join(dir, 'postgres'),
        poolSize: 8,
      });
      expect(loadConfig({ DATA_DIR: dir, DATABASE_ENGINE: 'pglite' }).database).toEqual({
        kind: 'pglite',
        dataDir: path.join(dir, 'pglite'),
      });
      expect(() => loadConfig({ DATABASE_ENGINE: 'sqlite' })).toThrow(/DATABASE_ENGINE/);
      expect(() => loadConfig({ DATABASE_POOL_SIZE: '0' })).toThrow(/DATABASE_POOL_SIZE/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps an installation whose data is in PGlite on PGlite unless told otherwise', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'invigil-config-'));
    try {
      mkdirSync(path.join(dir, 'pglite'));
      writeFileSync(path.join(dir, 'pglite', 'PG_VERSION'), '17\n');
      expect(loadConfig({ DATA_DIR: dir }).database.kind).toBe('pglite');
      expect(loadConfig({ DATA_DIR: dir, DATABASE_ENGINE: 'embedded' }).database.kind).toBe(
        'embedded',
      );
      // Once the embedded PostgreSQL exists, it is the one in use.
      mkdirSync(path.join(dir, 'postgres'));
      expect(loadConfig({ DATA_DIR: dir }).database.kind).toBe('embedded');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs WORKERS server processes: auto is one per core, PGlite only ever one', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://h/db', WORKERS: '3' }).workers).toBe(3);
    expect(loadConfig({ DATABASE_URL: 'postgres://h/db', WORKERS: 'auto' }).workers).toBe(
      os.availableParallelism(),
    );
    expect(loadConfig({ DATABASE_ENGINE: 'pglite', WORKERS: 'auto' }).workers).toBe(1);
    expect(() => loadConfig({ DATABASE_ENGINE: 'pglite', WORKERS: '2' })).toThrow(
      /WORKERS above 1 needs a database several processes share/,
    );
    expect(() => loadConfig({ WORKERS: 'many' })).toThrow(/WORKERS/);
    expect(() => loadConfig({ WORKERS: '0' })).toThrow(/WORKERS/);
  });

  it('reports every problem at once', () => {
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', LOG_LEVEL: 'loud' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const problems = (err as ConfigError).problems.join('\n');
      expect(problems).toMatch(/PORT/);
      expect(problems).toMatch(/DATABASE_URL/);
      expect(problems).toMatch(/LOG_LEVEL/);
    }
  });

  it('rejects conflicting settings', () => {
    expect(() => loadConfig({ COOKIE_SECURE: 'true' })).toThrow(/COOKIE_SECURE/);
    expect(() => loadConfig({ NODE_ENV: 'production', SEED_DEMO: 'true' })).toThrow(/SEED_DEMO/);
    const keys = { MASTER_KEY_FILE: '/k', AUDIT_KEY_FILE: '/a' };
    expect(loadConfig({ NODE_ENV: 'production', ...keys }).seedDemo).toBe(false);
  });

  it('chooses the job queue and the blob store, and says what each needs', () => {
    const plain = loadConfig({});
    expect(plain.queue).toBe('database');
    expect(plain.s3).toBeUndefined();
    expect(plain.blobStore).toBe('local');
    expect(() => loadConfig({ S3_BUCKET: 'media' })).toThrow(/S3_BUCKET needs S3_ACCESS_KEY_ID/);
    expect(() => loadConfig({ QUEUE: 'bullmq' })).toThrow(/QUEUE=bullmq needs REDIS_URL/);
    expect(loadConfig({ QUEUE: 'bullmq', REDIS_URL: 'redis://127.0.0.1:6379' }).queue).toBe(
      'bullmq',
    );
    try {
      loadConfig({ BLOB_STORE: 's3' });
      expect.unreachable();
    } catch (err) {
      const problems = (err as ConfigError).problems.join('\n');
      expect(problems).toMatch(/needs S3_BUCKET/);
      expect(problems).toMatch(/needs S3_ACCESS_KEY_ID/);
      expect(problems).toMatch(/needs S3_SECRET_ACCESS_KEY/);
    }
    expect(() => loadConfig({ BLOB_STORE: 's3', S3_ENDPOINT: 'ftp://x' })).toThrow(/S3_ENDPOINT/);
    expect(() => loadConfig({ S3_PREFIX: 'a/../b' })).toThrow(/S3_PREFIX/);
    const aws = { S3_BUCKET: 'media', S3_ACCESS_KEY_ID: 'k', S3_SECRET_ACCESS_KEY: 's' };
    // Amazon S3 addresses the bucket in the host name; a self-hosted endpoint in the path.
    expect(loadConfig(aws).s3?.forcePathStyle).toBe(false);
    expect(loadConfig({ ...aws, S3_PREFIX: 'exams/2026' }).s3?.prefix).toBe('exams/2026');
    const s3 = loadConfig({
      BLOB_STORE: 's3',
      S3_ENDPOINT: 'http://127.0.0.1:7480',
      S3_BUCKET: 'exam-media',
      S3_ACCESS_KEY_ID: 'AK',
      S3_SECRET_ACCESS_KEY: 'SK',
    }).s3;
    expect(s3).toEqual({
      endpoint: 'http://127.0.0.1:7480',
      region: 'us-east-1',
      bucket: 'exam-media',
      accessKeyId: 'AK',
      secretAccessKey: 'SK',
      forcePathStyle: true,
      prefix: undefined,
    });
  });

  it('hands a dead worker’s job over after JOB_LEASE_SECONDS, a minute by default', () => {
    expect(loadConfig({}).jobLeaseMs).toBe(60_000);
    expect(loadConfig({ JOB_LEASE_SECONDS: '2' }).jobLeaseMs).toBe(2_000);
    expect(() => loadConfig({ JOB_LEASE_SECONDS: '0' })).toThrow(/JOB_LEASE_SECONDS/);
    expect(() => loadConfig({ JOB_LEASE_SECONDS: '1.5' })).toThrow(/JOB_LEASE_SECONDS/);
  });

  it('turns e-mail on only with both SMTP_URL and SMTP_FROM', () => {
    expect(loadConfig({}).notifications.smtpUrl).toBeUndefined();
    const on = loadConfig({ SMTP_URL: 'smtp://u:p@mail:587', SMTP_FROM: 'Invigil <i@x.example>' });
    expect(on.notifications).toMatchObject({ smtpUrl: 'smtp://u:p@mail:587', maxAttempts: 8 });
    expect(() => loadConfig({ SMTP_URL: 'smtp://mail:25' })).toThrow(/SMTP_FROM/);
    expect(() => loadConfig({ SMTP_FROM: 'i@x.example' })).toThrow(/SMTP_URL/);
    expect(() => loadConfig({ SMTP_URL: 'http://mail', SMTP_FROM: 'i@x.example' })).toThrow(
      /SMTP_URL/,
    );
  });

  it('lets API tokens work 90 days by default and 365 at most, the maximum never below the default', () => {
    expect(loadConfig({}).apiTokenDays).toEqual({ default: 90, max: 365 });
    expect(
      loadConfig({ API_TOKEN_DEFAULT_DAYS: '30', API_TOKEN_MAX_DAYS: '30' }).apiTokenDays,
    ).toEqual({ default: 30, max: 30 });
    expect(() => loadConfig({ API_TOKEN_DEFAULT_DAYS: '100', API_TOKEN_MAX_DAYS: '50' })).toThrow(
      /API_TOKEN_MAX_DAYS/,
    );
  });

  it('makes "forgot password" links last PASSWORD_RESET_MINUTES, 30 by default', () => {
    expect(loadConfig({}).passwordResetMinutes).toBe(30);
    expect(loadConfig({ PASSWORD_RESET_MINUTES: '60' }).passwordResetMinutes).toBe(60);
    expect(() => loadConfig({ PASSWORD_RESET_MINUTES: '2' })).toThrow(/PASSWORD_RESET_MINUTES/);
  });

  it('reads live view settings: ICE servers, TURN with its secret, limits', () => {
    const d = loadConfig({}).rtc;
    expect(d).toMatchObject({ iceServers: [], maxViewers: 2, connectTimeoutMs: 30_000 });
    expect(d.ringTimeoutMs).toBe(45_000);
    expect(d.turn).toBeUndefined();
    const c = loadConfig({
      ICE_SERVERS: '[{"urls":"stun:stun.example.org:3478"}]',
      TURN_URLS: 'turn:t.example.org:3478, turns:t.example.org:5349',
      TURN_SECRET: 'a-secret-of-enough-length',
      TURN_TTL_SECONDS: '600',
    }).rtc;
    expect(c.iceServers).toEqual([{ urls: 'stun:stun.example.org:3478' }]);
    expect(c.turn).toEqual({
      urls: ['turn:t.example.org:3478', 'turns:t.example.org:5349'],
      secret: 'a-secret-of-enough-length',
      ttlSeconds: 600,
    });
    expect(() => loadConfig({ ICE_SERVERS: 'not json' })).toThrow(/ICE_SERVERS/);
    expect(() => loadConfig({ ICE_SERVERS: '[{"urls":"http://x"}]' })).toThrow(/ICE_SERVERS/);
    expect(() => loadConfig({ TURN_URLS: 'turn:t.example.org' })).toThrow(/TURN_SECRET/);
    expect(() =>
      loadConfig({ TURN_URLS: 'stun:t.example.org', TURN_SECRET: 'x'.repeat(16) }),
    ).toThrow(/TURN_URLS/);
    // The secret never appears in a problem report.
    try {
      loadConfig({ TURN_SECRET: 'short-secret' });
      expect.unreachable();
    } catch (err) {
      expect((err as ConfigError).problems.join('\n')).not.toMatch(/short-secret/);
    }
  });

  it('serves /metrics only when asked: a token for the main port, or a port of its own', () => {
    expect(loadConfig({}).metrics).toEqual({ token: undefined, port: undefined });
    const token = 'prometheus-scrape-token-1';
    expect(loadConfig({ METRICS_TOKEN: token, METRICS_PORT: '9464' }).metrics).toEqual({
      token,
      port: 9464,
    });
    expect(() => loadConfig({ METRICS_PORT: '8080' })).toThrow(/METRICS_PORT equals PORT/);
    expect(loadConfig({ METRICS_PORT: '8080', PORT: '8081' }).metrics.port).toBe(8080);
    expect(() => loadConfig({ METRICS_PORT: '0' })).toThrow(/METRICS_PORT/);
    expect(() => loadConfig({ METRICS_TOKEN: 'two words here, long enough' })).toThrow(
      /METRICS_TOKEN/,
    );
    // A token too short is refused without being repeated in the report.
    try {
      loadConfig({ METRICS_TOKEN: 'short-token' });
      expect.unreachable();
    } catch (err) {
      const problems = (err as ConfigError).problems.join('\n');
      expect(problems).toMatch(/METRICS_TOKEN/);
      expect(problems).not.toMatch(/short-token/);
    }
  });

  it('makes cookies Secure behind https', () => {
    expect(loadConfig({ PUBLIC_URL: 'https://exams.example.edu' }).cookieSecure).toBe(true);
  });
});
