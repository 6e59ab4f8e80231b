import { mkdirSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import type { DatabaseConfig } from '../config/config.js';
import { migrationsDir } from '../paths.js';
import { MIGRATION_LOCK } from './advisory-locks.js';
import type { Database, Db } from './database.js';
import type { EmbeddedPostgresLog } from './embedded-postgres.js';
import * as schema from './schema.js';

/** Connections per process when DATABASE_POOL_SIZE is not given. */
export const DEFAULT_POOL_SIZE = 20;

/** How `openDatabase` treats an embedded PostgreSQL. */
export interface OpenDatabaseOptions {
  /**
   * true (default; the server): `close()` stops the embedded PostgreSQL whether this call
   * started it or found it running (left by a killed server). false (one-off commands such as
   * `invigil user add`): stop only one this call started, and never one serving others.
   */
  ownEmbedded?: boolean;
  /** Where the embedded PostgreSQL's notices go (default: warnings to stderr). */
  log?: EmbeddedPostgresLog;
}

/**
 * Open the configured database. Drivers load lazily so the embedded build never touches
 * `pg`, and a PostgreSQL deployment never loads the PGlite WASM.
 */
export async function openDatabase(
  config: DatabaseConfig,
  options: OpenDatabaseOptions = {},
): Promise<Database> {
  if (config.kind === 'postgres') {
    return openPostgres(config.url, config.poolSize, { name: 'postgres', label: 'PostgreSQL' });
  }
  if (config.kind === 'embedded') return openEmbedded(config, options);
  return openPglite(config.dataDir);
}

async function openPglite(dataDir: string | undefined): Promise<Database> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { drizzle } = await import('drizzle-orm/pglite');
  const { migrate } = await import('drizzle-orm/pglite/migrator');
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const client = await PGlite.create(dataDir ? { dataDir } : {});
  const db = drizzle(client, { schema });
  return {
    db: db as unknown as Db,
    engine: 'pglite',
    name: 'pglite',
    label: 'PGlite (in-process)',
    migrate: () => migrate(db, { migrationsFolder: migrationsDir() }),
    ping: async () => {
      await db.execute(sql`select 1`);
    },
    close: () => client.close(),
  };
}

/** Start (or attach to) the embedded PostgreSQL, then use it like any PostgreSQL. */
async function openEmbedded(
  config: Extract<DatabaseConfig, { kind: 'embedded' }>,
  options: OpenDatabaseOptions,
): Promise<Database> {
  const { startEmbeddedPostgres } = await import('./embedded-postgres.js');
  const log: EmbeddedPostgresLog =
    options.log ?? ((level, message) => level === 'warn' && console.warn(message));
  const server = await startEmbeddedPostgres(config.dataDir, {
    own: options.ownEmbedded ?? true,
    log,
  });
  return openPostgres(
    server.url,
    config.poolSize,
    { name: 'embedded-postgres', label: `embedded PostgreSQL ${server.version}` },
    () => server.stop(),
  );
}

async function openPostgres(
  url: string,
  poolSize: number | undefined,
  what: Pick<Database, 'name' | 'label'>,
  afterClose: () => Promise<void> = async () => undefined,
): Promise<Database> {
  const pg = await import('pg');
  const { drizzle } = await import('drizzle-orm/node-postgres');
  const { migrate } = await import('drizzle-orm/node-postgres/migrator');
  const pool = new pg.default.Pool({ connectionString: url, max: poolSize ?? DEFAULT_POOL_SIZE });
  // An idle connection the server closes (restart, failover, a dropped database) is removed
  // from the pool and replaced on the next query. Without a listener the pool's 'error'
  // event would crash the process.
  pool.on('error', () => undefined);
  const db = drizzle(pool, { schema });
  return {
    db: db as unknown as Db,
    engine: 'postgres',
    ...what,
    // One connection holds the migration lock for the whole run, so processes starting at once
    // (several machines on one PostgreSQL) apply the migrations one after the other.
    migrate: async () => {
      const client = await pool.connect();
      try {
        await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK]);
        try {
          await migrate(drizzle(client, { schema }), { migrationsFolder: migrationsDir() });
        } finally {
          await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK]);
        }
      } finally {
        client.release();
      }
    },
    ping: async () => {
      await db.execute(sql`select 1`);
    },
    close: async () => {
      try {
        await pool.end();
      } finally {
        await afterClose();
      }
    },
  };
}
