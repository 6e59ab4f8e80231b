import { parseArgs } from 'node:util';
import type { Config } from '../config/config.js';
import type { Db } from '../db/database.js';
import { appendAudit } from '../services/audit/audit.service.js';
import { cliLog, withDatabase } from './support.js';

/** The blob store as the server opens it: encrypted above the configured store. */
async function openStores(db: Db, cfg: Config) {
  const { openEncryptedBlobStore } = await import('../adapters/open-blob-store.js');
  return openEncryptedBlobStore(cfg, db, cliLog);
}

/** `keys new`, `keys rotate` and `keys encrypt-existing`: master keys of encryption at rest. */
export async function keysCommand(args: string[]): Promise<void> {
  const [sub, ...rest] = args;
  const { formatMasterKey, generateMasterKey } = await import('../crypto/master-keys.js');
  if (sub === 'new') {
    const { values } = parseArgs({ args: rest, options: { id: { type: 'string' } } });
    const id = values.id ?? `k${Date.now().toString(36)}`;
    if (!/^[A-Za-z0-9_-]{1,32}$/.test(id)) {
      console.error('--id: 1 to 32 letters, digits, _ or -');
      process.exit(2);
    }
    console.log(formatMasterKey(generateMasterKey(id)));
    return;
  }
  if (sub === 'encrypt-existing') return encryptExistingCommand();
  if (sub !== 'rotate') {
    console.error('Usage: invigil keys new [--id ID] | keys rotate | keys encrypt-existing');
    process.exit(2);
  }
  const { openKeyring } = await import('../crypto/open-keyring.js');
  const { rotateKeys } = await import('../services/system/key-rotation.js');
  await withDatabase(async ({ db }, cfg) => {
    const keyring = await openKeyring(cfg.masterKeys, cliLog);
    const report = await rotateKeys(db, keyring, (m) => console.log(m));
    await db.transaction((tx) =>
      appendAudit(tx, {
        actorId: null,
        action: 'keys.rotate.cli',
        entityType: 'master_key',
        entityId: report.kid,
        data: {
          blobKeys: report.blobKeys,
          descriptors: report.descriptors,
          totpSecrets: report.totpSecrets,
          ltiToolKeys: report.ltiToolKeys,
        },
      }),
    );
    console.log(
      `Every data key is wrapped by master key ${report.kid}: ${report.blobKeys} blob keys and ` +
        `${report.descriptors} face descriptors and ${report.totpSecrets} authenticator secrets ` +
        're-wrapped. Older keys may now be removed.',
    );
  });
}

/** `audit verify`: the daily verification, on demand (recorded in the trail like it). */
export async function auditVerifyCommand(): Promise<void> {
  const { verifyAndRecord } = await import('../jobs/audit-trail.js');
  await withDatabase(async ({ db }, cfg) => {
    const blobs = (await openStores(db, cfg)).encrypted;
    try {
      const result = await verifyAndRecord({
        db,
        blobs,
        clock: { now: () => new Date() },
        onVerified: () => undefined,
        onError: (err, msg) => console.error(msg, err),
      });
      console.log(
        `${result.entries} entries, ${result.checkpoints} checkpoints (${result.unsealed} entries after the newest).`,
      );
      if (result.ok) {
        console.log('The audit trail holds: every entry and checkpoint checks out.');
        return;
      }
      console.error('The audit trail does NOT hold:');
      for (const problem of result.problems) console.error(`  - ${problem}`);
      process.exitCode = 1;
    } finally {
      await blobs.close();
    }
  });
}

/** `keys encrypt-existing`: encrypt what was stored in plaintext. */
async function encryptExistingCommand(): Promise<void> {
  const { encryptExistingBlobs } = await import('../services/recording/blob-encryption.js');
  await withDatabase(async ({ db }, cfg) => {
    const { raw, encrypted } = await openStores(db, cfg);
    try {
      const report = await encryptExistingBlobs(db, raw, encrypted, cliLog.info);
      console.log(
        `Encrypted ${report.encrypted}, already encrypted ${report.already}, missing ${report.missing}.`,
      );
      if (report.mismatched.length > 0) {
        console.error(
          `Left as they are, their bytes no longer match the recorded SHA-256: ${report.mismatched.join(', ')}`,
        );
        process.exitCode = 1;
      }
    } finally {
      await encrypted.close();
    }
  });
}
