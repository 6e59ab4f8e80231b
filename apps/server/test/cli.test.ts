import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

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
    execFileSync(process.execPath, [path.join(serverDir, 'build.mjs')]);
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'invigil-cli-'));
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

  it('rejects unknown commands with usage', () => {
    const res = run(['frobnicate']);
    expect(res.status).toBe(2);
    expect(res.stderr).toMatch(/Usage: invigil/);
  });

  it('start serves /healthz, seeds and prints the demo on a fresh data directory, and stops on SIGTERM', async () => {
    const fresh = mkdtempSync(path.join(os.tmpdir(), 'invigil-start-'));
    const child = spawn(process.execPath, [cli, 'start'], {
      env: { ...process.env, DATA_DIR: fresh, PORT: '0', LOG_LEVEL: 'warn' },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const deadline = Date.now() + 60_000;
    while (!/listening on (http:\/\/\S+)/.test(out) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
    }
    const url = /listening on (http:\/\/[^,\s)]+)/.exec(out)?.[1];
    expect(url, out).toBeDefined();
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok', database: 'pglite' });
    expect(out).toMatch(/student1@demo\.invigil\.test\s+demo-\S+/);
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    rmSync(fresh, { recursive: true, force: true });
  });
});
