import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { browserUnavailable } from './helpers/browser.js';

/**
 * Browser tests need Chromium and the built web app. Without Chromium they are skipped with
 * a printed reason, except under CI=true, where that is a failure. A missing web build is made.
 */
export default function setup() {
  const missing = browserUnavailable();
  if (missing) {
    if (process.env.CI === 'true') throw new Error(`${missing}; CI requires the browser tests`);
    console.warn(`\n[skip] browser tests skipped: ${missing}\n`);
    return;
  }
  if (!existsSync('apps/web/dist/index.html')) {
    console.log('Building the web app for the browser tests…');
    // A production build, as `npm start` serves: vitest sets NODE_ENV=test, and a development
    // build behaves differently (React's StrictMode double effects).
    execFileSync('npm', ['run', 'build', '-w', '@invigil/web'], {
      stdio: 'inherit',
      env: { ...process.env, NODE_ENV: 'production' },
    });
  }
}
