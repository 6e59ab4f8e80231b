import { mkdirSync } from 'node:fs';
import { ConfigError, type Config, loadConfig } from '../config/config.js';
import { openDatabase } from '../db/open-database.js';

/** Output for commands: progress to stdout, warnings to stderr. */
export const cliLog = {
  info: (m: string) => console.log(m),
  warn: (m: string) => console.error(m),
};

/** The configuration, or the process ends with every problem listed. */
export function config(): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
}

/**
 * Run a command against the configured database (migrated), with the audit keys set so that
 * whatever it audits is signed like the server's entries.
 */
export async function withDatabase<T>(
  fn: (db: Awaited<ReturnType<typeof openDatabase>>, cfg: Config) => Promise<T>,
) {
  const cfg = config();
  mkdirSync(cfg.dataDir, { recursive: true });
  // Whatever a command audits is signed like the server's entries.
  const { AUDIT, openKeys } = await import('../crypto/open-keyring.js');
  const { useAuditKeys } = await import('../services/audit/audit-chain.js');
  useAuditKeys(await openKeys(cfg.auditKeys, cliLog, AUDIT));
  // An embedded PostgreSQL already serving (the server is up) is used and left running.
  const database = await openDatabase(cfg.database, { ownEmbedded: false });
  try {
    await database.migrate();
    return await fn(database, cfg);
  } finally {
    await database.close();
  }
}
