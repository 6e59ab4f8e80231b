import { mkdirSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import type { DatabaseConfig } from '../config/config.js';
import { migrationsDir } from '../paths.js';
import type { Database, Db } from './database.js';
import * as schema from './schema.js';

/**
 * Open the configured database. Drivers load lazily so the embedded build never touches
 * `pg`, and a PostgreSQL deployment never loads the PGlite WASM.
 */
export async function openDatabase(config: DatabaseConfig): Promise<Database> {
  if (config.kind === 'postgres') return openPostgres(config.url);
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
    migrate: () => migrate(db, { migrationsFolder: migrationsDir() }),
    ping: async () => {
      await db.execute(sql`select 1`);
    },
    close: () => client.close(),
  };
}

async function openPostgres(url: string): Promise<Database> {
  const pg = await import('pg');
  const { drizzle } = await import('drizzle-orm/node-postgres');
  const { migrate } = await import('drizzle-orm/node-postgres/migrator');
  const pool = new pg.default.Pool({ connectionString: url, max: 10 });
  // An idle connection the server closes (restart, failover, a dropped database) is removed
  // from the pool and replaced on the next query. Without a listener the pool's 'error'
  // event would crash the process.
  pool.on('error', () => undefined);
  const db = drizzle(pool, { schema });
  return {
    db: db as unknown as Db,
    engine: 'postgres',
    migrate: () => migrate(db, { migrationsFolder: migrationsDir() }),
    ping: async () => {
      await db.execute(sql`select 1`);
    },
    close: () => pool.end(),
  };
}
