import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ConfigError } from './config.js';
import { loadConfig } from './config.js';

const ISSUER = 'https://login.uni.example/realms/staff';
const COMPLETE = { OIDC_ISSUER: ISSUER, OIDC_CLIENT_ID: 'invigil', OIDC_CLIENT_SECRET: 's3cret' };

/** Every problem loadConfig reports for `env`, one per line ('' when it loads). */
function problems(env: Record<string, string>): string {
  try {
    loadConfig(env);
    return '';
  } catch (err) {
    return (err as ConfigError).problems.join('\n');
  }
}

describe('single sign-on settings', () => {
  it('are off without OIDC_ISSUER, and other OIDC_* settings then refuse to start', () => {
    expect(loadConfig({}).oidc).toBeUndefined();
    expect(problems({ OIDC_CLIENT_ID: 'invigil', OIDC_ROLE_MAP: 'a=admin' })).toMatch(
      /OIDC_CLIENT_ID, OIDC_ROLE_MAP set without OIDC_ISSUER/,
    );
  });

  it('refuse an issuer without its client id or secret, naming each', () => {
    const text = problems({ OIDC_ISSUER: ISSUER });
    expect(text).toMatch(/OIDC_CLIENT_ID is not/);
    expect(text).toMatch(/OIDC_CLIENT_SECRET \(or OIDC_CLIENT_SECRET_FILE\) is not/);
    expect(problems({ ...COMPLETE, OIDC_CLIENT_SECRET_FILE: '/x' })).toMatch(/both set/);
  });

  it('allow http issuers only outside production', () => {
    const http = { ...COMPLETE, OIDC_ISSUER: 'http://127.0.0.1:9000' };
    expect(loadConfig(http).oidc?.issuer).toBe('http://127.0.0.1:9000');
    expect(
      problems({ ...http, NODE_ENV: 'production', MASTER_KEY_FILE: '/k', AUDIT_KEY_FILE: '/a' }),
    ).toMatch(/OIDC_ISSUER: must use https in production/);
  });

  it('parse the role map, domains and defaults; the redirect URI follows PUBLIC_URL', () => {
    const oidc = loadConfig({
      ...COMPLETE,
      OIDC_ROLE_MAP: 'staff-proctors=proctor, exam-office=admin,role=teacher=instructor',
      OIDC_ALLOWED_DOMAINS: 'Uni.example, staff.uni.example',
      PUBLIC_URL: 'https://exams.uni.example/',
    }).oidc;
    // The last "=" separates: a value may contain one.
    expect([...(oidc?.roleMap ?? [])]).toEqual([
      ['staff-proctors', 'proctor'],
      ['exam-office', 'admin'],
      ['role=teacher', 'instructor'],
    ]);
    expect(oidc).toMatchObject({
      allowedDomains: ['uni.example', 'staff.uni.example'],
      roleClaim: 'groups',
      scopes: 'openid email profile',
      buttonLabel: 'Sign in with your institution',
      redirectUri: 'https://exams.uni.example/api/auth/oidc/callback',
    });
    expect(loadConfig(COMPLETE).oidc?.redirectUri).toBeUndefined();
    expect(problems({ ...COMPLETE, OIDC_ROLE_MAP: 'staff=root' })).toMatch(/"root" is not a role/);
    expect(problems({ ...COMPLETE, OIDC_ROLE_MAP: 'a=admin,a=student' })).toMatch(/two roles/);
    expect(problems({ ...COMPLETE, OIDC_ALLOWED_DOMAINS: 'not a domain' })).toMatch(
      /OIDC_ALLOWED_DOMAINS: not a domain/,
    );
    expect(problems({ ...COMPLETE, OIDC_SCOPES: 'email profile' })).toMatch(/include openid/);
  });

  it('read the secret from OIDC_CLIENT_SECRET_FILE', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'invigil-oidc-'));
    try {
      const file = path.join(dir, 'secret');
      writeFileSync(file, 'from-the-file\n');
      const { OIDC_CLIENT_SECRET: _omit, ...noSecret } = COMPLETE;
      expect(loadConfig({ ...noSecret, OIDC_CLIENT_SECRET_FILE: file }).oidc?.clientSecret).toBe(
        'from-the-file',
      );
      expect(problems({ ...noSecret, OIDC_CLIENT_SECRET_FILE: path.join(dir, 'missing') })).toMatch(
        /cannot read the file \(ENOENT\)/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
