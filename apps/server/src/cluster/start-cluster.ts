import type { Config } from '../config/config.js';
import { openDatabase } from '../db/open-database.js';
import { formatDemoCredentials, readDemoCredentials, seedDemoIfEmpty } from '../seed/demo.js';
import { AUDIT, MASTER, openKeys } from '../crypto/open-keyring.js';
import { useAuditKeys } from '../services/audit/audit-chain.js';
import { isClusterWorker, runPrimary, runWorker, type SharedResources } from './cluster.js';

/**
 * `invigil start` with WORKERS > 1. In the primary: start what the workers share, then the
 * workers; in a worker (the same command, forked): serve. PGlite lives inside one process,
 * so a cluster needs the embedded PostgreSQL or DATABASE_URL.
 */
export async function startCluster(cfg: Config): Promise<void> {
  if (isClusterWorker()) return runWorker(cfg);
  const log = { info: (m: string) => console.log(m), error: (m: string) => console.error(m) };
  let engine = '';
  const { address } = await runPrimary(
    cfg,
    async () => {
      const shared = await sharedDatabase(cfg);
      engine = shared.engine;
      return shared;
    },
    log,
  );
  const creds = cfg.seedDemo ? readDemoCredentials(cfg.dataDir) : null;
  // One write: whoever watches the output for the ready line finds the credentials with it.
  const ready = `\nInvigil is running at ${cfg.publicUrl} (listening on ${address}, ${cfg.workers} server processes, database: ${engine})`;
  console.log(creds ? `${ready}\n${formatDemoCredentials(creds)}\n` : ready);
}

/**
 * Start the embedded PostgreSQL (owned by the primary, stopped after the workers) or use
 * DATABASE_URL; migrate and seed once, before any worker starts.
 */
async function sharedDatabase(cfg: Config): Promise<SharedResources & { engine: string }> {
  const db = cfg.database;
  if (db.kind === 'pglite') {
    throw new Error(
      'WORKERS > 1 needs a database several processes can share: the embedded PostgreSQL ' +
        '(DATABASE_ENGINE=embedded) or DATABASE_URL; PGlite runs inside one process',
    );
  }
  const embedded =
    db.kind === 'embedded'
      ? await (
          await import('../db/embedded-postgres.js')
        ).startEmbeddedPostgres(db.dataDir, {
          own: true,
          log: (level, message) => (level === 'warn' ? console.warn(message) : undefined),
        })
      : undefined;
  const url = embedded?.url ?? (db.kind === 'postgres' ? db.url : '');
  try {
    const database = await openDatabase({ kind: 'postgres', url });
    try {
      await database.migrate();
      // Keys generated on a first start are generated here, before any worker exists, so the
      // workers only ever read them. The demo's creation is audited: signed with the audit key.
      const log = { info: () => undefined, warn: (m: string) => console.warn(m) };
      await openKeys(cfg.masterKeys, log, MASTER);
      useAuditKeys(await openKeys(cfg.auditKeys, log, AUDIT));
      if (cfg.seedDemo) await seedDemoIfEmpty(database.db, cfg.dataDir);
    } finally {
      await database.close();
    }
  } catch (err) {
    await embedded?.stop();
    throw err;
  }
  return {
    engine: embedded ? `embedded PostgreSQL ${embedded.version}` : 'PostgreSQL',
    // Workers open the same configuration: the embedded server is found running and attached to.
    env: { SEED_DEMO: 'false' },
    stop: async () => embedded?.stop(),
  };
}
