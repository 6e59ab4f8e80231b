import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { freePort } from '../../apps/server/test/helpers/postgres.js';
import { descendantsOf } from './proc-stats.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = path.join(ROOT, 'apps/server/dist/cli.js');
const SOURCE_CLI = path.join(ROOT, 'apps/server/src/cli.ts');

/** A server the load runs against, started by the bench or already running. */
export interface ServerUnderTest {
  url: string;
  /** Root of the process tree whose CPU and RSS are measured (undefined: not measurable). */
  pid?: number;
  /** The database engine as the server named it ("reference" for the raw-disk server). */
  engine: string;
  admin?: { email: string; password: string };
  /** Everything the server printed (for the report when it fails). */
  output(): string;
  stop(): Promise<void>;
}

/** Options for starting Invigil. */
export interface StartOptions {
  env: Record<string, string>;
  /** A PostgreSQL server in which a fresh database is created for this run. */
  databaseUrl?: string;
  /** Run the TypeScript sources through tsx instead of the built dist/cli.js. */
  fromSource?: boolean;
}

/** A fresh database on the PostgreSQL server at `serverUrl`, and how to drop it. */
async function freshDatabase(serverUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `invigil_bench_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: serverUrl });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

function spawnLogged(cmd: string, args: string[], env: NodeJS.ProcessEnv) {
  const child = spawn(cmd, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (d: Buffer) => {
    out += d.toString();
    if (out.length > 200_000) out = out.slice(-100_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  return { child, output: () => out };
}

/** Wait until `ready(output)` matches, the process exits (an error) or `timeoutMs` passes. */
function waitForLine(
  child: ChildProcess,
  output: () => string,
  ready: RegExp,
  timeoutMs: number,
): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      const m = output().match(ready);
      if (m) {
        cleanup();
        resolve(m);
      }
    }, 100);
    const deadline = setTimeout(() => {
      cleanup();
      reject(new Error(`server did not start within ${timeoutMs / 1000} s:\n${output()}`));
    }, timeoutMs);
    const onExit = (code: number | null, signal: string | null) => {
      cleanup();
      reject(new Error(`server exited (${code ?? signal}) before it was ready:\n${output()}`));
    };
    const cleanup = () => {
      clearInterval(timer);
      clearTimeout(deadline);
      child.off('exit', onExit);
    };
    child.once('exit', onExit);
  });
}

/**
 * Stop a child and everything it started: SIGTERM (a clean shutdown stops embedded PostgreSQL),
 * then SIGKILL to whatever of its tree is left after `graceMs`.
 */
async function stopTree(child: ChildProcess, graceMs = 20_000): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const tree = descendantsOf([child.pid]);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const timedOut = await Promise.race([
    exited.then(() => false),
    new Promise<boolean>((r) => (timer = setTimeout(() => r(true), graceMs))),
  ]);
  clearTimeout(timer);
  for (const pid of tree) {
    if (timedOut || pid !== child.pid) {
      try {
        process.kill(pid, 0);
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}

/**
 * Start `invigil start` (the built apps/server/dist/cli.js) as a child process on a free port
 * with a fresh DATA_DIR and the demo seeded (its admin signs the bench in), limits raised so
 * that only capacity limits the run.
 */
export async function startInvigil(opts: StartOptions): Promise<ServerUnderTest> {
  if (!opts.fromSource && !existsSync(CLI)) {
    throw new Error(`${CLI} is missing: npm run build -w @invigil/server`);
  }
  const port = await freePort();
  const dataDir = path.join(os.tmpdir(), `invigil-load-${randomBytes(6).toString('hex')}`);
  mkdirSync(dataDir, { recursive: true });
  const db = opts.databaseUrl ? await freshDatabase(opts.databaseUrl) : undefined;
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    SEED_DEMO: 'true',
    LOGIN_RATE_LIMIT_PER_MINUTE: '10000',
    WRITE_RATE_LIMIT_PER_MINUTE: '1000000',
    LOG_LEVEL: 'warn',
    ...(db ? { DATABASE_URL: db.url } : {}),
    ...opts.env,
  };
  const args = opts.fromSource ? ['--import', 'tsx', SOURCE_CLI, 'start'] : [CLI, 'start'];
  const { child, output } = spawnLogged(process.execPath, args, env);
  const cleanup = async () => {
    await stopTree(child);
    await db?.drop().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const m = await waitForLine(
      child,
      output,
      /Invigil is running at .*database: ([^)]+)\)/,
      180_000,
    );
    const creds = JSON.parse(readFileSync(path.join(dataDir, 'demo-credentials.json'), 'utf8')) as {
      role: string;
      email: string;
      password: string;
    }[];
    const admin = creds.find((c) => c.role === 'admin');
    if (!admin) throw new Error('the demo seed wrote no admin');
    return {
      url: `http://127.0.0.1:${port}`,
      pid: child.pid!,
      engine: m[1]!,
      admin: { email: admin.email, password: admin.password },
      output,
      stop: cleanup,
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

/** Start the raw-disk reference server (bench/load/raw-disk-server.ts) as a child process. */
export async function startReference(): Promise<ServerUnderTest> {
  const port = await freePort();
  const dataDir = path.join(os.tmpdir(), `invigil-ref-${randomBytes(6).toString('hex')}`);
  mkdirSync(dataDir, { recursive: true });
  const { child, output } = spawnLogged(
    process.execPath,
    ['--import', 'tsx', path.join(ROOT, 'bench/load/raw-disk-server.ts')],
    { PATH: process.env.PATH, HOME: process.env.HOME, PORT: String(port), DATA_DIR: dataDir },
  );
  const cleanup = async () => {
    await stopTree(child, 5000);
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await waitForLine(child, output, /reference listening/, 30_000);
    return {
      url: `http://127.0.0.1:${port}`,
      pid: child.pid!,
      engine: 'reference (raw disk)',
      output,
      stop: cleanup,
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

/** A server that is already running: nothing to start or stop. */
export async function existingServer(
  url: string,
  admin: { email: string; password: string },
  pid?: number,
): Promise<ServerUnderTest> {
  const res = await fetch(`${url}/healthz`);
  const health = (await res.json()) as { database?: string };
  return {
    url,
    ...(pid ? { pid } : {}),
    engine: health.database ?? 'unknown',
    admin,
    output: () => '',
    stop: async () => undefined,
  };
}
