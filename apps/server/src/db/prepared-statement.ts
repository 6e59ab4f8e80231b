import type { SQL } from 'drizzle-orm';
import { PgDialect, type PgPreparedQuery, type PreparedQueryConfig } from 'drizzle-orm/pg-core';
import type { Db, DbOrTx } from './database.js';

/**
 * Hot queries built once instead of on every request. drizzle's query builder costs far more
 * CPU than the query itself on the upload path (`is`, SQL chunk walking, field ordering), so
 * the statements run per upload are built once per database with `sql.placeholder` and
 * `.prepare(name)`. On node-postgres a named statement is also parsed and planned once per
 * connection (the client remembers what it prepared; a new connection after a restart or a
 * dropped one prepares it again on first use); PGlite parses it each time, which is cheap.
 * A name must be unique per query text within the process (`upload_...`, `auth_...`).
 */

/** A drizzle prepared query of any shape. */
type AnyPrepared = PgPreparedQuery<PreparedQueryConfig>;

/** The driver client behind a database or transaction (a pool, a pooled client, PGlite). */
function clientOf(db: DbOrTx): unknown {
  const session = (db as unknown as { _?: { session?: { client?: unknown } } })._?.session;
  if (!session || !('client' in session)) {
    throw new Error('prepared statements need a node-postgres or PGlite drizzle database');
  }
  return session.client;
}

/**
 * A statement built on first use with `build(db)` (which ends in `.prepare(name)`), and
 * returned bound to `on`: the database itself, or a transaction of it. In a transaction the
 * same built statement runs on the transaction's connection (a copy with that client; the
 * text, name, parameters and result mapping are shared), so nothing is built again.
 */
export function preparedStatement<Q extends AnyPrepared>(
  db: Db,
  build: (db: Db) => Q,
): (on: DbOrTx) => Q {
  let statement: Q | undefined;
  let poolClient: unknown;
  return (on) => {
    if (statement === undefined) {
      statement = build(db);
      poolClient = clientOf(db);
    }
    const client = on === db ? poolClient : clientOf(on);
    if (client === poolClient) return statement;
    const bound = Object.create(Object.getPrototypeOf(statement) as object) as Q;
    return Object.assign(bound, statement, { client });
  };
}

/** What a raw statement returns: the driver's result, rows keyed by column name. */
export interface RawRows<Row> {
  rows: Row[];
}

/**
 * A raw SQL statement (drizzle `sql` with `sql.placeholder`) prepared once under `name`, for
 * what the query builder cannot say (a data-modifying CTE, aggregates into JSON). Rows come
 * back as the driver gives them: bigint and numeric as strings on node-postgres, JSON parsed.
 */
export function preparedSql<Row extends Record<string, unknown>>(
  db: Db,
  name: string,
  query: SQL,
): (on: DbOrTx) => PgPreparedQuery<{ execute: RawRows<Row>; all: unknown; values: unknown }> {
  const built = new PgDialect().sqlToQuery(query);
  return preparedStatement(db, (d) =>
    d._.session.prepareQuery<{ execute: RawRows<Row>; all: unknown; values: unknown }>(
      built,
      undefined,
      name,
      false,
    ),
  );
}
