import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatMasterKey, generateMasterKey, parseMasterKeys } from '../src/crypto/master-keys.js';
import { isPostmasterOf, readPostmasterPid, waitFor } from '../src/db/postmaster-pid.js';
import { HttpClient } from './helpers/http-client.js';
import { connectLive, type LiveSocket } from './helpers/live-socket.js';
import { freePort } from './helpers/postgres.js';

/** Child processes of `parent` (Linux /proc). */
function childPids(parent: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command may contain spaces and parentheses: fields start after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === parent) out.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return out;
}

const isNodeProcess = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('cli.js');
  } catch {
    return false;
  }
};

/**
 * A fresh DATA_DIR for `invigil start` on the default engine: the environment without any
 * DATABASE_* variable, and `cleanup` that stops a PostgreSQL left in it and removes it.
 */
function freshInstall(prefix: string) {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  // As root, the embedded PostgreSQL runs as the postgres user, who must enter DATA_DIR.
  chmodSync(dir, 0o755);
  const cluster = path.join(dir, 'postgres');
  const env: Record<string, string | undefined> = { ...process.env, DATA_DIR: dir };
  for (const key of Object.keys(env)) if (key.startsWith('DATABASE_')) delete env[key];
  const cleanup = async () => {
    const pid = readPostmasterPid(cluster)?.pid;
    if (pid && isPostmasterOf(pid, cluster)) {
      process.kill(pid, 'SIGQUIT');
      await waitFor(() => !isPostmasterOf(pid, cluster), 10_000);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  return { dir, cluster, env, cleanup };
}

const serverDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(serverDir, 'dist', 'cli.js');

/** The `invigil` command exactly as operators run it: the bundled build in a child process. */
describe('invigil CLI', () => {
  let dataDir: string;
  const run = (args: string[], input = '', env: Record<string, string> = {}) =>
    spawnSync(process.execPath, [cli, ...args], {
      input,
      encoding: 'utf8',
      env: { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'warn', ...env },
      timeout: 60_000,
    });

  beforeAll(() => {
    // The integration project's global setup built dist/ (server-build.ts).
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'invigil-cli-'));
    // As root, the embedded PostgreSQL runs as the postgres user, who must enter DATA_DIR.
    chmodSync(dataDir, 0o755);
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('migrates, adds a user from stdin, and refuses a weak password or bad role', () => {
    expect(run(['migrate']).status).toBe(0);
    const added = run(
      ['user', 'add', '--email', 'Head@Uni.Example', '--role', 'admin'],
      'a long passphrase here\n',
    );
    expect(added.stderr).toBe('');
    expect(added.stdout).toMatch(/Created admin head@uni\.example/);
    const weak = run(['user', 'add', '--email', 'x@uni.example', '--role', 'student'], 'short');
    expect(weak.status).not.toBe(0);
    const badRole = run(
      ['user', 'add', '--email', 'y@uni.example', '--role', 'king'],
      'a long passphrase here',
    );
    expect(badRole.status).toBe(2);
    expect(badRole.stderr).toMatch(/role/);
    const dup = run(
      ['user', 'add', '--email', 'head@uni.example', '--role', 'admin'],
      'another long passphrase',
    );
    expect(dup.status).toBe(1);
    expect(dup.stderr).toMatch(/already exists/);
  });

  it('seeds the demo only into an empty database', () => {
    const seeded = run(['seed-demo']);
    expect(seeded.stdout).toMatch(/not empty/);
  });

  it('makes master keys, rotates to the newest and encrypts what is not yet encrypted', () => {
    const made = run(['keys', 'new', '--id', 'k2']);
    expect(made.status, made.stderr).toBe(0);
    const [next] = parseMasterKeys(made.stdout);
    expect(next?.id).toBe('k2');
    expect(run(['keys', 'new', '--id', 'no spaces']).status).toBe(2);
    // The key this data directory generated (if a server ran), then the new one.
    const keyFile = path.join(dataDir, 'master.key');
    const current = existsSync(keyFile)
      ? parseMasterKeys(readFileSync(keyFile, 'utf8'))
      : [generateMasterKey('k1')];
    const keys = [...current, next!].map(formatMasterKey).join(',');
    const rotated = run(['keys', 'rotate'], '', { MASTER_KEY: keys });
    expect(rotated.status, rotated.stderr).toBe(0);
    expect(rotated.stdout).toMatch(/wrapped by master key k2/);
    const encrypted = run(['keys', 'encrypt-existing'], '', { MASTER_KEY: keys });
    expect(encrypted.status, encrypted.stderr).toBe(0);
    expect(encrypted.stdout).toMatch(/Encrypted 0, already encrypted \d+, missing 0/);
    expect(run(['keys', 'shred']).status).toBe(2);
  });

  it('verifies the audit trail and records that it did', () => {
    const res = run(['audit', 'verify']);
    expect(res.status, `${res.stdout}${res.stderr}`).toBe(0);
    expect(res.stdout).toMatch(/\d+ entries, \d+ checkpoints/);
    expect(res.stdout).toMatch(/The audit trail holds/);
    expect(run(['audit', 'mend']).status).toBe(2);
  });

  it('stops with every configuration problem listed', () => {
    const res = run(['migrate'], '', {
      PORT: 'x',
      DATABASE_URL: 'mysql://db',
      NODE_ENV: 'production',
      SEED_DEMO: 'true',
    });
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(/PORT/);
    expect(res.stderr).toMatch(/DATABASE_URL/);
  });

  it('refuses an unknown role before starting anything', () => {
    const res = run(['start', '--roles=api,scheduler']);
    expect(res.status).toBe(2);
    expect(res.stderr).toMatch(/Unknown role scheduler: use all or api, ws, ingest, worker/);
    const env = run(['start'], '', { ROLES: 'ingest,,nope' });
    expect(env.status).toBe(1);
    expect(env.stderr).toMatch(/ROLES: Unknown role nope/);
  });

  it('rejects unknown commands with usage', () => {
    const res = run(['frobnicate']);
    expect(res.status).toBe(2);
    expect(res.stderr).toMatch(/Usage: invigil/);
  });

  it('start serves /healthz on the embedded PostgreSQL, seeds and prints the demo on a fresh data directory, and stops it on SIGTERM', async () => {
    const { cluster, env, cleanup } = freshInstall('invigil-start-');
    const child = spawn(process.execPath, [cli, 'start'], {
      env: { ...env, PORT: '0', LOG_LEVEL: 'warn' },
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    try {
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      await waitFor(() => /listening on (http:\/\/\S+)/.test(out), 60_000);
      const url = /listening on (http:\/\/[^,\s)]+)/.exec(out)?.[1];
      expect(url, out).toBeDefined();
      const health = await fetch(`${url}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: 'ok', database: 'embedded-postgres' });
      expect(out).toMatch(/database: embedded PostgreSQL 18\./);
      expect(out).toMatch(/student1@demo\.invigil\.test\s+demo-\S+/);
      const pid = readPostmasterPid(cluster)?.pid;
      expect(pid && isPostmasterOf(pid, cluster)).toBe(true);

      // An admin command while the server runs uses its PostgreSQL and leaves it running.
      const added = spawnSync(
        process.execPath,
        [cli, 'user', 'add', '--email', 'ops@uni.example', '--role', 'student'],
        { input: 'a long passphrase here', encoding: 'utf8', env, timeout: 60_000 },
      );
      expect(added.stdout, added.stderr).toMatch(/Created student ops@uni\.example/);
      expect(isPostmasterOf(pid!, cluster)).toBe(true);
      expect((await fetch(`${url}/healthz`)).status).toBe(200);

      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(isPostmasterOf(pid!, cluster)).toBe(false);
      expect(readPostmasterPid(cluster)).toBeUndefined();
    } finally {
      // Never leave a server or a PostgreSQL behind, even when an assertion above failed.
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await cleanup();
    }
  });
  it('start with WORKERS=2 serves one port from two processes that share live messages, and restarts a killed one', async () => {
    const { cluster, env, cleanup } = freshInstall('invigil-cluster-');
    const port = await freePort();
    const child = spawn(process.execPath, [cli, 'start'], {
      env: { ...env, PORT: String(port), LOG_LEVEL: 'warn', WORKERS: '2' },
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const sockets: LiveSocket[] = [];
    try {
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      // The ready line and the demo's passwords may arrive in separate chunks: wait for both.
      await waitFor(
        () =>
          /2 server processes/.test(out) && /proctor@demo\.invigil\.test\s+demo-\S+\n/.test(out),
        90_000,
      );
      const url = `http://127.0.0.1:${port}`;
      const workers = () => childPids(child.pid!).filter((pid) => isNodeProcess(pid));
      expect(workers()).toHaveLength(2);
      const health = await fetch(`${url}/healthz`);
      expect(await health.json()).toEqual({ status: 'ok', database: 'embedded-postgres' });
      expect(out).toMatch(/database: embedded PostgreSQL 18\./);
      const password = (email: string) =>
        new RegExp(`${email.replace(/\./g, '\\.')}\\s+(demo-\\S+)`).exec(out)?.[1] ?? '';
      const proctor = new HttpClient(url);
      await proctor.login('proctor@demo.invigil.test', password('proctor@demo.invigil.test'));
      const exams = await proctor.get('/api/exams');
      const examId =
        (exams.body as { items?: { id: string }[] }).items?.[0]?.id ??
        (exams.body as { id: string }[])[0]?.id;
      expect(examId, JSON.stringify(exams.body)).toBeDefined();
      // New connections go to the workers in turn: four sockets are on both processes.
      for (let i = 0; i < 4; i += 1) {
        const socket = await connectLive(url, proctor, `examId=${examId}`, { origin: url });
        await socket.untilReady();
        sockets.push(socket);
      }
      const sent = await proctor.post(`/api/exams/${examId}/announcements`, {
        body: 'Ten minutes left',
      });
      expect(sent.status, JSON.stringify(sent.body)).toBe(201);
      for (const socket of sockets) {
        await socket.waitFor((m) => m.topic === 'chat.message');
      }

      // A worker that dies is started again; the port keeps answering meanwhile.
      const [victim] = workers();
      process.kill(victim!, 'SIGKILL');
      await waitFor(() => workers().length === 2 && !workers().includes(victim!), 60_000);
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      // The primary's log line travels through a pipe: it may arrive after the new process.
      const restarted = /server process \d exited \(SIGKILL\); starting it again/;
      expect(await waitFor(() => restarted.test(out), 10_000), out).toBe(true);

      const pid = readPostmasterPid(cluster)?.pid;
      expect(pid && isPostmasterOf(pid, cluster)).toBe(true);
      for (const socket of sockets) await socket.close();
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(isPostmasterOf(pid!, cluster)).toBe(false);
    } finally {
      for (const socket of sockets) await socket.close().catch(() => undefined);
      for (const pid of childPids(child.pid!)) process.kill(pid, 'SIGKILL');
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await cleanup();
    }
  });
  it('start with WORKERS=2 gives up with an error when the port is taken, leaving no PostgreSQL', async () => {
    const { cluster, env, cleanup } = freshInstall('invigil-busy-');
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    const res = spawnSync(process.execPath, [cli, 'start'], {
      env: { ...env, PORT: String(port), LOG_LEVEL: 'warn', WORKERS: '2' },
      encoding: 'utf8',
      timeout: 90_000,
    });
    try {
      expect(res.status, res.stdout + res.stderr).toBe(1);
      expect(res.stderr).toMatch(/EADDRINUSE/);
      expect(res.stderr).toMatch(/server process \d exited .* while starting/);
      await waitFor(() => readPostmasterPid(cluster) === undefined, 10_000);
      expect(readPostmasterPid(cluster)).toBeUndefined();
    } finally {
      blocker.close();
      await cleanup();
    }
  });
});
