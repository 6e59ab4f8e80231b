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

  it('makes cookies Secure behind https', () => {
    expect(loadConfig({ PUBLIC_URL: 'https://exams.example.edu' }).cookieSecure).toBe(true);
  });
});
