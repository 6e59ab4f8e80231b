import type { TestProject } from 'vitest/node';
import { buildServerIfStale } from './server-build.js';
import { findPostgresBin, postgresVersion, startPostgres } from './postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Admin URL of the run's PostgreSQL server, or '' when the PostgreSQL leg is skipped. */
    postgresAdminUrl: string;
  }
}

/**
 * Build the server bundle (dist/cli.js, dist/detect-worker.js) when missing or stale (so tests
 * run from a clean clone), then start one PostgreSQL server for the whole test run. Without the Debian package the
 * PostgreSQL leg is skipped with a printed reason — except under CI=true, where it fails.
 */
export default async function setup(project: TestProject) {
  buildServerIfStale();
  const bin = findPostgresBin();
  if (!bin) {
    const reason = 'PostgreSQL is not installed (apt-get install postgresql)';
    if (process.env.CI === 'true') throw new Error(`${reason}; CI requires the PostgreSQL leg`);
    console.warn(`\n[skip] PostgreSQL integration leg skipped: ${reason}\n`);
    project.provide('postgresAdminUrl', '');
    return;
  }
  const server = await startPostgres(bin);
  console.log(`\nPostgreSQL leg: ${postgresVersion(bin)} on port ${server.port}\n`);
  project.provide('postgresAdminUrl', server.adminUrl);
  return () => server.stop();
}
