import { asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, expect } from 'vitest';
import type { Config } from '../../src/config/config.js';
import { auditLog } from '../../src/db/schema.js';
import { buildExam } from './factories.js';
import type { HttpClient } from './http-client.js';
import { LtiBrowser, type PageResponse } from './lti-browser.js';
import {
  startLtiPlatform,
  type EmulatorUser,
  type LaunchOptions,
  type LtiPlatformEmulator,
} from './lti-platform.js';
import { freePort } from './postgres.js';
import { startTestServer, type Engine, type TestServer } from './test-server.js';

/**
 * A server whose tool URLs name its own port (PUBLIC_URL must name it before the server
 * starts: localhost, another site than the platform's 127.0.0.1), and a platform that knows it.
 */
export async function startToolAndPlatform(
  engine: Engine,
  overrides: Partial<Config> = {},
): Promise<{ server: TestServer; lms: LtiPlatformEmulator; publicUrl: string }> {
  const port = await freePort();
  const publicUrl = `http://localhost:${port}`;
  const server = await startTestServer(engine, { port, publicUrl, ...overrides });
  const lms = await startLtiPlatform();
  lms.setTool(publicUrl);
  return { server, lms, publicUrl };
}

let people = 0;
/** A new person at the platform. */
export const person = (roles: string[], name = 'Ada Lovelace'): EmulatorUser => {
  people += 1;
  return {
    sub: `sub-${people}-${Math.random().toString(36).slice(2, 8)}`,
    name,
    email: `person${people}.${Math.random().toString(36).slice(2, 8)}@uni.example`,
    roles,
  };
};

/** The CSP nonce of a page's script, and whether the CSP header allows exactly it. */
export function cspAllowsScript(page: PageResponse): boolean {
  const csp = page.headers.get('content-security-policy') ?? '';
  const nonce = /<script nonce="([^"]+)"/.exec(page.html)?.[1];
  return nonce !== undefined && csp.includes(`script-src 'nonce-${nonce}'`);
}

type Staff = HttpClient & { userId: string };

/** The tool and platform of an LTI launch test file, and what its tests ask of them. */
export interface LtiLaunchServer {
  readonly server: TestServer;
  readonly platform: LtiPlatformEmulator;
  readonly toolUrl: string;
  readonly admin: Staff;
  readonly instructor: Staff;
  /** The published exam "Statistics final" that launches go to by default. */
  readonly examId: string;
  db(): TestServer['instance']['database']['db'];
  /** A new browser (no cookies). */
  browser(): LtiBrowser;
  /** A resource launch link into the exam (override any option). */
  launch(o: Partial<LaunchOptions> & { user: EmulatorUser }): string;
  /** The reasons of the lti.launch_failed audit entries, oldest first. */
  failures(): Promise<unknown[]>;
}

/**
 * Start, for one test file (closed after its tests), a tool and a test platform registered
 * with it, an admin, an instructor and the exam "Statistics final".
 */
export function useLtiLaunchServer(engine: Engine): LtiLaunchServer {
  let server: TestServer;
  let platform: LtiPlatformEmulator;
  let toolUrl: string;
  let admin: Staff;
  let instructor: Staff;
  let examId: string;

  beforeAll(async () => {
    ({ server, lms: platform, publicUrl: toolUrl } = await startToolAndPlatform(engine));
    admin = await server.signedIn('admin');
    instructor = await server.signedIn('instructor');
    const created = await admin.post('/api/lti/platforms', platform.platformInput());
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const exam = await instructor.post('/api/exams', buildExam({ title: 'Statistics final' }));
    expect(exam.status).toBe(201);
    examId = exam.body.id;
  });
  afterAll(async () => {
    await platform?.close();
    await server?.close();
  });

  const db = () => server.instance.database.db;
  return {
    get server() {
      return server;
    },
    get platform() {
      return platform;
    },
    get toolUrl() {
      return toolUrl;
    },
    get admin() {
      return admin;
    },
    get instructor() {
      return instructor;
    },
    get examId() {
      return examId;
    },
    db,
    browser: () => new LtiBrowser(toolUrl),
    launch: (o) =>
      platform.launchUrl({ kind: 'resource', custom: { invigil_exam_id: examId }, ...o }),
    async failures() {
      const rows = await db()
        .select({ data: auditLog.data })
        .from(auditLog)
        .where(eq(auditLog.action, 'lti.launch_failed'))
        .orderBy(asc(auditLog.id));
      return rows.map((r) => (r.data as { reason?: unknown }).reason);
    },
  };
}
