import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import {
  accessSync,
  appendFileSync,
  closeSync,
  constants,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { freePort } from './postgres.js';

/** A throwaway one-node Ceph cluster serving S3 through radosgw, for one test file. */
export interface CephServer {
  /** `http://127.0.0.1:<port>` of radosgw; path-style requests only (no DNS names). */
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** How long the start took, for the log; never asserted. */
  startMs: number;
  /** Kill every process of the cluster and remove its directory. */
  stop(): Promise<void>;
}

const BINARIES = ['monmaptool', 'ceph-mon', 'ceph-osd', 'radosgw', 'radosgw-admin', 'ceph'];
/** Generous: a start takes about 2 s on an idle machine, more beside other test files on 2 cores. */
const START_DEADLINE_MS = 150_000;
const POLL_MS = 100;

function onPath(bin: string): boolean {
  return (process.env.PATH ?? '').split(path.delimiter).some((dir) => {
    try {
      accessSync(path.join(dir, bin), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * The reason to skip Ceph tests here, or null when they run. Under CI=true missing binaries
 * are an error, not a skip.
 */
export function cephSkipReason(): string | null {
  const missing = BINARIES.filter((bin) => !onPath(bin));
  if (missing.length === 0) return null;
  const reason =
    `${missing.join(', ')} not installed (apt-get install --no-install-recommends ` +
    'ceph-mon ceph-osd radosgw ceph-common)';
  if (process.env.CI === 'true') throw new Error(`${reason}; CI requires the Ceph tests`);
  console.warn(`\n[skip] Ceph RGW tests skipped: ${reason}\n`);
  return reason;
}

/**
 * Every daemon and command of one cluster, each in its own process group so that killing the
 * group also takes any helper it forked.
 */
class ProcessGroup {
  private readonly children = new Set<ChildProcess>();
  private stopping = false;
  /** Set when a daemon exited on its own: every later wait fails at once with this reason. */
  died: string | undefined;

  /** `groups` lists every process group id, one a line, for the watchdog. */
  constructor(
    private readonly logDir: string,
    private readonly groups: string,
  ) {}

  /** Start a long-running daemon in the foreground, its output appended to `<name>.out`. */
  daemon(name: string, cmd: string, args: string[]): void {
    const fd = openSync(path.join(this.logDir, `${name}.out`), 'a');
    try {
      const child = spawn(cmd, args, { detached: true, stdio: ['ignore', fd, fd] });
      this.track(child);
      child.once('exit', (code, signal) => {
        if (!this.stopping) this.died ??= `${name} exited (${signal ?? `code ${code}`})`;
      });
    } finally {
      closeSync(fd);
    }
  }

  /** Run a command to completion and return its standard output; killed after `timeoutMs`. */
  run(cmd: string, args: string[], timeoutMs: number): Promise<string> {
    return new Promise((resolve, reject) => {
      const child = spawn(cmd, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
      this.track(child);
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      // Also give up when a daemon it talks to has died: the command would wait forever.
      const watch = setInterval(() => {
        if (this.died) killGroup(child);
      }, POLL_MS);
      const timer = setTimeout(() => killGroup(child), timeoutMs);
      child.once('error', reject);
      child.once('close', (code, signal) => {
        clearTimeout(timer);
        clearInterval(watch);
        if (code === 0) return resolve(out);
        const why = this.died ?? (signal ? `killed after ${timeoutMs} ms` : `exit code ${code}`);
        reject(new Error(`${cmd} ${args.join(' ')}: ${why}\n${err.trim() || out.trim()}`));
      });
    });
  }

  private track(child: ChildProcess): void {
    this.children.add(child);
    if (child.pid !== undefined) appendFileSync(this.groups, `${child.pid}\n`);
    child.once('exit', () => this.children.delete(child));
  }

  /** SIGKILL every group at once; synchronous so that it can run in a process 'exit' hook. */
  killAll = (): void => {
    this.stopping = true;
    for (const child of this.children) killGroup(child);
  };

  /** Kill everything and wait until every child has exited. */
  async stop(): Promise<void> {
    const exits = [...this.children].map(
      (child) => new Promise<void>((resolve) => child.once('exit', () => resolve())),
    );
    this.killAll();
    await Promise.all(exits);
  }
}

/** Once this process is gone, kill every group listed in `groups` and remove `dir`. */
const WATCHDOG = `
while kill -0 "$1" 2>/dev/null; do sleep 1; done
for group in $(cat "$2" 2>/dev/null); do kill -s KILL -- "-$group" 2>/dev/null; done
rm -rf "$3"
`;

function startWatchdog(groups: string, dir: string): ChildProcess {
  const child = spawn('sh', ['-c', WATCHDOG, 'ceph-watchdog', String(process.pid), groups, dir], {
    detached: true,
    stdio: 'ignore',
  });
  child.unref();
  return child;
}

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

function lastLines(dir: string, count = 15): string {
  if (!existsSync(dir)) return '';
  return readdirSync(dir)
    .sort()
    .map((name) => {
      const lines = readFileSync(path.join(dir, name), 'utf8').trimEnd().split('\n');
      return `--- ${name} (last ${Math.min(count, lines.length)} lines)\n${lines.slice(-count).join('\n')}`;
    })
    .join('\n');
}

function cephConf(dir: string, fsid: string, monPort: number, rgwPort: number): string {
  return `[global]
fsid = ${fsid}
mon host = v2:127.0.0.1:${monPort}
public addr = 127.0.0.1
cluster addr = 127.0.0.1
ms bind msgr1 = false
ms bind ipv6 = false
# Without these, radosgw hangs in authentication (see the toolbox notes).
auth cluster required = none
auth service required = none
auth client required = none
ms mon client mode = crc
ms client mode = crc
ms cluster mode = crc
ms service mode = crc
ms mon cluster mode = crc
ms mon service mode = crc
# Everything under the temporary directory, nothing in /var or /etc.
run dir = ${dir}/run
admin socket =
pid file =
crash dir = ${dir}/crash
log file = ${dir}/log/$name.log
mon cluster log file = ${dir}/log/cluster.log
log to stderr = false
err to stderr = true
mon data = ${dir}/mon/$name
osd data = ${dir}/osd/$name
rgw data = ${dir}/rgw
keyring = ${dir}/keyring
# One in-memory OSD: one replica, few placement groups.
osd objectstore = memstore
memstore device bytes = 536870912
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon max pg per osd = 1000
mon allow pool size one = true
mon warn on pool no redundancy = false
# A nearly full /tmp on a CI machine must not stop the monitor.
mon data avail crit = 0
# The monitor batches map changes for 1 s by default; radosgw creates its pools one after
# another and waits for each, so this one setting takes a start from ~12 s to ~2 s.
paxos propose interval = 0.1

[client.rgw.test]
rgw frontends = beast endpoint=127.0.0.1:${rgwPort}
`;
}

async function rgwAnswers(endpoint: string): Promise<boolean> {
  try {
    const res = await fetch(endpoint, { signal: AbortSignal.timeout(2_000) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

/** A failed start, and whether it failed because a port was taken after it was picked. */
class CephStartError extends Error {
  constructor(
    message: string,
    readonly portTaken: boolean,
    cause: unknown,
  ) {
    super(message, { cause });
  }
}

/**
 * Start a monitor, one memstore OSD and radosgw on loopback in a fresh temporary directory
 * (free ports), wait until radosgw answers, and create an S3 user with random keys. Each step
 * waits by polling; a start that fails or passes its deadline kills what it started and
 * throws with the last lines of every log.
 */
export async function startCeph(): Promise<CephServer> {
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(started);
    } catch (err) {
      // A port is free when picked and bound a moment later; another process can take it in
      // between. Only that is worth another try, in a new directory with new ports.
      if (!(err instanceof CephStartError && err.portTaken && attempt < 3)) throw err;
      console.warn(`Ceph start ${attempt} lost a port to another process; starting again`);
    }
  }
}

async function startOnce(started: number): Promise<CephServer> {
  const deadline = started + START_DEADLINE_MS;
  const left = () => Math.max(1_000, deadline - Date.now());
  const dir = mkdtempSync(path.join(os.tmpdir(), 'invigil-ceph-'));
  for (const sub of ['run', 'log', 'crash', 'mon/mon.a', 'osd/osd.0', 'rgw']) {
    mkdirSync(path.join(dir, sub), { recursive: true });
  }
  const logDir = path.join(dir, 'log');
  const groups = path.join(dir, 'process-groups');
  const procs = new ProcessGroup(logDir, groups);
  // A test process that ends without stop() (a crash, or killed by the runner) must not
  // leave the cluster running: the 'exit' hook covers a normal exit, the watchdog the rest.
  const watchdog = startWatchdog(groups, dir);
  const onExit = () => {
    procs.killAll();
    killGroup(watchdog);
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // Best effort: a daemon may still be dying.
    }
  };
  process.once('exit', onExit);
  const remove = async () => {
    await procs.stop();
    killGroup(watchdog);
    process.off('exit', onExit);
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    const fsid = randomUUID();
    const [monPort, rgwPort] = [await freePort(), await freePort()];
    const conf = path.join(dir, 'ceph.conf');
    writeFileSync(conf, cephConf(dir, fsid, monPort, rgwPort));
    const c = ['-c', conf];

    const monmap = path.join(dir, 'monmap');
    await procs.run(
      'monmaptool',
      ['--create', '--fsid', fsid, '--addv', 'a', `[v2:127.0.0.1:${monPort}]`, monmap],
      left(),
    );
    await procs.run('ceph-mon', [...c, '--mkfs', '-i', 'a', '--monmap', monmap], left());
    procs.daemon('mon.a', 'ceph-mon', [...c, '-i', 'a', '-f']);

    // `osd new` waits for the monitor's quorum itself, so no separate wait is needed.
    const osdUuid = randomUUID();
    const osdId = (await procs.run('ceph', [...c, 'osd', 'new', osdUuid], left())).trim();
    if (osdId !== '0') throw new Error(`expected OSD id 0, got ${JSON.stringify(osdId)}`);
    await procs.run('ceph-osd', [...c, '-i', '0', '--mkfs', '--osd-uuid', osdUuid], left());
    procs.daemon('osd.0', 'ceph-osd', [...c, '-i', '0', '-f']);

    // radosgw creates its pools and waits for the OSD by itself; it listens once they exist.
    procs.daemon('rgw', 'radosgw', [...c, '-n', 'client.rgw.test', '-f']);
    const endpoint = `http://127.0.0.1:${rgwPort}`;
    while (!(await rgwAnswers(endpoint))) {
      if (procs.died) throw new Error(procs.died);
      if (Date.now() > deadline) {
        throw new Error(`radosgw did not answer on ${endpoint} within ${START_DEADLINE_MS} ms`);
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }

    const accessKeyId = `INVIGIL${randomBytes(8).toString('hex').toUpperCase()}`;
    const secretAccessKey = randomBytes(30).toString('base64url');
    await procs.run(
      'radosgw-admin',
      [
        ...c,
        'user',
        'create',
        '--uid',
        'invigil-test',
        '--display-name',
        'Invigil tests',
        '--access-key',
        accessKeyId,
        '--secret-key',
        secretAccessKey,
      ],
      left(),
    );
    return {
      endpoint,
      region: 'us-east-1',
      accessKeyId,
      secretAccessKey,
      startMs: Date.now() - started,
      stop: remove,
    };
  } catch (err) {
    const logs = lastLines(logDir);
    await remove();
    const message = err instanceof Error ? err.message : String(err);
    const portTaken = /Address already in use/.test(logs);
    throw new CephStartError(`Ceph did not start: ${message}\n${logs}`, portTaken, err);
  }
}

/**
 * A plain SDK client for the test user, to look behind the adapter (ETags, metadata, pending
 * multipart uploads) and to create buckets. Destroy it when done.
 */
export function cephClient(server: CephServer, secretAccessKey = server.secretAccessKey): S3Client {
  return new S3Client({
    endpoint: server.endpoint,
    region: server.region,
    forcePathStyle: true,
    credentials: { accessKeyId: server.accessKeyId, secretAccessKey },
    // The SDK's default trailing checksums are refused by this RGW version (see s3.blob-store.ts).
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/** Create a bucket owned by the test user. */
export async function createBucket(server: CephServer, bucket: string): Promise<void> {
  const client = cephClient(server);
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  } finally {
    client.destroy();
  }
}
