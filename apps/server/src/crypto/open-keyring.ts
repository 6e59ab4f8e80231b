import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { KeySource } from '../config/env-keys.js';
import {
  formatMasterKey,
  generateMasterKey,
  Keyring,
  parseMasterKeys,
  type MasterKey,
} from './master-keys.js';

/** Where opening the keyring reports what an operator must know (never key material). */
export interface KeyringLog {
  info(message: string): void;
  warn(message: string): void;
}

/**
 * The master keys the configuration names. With none configured (not allowed in production)
 * the key lives in DATA_DIR/master.key: generated on first start, created exclusively with
 * mode 0600 so that several processes starting at once agree on one key.
 */
export async function openKeyring(source: KeySource, log: KeyringLog): Promise<Keyring> {
  return new Keyring(await openKeys(source, log, MASTER));
}

/** What a generated key file is for, for its comment line and the server's notice. */
export interface KeyPurpose {
  what: string;
  /** What is lost with the key. */
  without: string;
}

/** Encryption at rest. */
export const MASTER: KeyPurpose = {
  what: 'a master key for encryption at rest',
  without: 'nothing stored can be read',
};

/** The audit trail's signatures. */
export const AUDIT: KeyPurpose = {
  what: 'an audit trail signing key',
  without: 'the audit trail cannot be verified',
};

/** Keys from a setting, a file, or a file generated on first start (see openKeyring). */
export async function openKeys(
  source: KeySource,
  log: KeyringLog,
  purpose: KeyPurpose,
): Promise<MasterKey[]> {
  if (source.kind === 'value') return parseMasterKeys(source.value);
  if (source.kind === 'file') return readKeyFile(source.path, log);
  try {
    return await readSettled(source.path, log);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(path.dirname(source.path), { recursive: true });
  const key = generateMasterKey();
  const text = `# Invigil, ${purpose.what}: back it up apart from the data; without it ${purpose.without}.\n${formatMasterKey(key)}\n`;
  try {
    await writeFile(source.path, text, { flag: 'wx', mode: 0o600 });
    log.warn(
      `Generated ${purpose.what} in ${source.path}: back it up (without it ${purpose.without})`,
    );
    return [key];
  } catch (error) {
    // Another process created it first: use theirs.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return readSettled(source.path, log);
  }
}

/** Read a generated key file, waiting briefly for a process still writing it. */
async function readSettled(file: string, log: KeyringLog) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await readKeyFile(file, log);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' || attempt >= 20) throw error;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** Read a key file; a file others may read is used, with a warning. */
async function readKeyFile(file: string, log: KeyringLog) {
  const text = await readFile(file, 'utf8');
  const { mode } = await stat(file);
  if (process.platform !== 'win32' && (mode & 0o007) !== 0) {
    log.warn(`The master key file ${file} can be read by every user: chmod 600 (or 640) it`);
  }
  try {
    return parseMasterKeys(text);
  } catch (error) {
    throw new Error(`${file}: ${error instanceof Error ? error.message : 'not valid'}`);
  }
}
