import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import type { ExtractTablesWithRelations } from 'drizzle-orm';
import type { PgTransaction } from 'drizzle-orm/pg-core';
import type * as schema from './schema.js';

type Schema = typeof schema;

/** The drizzle database, whichever engine is behind it (PGlite or PostgreSQL). */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;

/** A transaction handle; services accept `Db | Tx` so they can join a caller's transaction. */
export type Tx = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;

/** Either a database or a transaction. */
export type DbOrTx = Db | Tx;

/** An open database with its engine name and a way to release it. */
export interface Database {
  db: Db;
  /**
   * The SQL engine, for anything dialect- or connection-dependent: 'postgres' for external
   * PostgreSQL and the embedded one alike (same server, same driver, a connection pool);
   * 'pglite' for in-process PGlite (one connection, on this process's thread).
   */
  engine: 'pglite' | 'postgres';
  /** The setup, as /healthz reports it: the embedded PostgreSQL, PGlite or an external PostgreSQL. */
  name: 'embedded-postgres' | 'pglite' | 'postgres';
  /** For operators, e.g. "embedded PostgreSQL 18.4" (start line, CLI messages). */
  label: string;
  /** Apply pending migrations (idempotent). */
  migrate(): Promise<void>;
  /** Cheap liveness probe for /healthz. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
