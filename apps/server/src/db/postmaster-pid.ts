import {
  existsSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  unlinkSync,
} from 'node:fs';
import path from 'node:path';

/** What a running PostgreSQL writes into `<data dir>/postmaster.pid` (PostgreSQL 10 and later). */
export interface PostmasterPid {
  pid: number;
  port: number;
  /** The first unix socket directory ('' when it listens on none). */
  socketDir: string;
  /** `starting`, `ready`, `stopping` or `standby`. */
  status: string;
}

/** Read `postmaster.pid` of a data directory; undefined when there is none (or it is half-written). */
export function readPostmasterPid(dataDir: string): PostmasterPid | undefined {
  let text: string;
  try {
    text = readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8');
  } catch {
    return undefined;
  }
  const lines = text.split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || pid <= 0 || !Number.isInteger(port)) return undefined;
  return { pid, port, socketDir: lines[4]?.trim() ?? '', status: lines[7]?.trim() ?? '' };
}

/**
 * Whether `pid` is a live postmaster of `dataDir`. A pid file outlives a crash, and its pid
 * may since belong to another program: on Linux the process must be named postgres, not be a
 * zombie, and have the data directory as its working directory (PostgreSQL changes into it).
 * Where /proc cannot tell, a process that exists counts.
 */
export function isPostmasterOf(pid: number, dataDir: string): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: it exists but belongs to another user (the postgres user, for a non-root caller).
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return true;
  }
  const m = /^\d+ \((.*)\) (\S)/.exec(stat);
  if (m && (m[1] !== 'postgres' || m[2] === 'Z' || m[2] === 'X')) return false;
  try {
    return realpathSync(`/proc/${pid}/cwd`) === realpathSync(dataDir);
  } catch {
    return true;
  }
}

/** Wait until `done()` holds, polling; false when `timeoutMs` passed first. */
export async function waitFor(done: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

/** The running postmaster of `dir` once it accepts connections, or undefined when none runs. */
export async function findRunning(
  dir: string,
  timeoutMs: number,
): Promise<PostmasterPid | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pidFile = readPostmasterPid(dir);
    if (!pidFile) return undefined;
    if (!isPostmasterOf(pidFile.pid, dir)) {
      dropReusedPidFile(dir, pidFile.pid);
      return undefined;
    }
    if (pidFile.status === 'ready') return pidFile;
    if (Date.now() > deadline) {
      throw new Error(`PostgreSQL in ${dir} (pid ${pidFile.pid}) stayed "${pidFile.status}"`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * A postmaster.pid whose pid is dead is PostgreSQL's own business: it starts over it, after
 * checking (with the shared memory key the file holds) that no old backend survives. But
 * if the pid now belongs to another program, PostgreSQL would refuse to start; remove the
 * file then, unless a process of the old server still works in the directory (Linux only).
 */
function dropReusedPidFile(dir: string, pid: number): void {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return;
  }
  if (!existsSync('/proc') || postgresProcessesIn(realpathSync(dir)) > 0) return;
  try {
    unlinkSync(path.join(dir, 'postmaster.pid'));
  } catch {
    // Gone already.
  }
}

/** How many postgres processes have `dir` as their working directory. */
function postgresProcessesIn(dir: string): number {
  let count = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readlinkSync(`/proc/${entry}/cwd`) !== dir) continue;
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === 'postgres') count += 1;
    } catch {
      // Exited, or not ours to read.
    }
  }
  return count;
}
