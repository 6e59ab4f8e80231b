import { createHash } from 'node:crypto';
import { afterAll, beforeAll, expect } from 'vitest';
import { insertUser } from '../../src/services/accounts/users.service.js';
import type { TestResponse } from './http-client.js';
import { startTestServer, TEST_PASSWORD, type Engine, type TestServer } from './test-server.js';

/** The longest sign-in wait on the accounts servers. */
const LOCK_MINUTES = 15;

/** The password the account tests change to; it must never reach the audit log. */
export const NEW_PASSWORD = 'a brand new long passphrase';

/** Hex SHA-256, as sessions and API tokens are stored. */
export const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

/** An audit log entry as the admin API lists it. */
export interface AuditRow {
  action: string;
  actorId: string | null;
  entityId: string | null;
  data: Record<string, unknown>;
}

type SignedIn = Awaited<ReturnType<TestServer['signedIn']>>;

/** The server of an accounts test file, its admin, and what the tests ask of them. */
export interface AccountsServer {
  readonly server: TestServer;
  readonly admin: SignedIn;
  /** A fresh address with `label` in it. */
  email(label: string): string;
  /** A user created directly in the database (no sign-in), for credential tests. */
  account(
    role?: 'student' | 'proctor' | 'instructor' | 'admin',
  ): Promise<{ id: string; email: string }>;
  /** A sign-in attempt from the client address `from` (X-Forwarded-For), with a cookie. */
  login(address: string, password: string, from?: string, cookie?: string): Promise<TestResponse>;
  /** The audit entries of `action` (on `entityId` when given), as the admin reads them. */
  audit(action: string, entityId?: string): Promise<AuditRow[]>;
  /** No password or API token secret anywhere in the audit log. */
  expectNoSecretsInAudit(): Promise<void>;
}

/**
 * Start a server for one accounts test file (before its tests; closed after them) with a
 * sign-in throttle that bites after 3 failures and a trusted proxy, so that tests choose the
 * client address of each attempt; and sign in its admin.
 */
export function useAccountsServer(engine: Engine): AccountsServer {
  let server: TestServer;
  let admin: SignedIn;
  let n = 0;

  beforeAll(async () => {
    server = await startTestServer(engine, {
      signInThrottle: { freeFailures: 3, maxDelayMs: LOCK_MINUTES * 60_000 },
      // Requests name their client address in X-Forwarded-For (one trusted proxy: the test).
      trustProxy: 1,
    });
    admin = await server.signedIn('admin', 'Accounts Admin');
  });
  afterAll(async () => server?.close());

  const email = (label: string) => `${label}-${++n}@test.invigil.test`;

  async function audit(action: string, entityId?: string): Promise<AuditRow[]> {
    const res = await admin.get('/api/audit?limit=1000');
    expect(res.status).toBe(200);
    return (res.body as AuditRow[]).filter(
      (e) => e.action === action && (entityId === undefined || e.entityId === entityId),
    );
  }

  return {
    get server() {
      return server;
    },
    get admin() {
      return admin;
    },
    email,
    async account(role = 'student') {
      const address = email(role);
      const row = await insertUser(server.instance.database.db, {
        email: address,
        name: `Account ${n}`,
        role,
        password: TEST_PASSWORD,
      });
      return { id: row.id, email: address };
    },
    login: (address, password, from = '192.0.2.1', cookie) =>
      server
        .anonymous()
        .request(
          'POST',
          '/api/auth/login',
          { email: address, password },
          { 'x-forwarded-for': from, ...(cookie && { cookie }) },
        ),
    audit,
    async expectNoSecretsInAudit() {
      const all = JSON.stringify((await admin.get('/api/audit?limit=1000')).body);
      expect(all).not.toContain(TEST_PASSWORD);
      expect(all).not.toContain(NEW_PASSWORD);
      expect(all).not.toContain('inv_');
    },
  };
}
