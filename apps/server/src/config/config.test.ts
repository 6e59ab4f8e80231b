import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('uses embedded defaults when nothing is set', () => {
    const c = loadConfig({});
    expect(c.port).toBe(8080);
    expect(c.database.kind).toBe('pglite');
    expect(c.dataDir.endsWith('data')).toBe(true);
    expect(c.blobDir.endsWith('blobs')).toBe(true);
    expect(c.cookieSecure).toBe(false);
    expect(c.seedDemo).toBe(true);
  });

  it('switches to PostgreSQL with DATABASE_URL', () => {
    const c = loadConfig({ DATABASE_URL: 'postgres://u:p@localhost:5432/db' });
    expect(c.database).toEqual({ kind: 'postgres', url: 'postgres://u:p@localhost:5432/db' });
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
    expect(loadConfig({ NODE_ENV: 'production' }).seedDemo).toBe(false);
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

  it('makes cookies Secure behind https', () => {
    expect(loadConfig({ PUBLIC_URL: 'https://exams.example.edu' }).cookieSecure).toBe(true);
  });
});
