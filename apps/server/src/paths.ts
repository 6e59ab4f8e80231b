import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Find `relative` in this file's directory or the nearest ancestor that has it.
 * Works the same from `src/` (tests, tsx) and from the bundled `dist/` build.
 */
export function findUp(
  relative: string,
  from = path.dirname(fileURLToPath(import.meta.url)),
): string {
  let dir = from;
  for (;;) {
    const candidate = path.join(dir, relative);
    if (existsSync(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`Cannot find ${relative} above ${from}`);
    dir = parent;
  }
}

/** The SQL migrations folder shared by PGlite and PostgreSQL. */
export const migrationsDir = (): string =>
  path.dirname(path.dirname(findUp('drizzle/meta/_journal.json')));
