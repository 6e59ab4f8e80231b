import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { createApp, type InvigilApp } from '../../apps/server/src/app.js';
import { exams } from '../../apps/server/src/db/schema.js';
import { loadConfig } from '../../apps/server/src/config/config.js';
import { type DemoCredential, seedDemoIfEmpty } from '../../apps/server/src/seed/demo.js';

/** A real server with the built web app and the demo seeded, on a random loopback port. */
export interface DemoServer {
  url: string;
  instance: InvigilApp;
  demo: DemoCredential[];
  close(): Promise<void>;
}

/**
 * Start the server as `invigil start` would, on a fresh embedded database (the embedded
 * PostgreSQL, started in a temporary DATA_DIR; `close()` stops it and removes the directory,
 * so no PostgreSQL outlives a test file). `env` adds
 * environment variables (e.g. SMTP_URL and SMTP_FROM for a test mailbox); WEB_DIST_DIR is
 * taken from the environment, to test a web build made elsewhere.
 */
export async function startDemoServer(
  env: Record<string, string> = {},
  /**
   * `facePhotoCheck`: keep the demo exams' face photo check (on in the product). Off unless
   * asked, because Chromium's default fake camera shows a test pattern, never a face, and the
   * suites that take identity photos with it test other things; e2e/check-in-checks turns it on.
   * `port`: listen on this port instead of any free one (a PUBLIC_URL in `env` must name it).
   */
  opts: { facePhotoCheck?: boolean; port?: number } = {},
): Promise<DemoServer> {
  const dataDir = path.join(os.tmpdir(), `invigil-e2e-${randomBytes(6).toString('hex')}`);
  mkdirSync(dataDir, { recursive: true });
  // Server analysis at full speed whatever the machine's load: a busy test machine must not
  // change what a test sees (in the product it yields to uploads, ANALYSIS_CPU_LIMIT_PERCENT).
  const source = {
    LOG_LEVEL: 'warn',
    DATA_DIR: dataDir,
    ANALYSIS_CPU_LIMIT_PERCENT: '100',
    ...env,
  };
  const webDist = process.env.WEB_DIST_DIR;
  const config = {
    ...loadConfig(webDist ? { ...source, WEB_DIST_DIR: webDist } : source),
    port: 0,
  };
  const instance = await createApp(config);
  const close = async () => {
    await instance.close();
    rmSync(dataDir, { recursive: true, force: true });
  };
  let demo: DemoCredential[] | null;
  let url: string;
  try {
    demo = await seedDemoIfEmpty(instance.database.db, dataDir);
    if (!demo) throw new Error('demo seed did not run on a fresh database');
    if (!opts.facePhotoCheck) {
      await instance.database.db
        .update(exams)
        .set({ policy: sql`${exams.policy} || '{"facePhotoCheck": false}'::jsonb` });
    }
    url = await instance.app.listen({ host: '127.0.0.1', port: opts.port ?? 0 });
  } catch (err) {
    await close();
    throw err;
  }
  return { url, instance, demo, close };
}
