import { defineConfig } from 'vitest/config';

/**
 * One test run for the whole repository. Unit tests live beside the code; integration tests
 * (apps/server/test) run against real servers and a real database, PGlite and PostgreSQL.
 */
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: [
            'packages/*/src/**/*.test.ts',
            'apps/*/src/**/*.test.{ts,tsx}',
            'deploy/**/*.test.ts',
            'bench/*.test.ts',
          ],
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['apps/server/test/**/*.test.ts', 'bench/load/**/*.test.ts'],
          globalSetup: ['apps/server/test/helpers/global-setup.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['e2e/**/*.test.ts'],
          globalSetup: ['e2e/global-setup.ts'],
          // One browser test file at a time, after the others: each drives one or two Chromium
          // pages with fake camera, microphone and screen (recording, WebRTC, detection), and
          // two such files at once starve a 2-core machine into timeouts.
          maxWorkers: 1,
          sequence: { groupOrder: 1 },
          // On a shared CI machine a browser test may once miss a timing by a busy spell; one
          // more attempt there, and every retried test is named (scripts/retries-reporter.mjs),
          // so a flaky test is seen even when the run passes.
          retry: process.env.CI ? 1 : 0,
        },
      },
    ],
  },
});
