import { existsSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { int } from './env-values.js';

/**
 * Which database the server uses. Apart from the other settings because choosing it looks at
 * DATA_DIR on disk (`databaseConfig`), so an upgrade never strands existing data.
 */
export const DATABASE_ENV = {
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'Must start with postgres:// or postgresql://')
    .optional()
    .describe(
      'External PostgreSQL connection string. Unset: the database named by DATABASE_ENGINE.',
    ),
  DATABASE_ENGINE: z
    .enum(['embedded', 'pglite'])
    .optional()
    .describe(
      'Database when DATABASE_URL is unset (ignored when set). embedded: a PostgreSQL server ' +
        'Invigil starts in DATA_DIR/postgres (its own processes, unix socket only). pglite: ' +
        'in-process PGlite in DATA_DIR/pglite (one connection; small installations). Default ' +
        'embedded, or pglite when DATA_DIR holds a PGlite database from an earlier version and ' +
        'no DATA_DIR/postgres.',
    ),
  DATABASE_POOL_SIZE: int(1, 1000)
    .default(20)
    .describe('Connections each server process keeps to PostgreSQL (embedded or DATABASE_URL).'),
} as const;

/** The database settings once parsed, all `databaseConfig` needs. */
type DatabaseEnv = z.infer<z.ZodObject<typeof DATABASE_ENV>>;

/**
 * Where the database lives: the embedded PostgreSQL (its data directory), PGlite (a
 * directory, or memory when undefined) or an external PostgreSQL. `poolSize`: connections
 * per process (default DEFAULT_POOL_SIZE of open-database.ts).
 */
export type DatabaseConfig =
  | { kind: 'embedded'; dataDir: string; poolSize?: number }
  | { kind: 'pglite'; dataDir?: string }
  | { kind: 'postgres'; url: string; poolSize?: number };

/**
 * DATABASE_URL, else DATABASE_ENGINE. Left unset, an installation that already keeps its data
 * in PGlite (from before the embedded PostgreSQL was the default) stays on it rather than
 * starting over in an empty database.
 */
export function databaseConfig(e: DatabaseEnv, dataDir: string): DatabaseConfig {
  const poolSize = e.DATABASE_POOL_SIZE;
  if (e.DATABASE_URL) return { kind: 'postgres', url: e.DATABASE_URL, poolSize };
  const pglite = path.join(dataDir, 'pglite');
  const postgres = path.join(dataDir, 'postgres');
  const engine =
    e.DATABASE_ENGINE ??
    (existsSync(path.join(pglite, 'PG_VERSION')) && !existsSync(postgres) ? 'pglite' : 'embedded');
  return engine === 'pglite'
    ? { kind: 'pglite', dataDir: pglite }
    : { kind: 'embedded', dataDir: postgres, poolSize };
}
