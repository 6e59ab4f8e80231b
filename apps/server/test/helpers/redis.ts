import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './postgres.js';

/** A throwaway Redis server for one test file. */
export interface RedisServer {
  url: string;
  stop(): Promise<void>;
}

/** Whether the Debian redis-server binary is installed. */
export function hasRedis(): boolean {
  return spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).status === 0;
}

/**
 * The reason to skip Redis tests here, or null when they run. Under CI=true a missing
 * server is an error, not a skip.
 */
export function redisSkipReason(): string | null {
  if (hasRedis()) return null;
  const reason = 'redis-server is not installed (apt-get install redis-server)';
  if (process.env.CI === 'true') throw new Error(`${reason}; CI requires the Redis tests`);
  console.warn(`\n[skip] Redis tests skipped: ${reason}\n`);
  return reason;
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' }, () => {
      socket.end();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

/** Start redis-server on a free loopback port, without persistence, in a temporary directory. */
export async function startRedis(): Promise<RedisServer> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'invigil-redis-'));
  const port = await freePort();
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
    ],
    { stdio: 'ignore' },
  );
  const deadline = Date.now() + 10_000;
  while (!(await answers(port))) {
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error('redis-server did not start');
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
