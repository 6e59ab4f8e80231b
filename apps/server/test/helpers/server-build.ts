import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const serverDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const repoDir = path.resolve(serverDir, '../..');

/** The newest modification time of the files under `dir` (recursively). */
function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    latest = Math.max(latest, statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
  }
  return latest;
}

/**
 * The server's bundle: dist/cli.js (what `invigil` runs; the CLI tests and the load smoke test
 * start it as a child process) and dist/detect-worker.js (a worker thread runs plain JS).
 * Rebuilt once, before any test file runs, when either is missing or any source it bundles
 * (the server's src, the detection and contracts packages) changed since; esbuild takes a
 * second or two. Test files never build it themselves: one building while another starts
 * the bundle would run a half-written file.
 */
export function buildServerIfStale(): void {
  const bundles = ['cli.js', 'detect-worker.js'].map((f) => path.join(serverDir, 'dist', f));
  const built = Math.min(...bundles.map((b) => (existsSync(b) ? statSync(b).mtimeMs : 0)));
  const sources = Math.max(
    newest(path.join(serverDir, 'src')),
    newest(path.join(repoDir, 'packages', 'detection', 'src')),
    newest(path.join(repoDir, 'packages', 'contracts', 'src')),
  );
  if (built >= sources) return;
  execFileSync(process.execPath, [path.join(serverDir, 'build.mjs')], { stdio: 'inherit' });
}
