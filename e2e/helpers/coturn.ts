import { spawn, spawnSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** Debian's coturn (`apt-get install coturn`); the tests never download one. */
export const TURNSERVER = process.env.TURNSERVER_PATH ?? '/usr/bin/turnserver';

/** A throwaway coturn on loopback, for one test file or one benchmark. */
export interface Coturn {
  port: number;
  /** The `static-auth-secret` (TURN REST API), i.e. the server's TURN_SECRET. */
  secret: string;
  realm: string;
  /** `turn:` URLs for UDP and TCP, i.e. the server's TURN_URLS. */
  urls: string[];
  /** The environment that points Invigil at this TURN server. */
  env: { TURN_URLS: string; TURN_SECRET: string };
  logFile: string;
  /** coturn's log so far. */
  log(): string;
  /** TURN users with a successful relay allocation so far (from the log). */
  allocations(): string[];
  stop(): Promise<void>;
}

/**
 * The reason to skip TURN tests here, or undefined when they run. Under CI=true a missing
 * turnserver is an error, not a skip (.ci/run installs coturn).
 */
export function coturnUnavailable(): string | undefined {
  if (existsSync(TURNSERVER)) return undefined;
  const reason = `coturn not found at ${TURNSERVER} (apt-get install coturn)`;
  if (process.env.CI === 'true') throw new Error(`${reason}; CI requires the TURN tests`);
  console.warn(`\n[skip] TURN tests skipped: ${reason}\n`);
  return reason;
}

/** Whether coturn runs at all (the binary may exist but lack its libraries). */
export function coturnVersion(): string | null {
  const run = spawnSync(TURNSERVER, ['--version'], { encoding: 'utf8' });
  return run.status === 0 ? run.stdout.trim() : null;
}

/** A loopback port free for both TCP and UDP (coturn listens on both). */
async function freeUdpTcpPort(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt += 1) {
    const port = await new Promise<number>((resolve, reject) => {
      const srv = createServer();
      srv.once('error', reject);
      srv.listen(0, '127.0.0.1', () => {
        const address = srv.address();
        const p = typeof address === 'object' && address ? address.port : 0;
        srv.close(() => resolve(p));
      });
    });
    const udpFree = await new Promise<boolean>((resolve) => {
      const socket = createSocket('udp4');
      socket.once('error', () => resolve(false));
      socket.bind(port, '127.0.0.1', () => socket.close(() => resolve(true)));
    });
    if (udpFree) return port;
  }
  throw new Error('no free loopback port for TCP and UDP');
}

/**
 * A STUN Binding request over UDP (RFC 5389): true when the server answers with a Binding
 * success. This proves coturn serves, not only that a socket is bound.
 */
export function stunAnswers(port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    const id = randomBytes(12);
    const request = Buffer.concat([
      Buffer.from([0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42]),
      id,
    ]);
    const done = (ok: boolean) => {
      clearTimeout(timer);
      socket.close();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.on('message', (msg) =>
      done(msg.readUInt16BE(0) === 0x0101 && msg.subarray(8, 20).equals(id)),
    );
    socket.on('error', () => done(false));
    socket.send(request, port, '127.0.0.1');
  });
}

/**
 * Credentials by the TURN REST scheme coturn's `use-auth-secret` checks: username
 * `expiry:user`, password base64(HMAC-SHA1(secret, username)). The server makes the same for
 * browsers (GET /api/rtc/ice-servers); the benchmark's raw peer connections use this.
 */
export function turnCredentials(secret: string, user: string, ttlSeconds = 3600) {
  const username = `${Math.floor(Date.now() / 1000) + ttlSeconds}:${user}`;
  const credential = createHmac('sha1', secret).update(username).digest('base64');
  return { username, credential };
}

/**
 * Start coturn on a free loopback port (UDP and TCP, no TLS/DTLS, no CLI), with a random
 * static auth secret, peers on loopback allowed (both browsers are on this machine) and a
 * relay port range of its own; resolves once it answers a STUN request.
 */
export async function startCoturn(): Promise<Coturn> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'invigil-coturn-'));
  const port = await freeUdpTcpPort();
  const secret = randomBytes(16).toString('hex');
  const realm = 'invigil.test';
  const logFile = path.join(dir, 'turn.log');
  // A random 200-port window, so that parallel test files do not share relay ports.
  const minPort = 50_000 + Math.floor(Math.random() * 50) * 200;
  const child = spawn(
    TURNSERVER,
    [
      '-n',
      `--listening-ip=127.0.0.1`,
      `--relay-ip=127.0.0.1`,
      `--listening-port=${port}`,
      `--min-port=${minPort}`,
      `--max-port=${minPort + 199}`,
      '--allow-loopback-peers',
      '--use-auth-secret',
      `--static-auth-secret=${secret}`,
      `--realm=${realm}`,
      '--fingerprint',
      '--no-tls',
      '--no-dtls',
      '--no-cli',
      '--no-rfc5780',
      `--userdb=${path.join(dir, 'turndb')}`,
      `--pidfile=${path.join(dir, 'turn.pid')}`,
      `--log-file=${logFile}`,
      '--simple-log',
      '--no-stdout-log',
      // Verbose: each ALLOCATE / CREATE_PERMISSION is logged, which the tests may read.
      '-v',
    ],
    { stdio: 'ignore' },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const log = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(killer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 15_000;
  while (!(await stunAnswers(port))) {
    if (Date.now() > deadline || child.exitCode !== null) {
      const tail = log().split('\n').slice(-20).join('\n');
      await stop();
      throw new Error(`coturn did not start on 127.0.0.1:${port}:\n${tail}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const urls = [`turn:127.0.0.1:${port}?transport=udp`, `turn:127.0.0.1:${port}?transport=tcp`];
  return {
    port,
    secret,
    realm,
    urls,
    env: { TURN_URLS: urls.join(','), TURN_SECRET: secret },
    logFile,
    log,
    allocations: () =>
      [...log().matchAll(/user <([^>]*)>: incoming packet ALLOCATE processed, success/g)].map(
        (m) => m[1]!,
      ),
    stop,
  };
}
