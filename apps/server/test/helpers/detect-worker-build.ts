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
 * The detector worker runs as plain JS (dist/detect-worker.js). Rebuild it when it is
 * missing or any source it bundles (the server's src, the detection and contracts
 * packages) changed since; esbuild takes well under a second.
 */
export function buildDetectWorkerIfStale(): void {
  const bundle = path.join(serverDir, 'dist', 'detect-worker.js');
  const built = existsSync(bundle) ? statSync(bundle).mtimeMs : 0;
  const sources = Math.max(
    newest(path.join(serverDir, 'src')),
    newest(path.join(repoDir, 'packages', 'detection', 'src')),
    newest(path.join(repoDir, 'packages', 'contracts', 'src')),
  );
  if (built >= sources) return;
  execFileSync(process.execPath, [path.join(serverDir, 'build.mjs'), '--worker'], {
    stdio: 'inherit',
  });
}
