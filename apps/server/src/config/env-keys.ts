import path from 'node:path';
import { z } from 'zod';
import { parseMasterKeys } from '../crypto/master-keys.js';

const keyValue = (what: string, file: string) =>
  z
    .string()
    .min(1)
    .optional()
    .describe(
      `${what}: id:base64 (32 bytes) entries separated by commas; the last one is used for new data, the others stay readable. Never logged. Unset: ${file}_FILE, or a key generated into DATA_DIR/${file.toLowerCase().replace('_key', '')}.key (not in production).`,
    );
const keyFile = (name: string) =>
  z
    .string()
    .min(1)
    .optional()
    .describe(
      `A file holding the keys in the ${name} format, one per line (# comments allowed); should be readable by the server only.`,
    );

/**
 * The keys of data protection: master keys wrap every stored object's data key (encryption
 * at rest); audit keys sign the audit trail. Without a setting, a key is generated into the
 * data directory on first start (not in production, where a key lost with one machine would
 * lose every recording, or every proof that the audit trail is whole).
 */
export const KEYS_ENV = {
  MASTER_KEY: keyValue('Master keys for encryption at rest', 'MASTER_KEY'),
  MASTER_KEY_FILE: keyFile('MASTER_KEY'),
  AUDIT_KEY: keyValue('Keys that sign the audit trail (HMAC-SHA-256)', 'AUDIT_KEY'),
  AUDIT_KEY_FILE: keyFile('AUDIT_KEY'),
};

type KeysEnv = { NODE_ENV: string } & {
  [K in keyof typeof KEYS_ENV]?: string | undefined;
};

/** Where a set of keys comes from. */
export type KeySource =
  | { kind: 'value'; value: string }
  | { kind: 'file'; path: string }
  /** Generated into (or read from) this file on first start. */
  | { kind: 'generated'; path: string };

const SETS = [
  { name: 'MASTER_KEY', file: 'master.key', why: 'recordings are encrypted with it' },
  { name: 'AUDIT_KEY', file: 'audit.key', why: 'the audit trail is signed with it' },
] as const;

/** What is wrong with the key settings (never quoting a key). */
export function keysProblems(e: KeysEnv): string[] {
  const problems: string[] = [];
  for (const { name, why } of SETS) {
    const value = e[name];
    const file = e[`${name}_FILE`];
    if (value && file) {
      problems.push(`${name} and ${name}_FILE are both set: use one`);
      continue;
    }
    if (value) {
      try {
        parseMasterKeys(value);
      } catch (error) {
        problems.push(`${name}: ${error instanceof Error ? error.message : 'not valid'}`);
      }
    }
    if (!value && !file && e.NODE_ENV === 'production') {
      problems.push(
        `${name} or ${name}_FILE is required in production: ${why}, and a key generated on one machine would be lost with it`,
      );
    }
  }
  return problems;
}

/** The configured source of the master keys or of the audit keys. */
export function keySource(e: KeysEnv, set: 'MASTER_KEY' | 'AUDIT_KEY', dataDir: string): KeySource {
  const value = e[set];
  const file = e[`${set}_FILE`];
  if (value) return { kind: 'value', value };
  if (file) return { kind: 'file', path: file };
  const generated = SETS.find((s) => s.name === set)!.file;
  return { kind: 'generated', path: path.join(dataDir, generated) };
}
