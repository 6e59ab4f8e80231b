import { defineConfig } from 'vitest/config';

/** Benchmarks: run on demand (`npm run bench:storage`), never as part of `npm test`. */
export default defineConfig({
  test: {
    include: ['bench/**/*.run.ts'],
    testTimeout: 30 * 60_000,
    hookTimeout: 120_000,
  },
});
