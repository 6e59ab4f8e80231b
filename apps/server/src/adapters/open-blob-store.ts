import type { Config, S3Config } from '../config/config.js';
import type { BlobStore } from '../ports/blob-store.port.js';
import type { Db } from '../db/database.js';
import { openKeyring, type KeyringLog } from '../crypto/open-keyring.js';
import type { Keyring } from '../crypto/master-keys.js';
import { DatabaseDataKeyStore } from './database.data-key-store.js';
import { EncryptedBlobStore } from './encrypted.blob-store.js';
import { LocalDiskBlobStore } from './local-disk.blob-store.js';

/**
 * The blob store the configuration names: local disk (`BLOB_DIR`) by default, an S3 bucket
 * with `BLOB_STORE=s3`. The S3 SDK is loaded only then, so a plain installation never pays
 * for it.
 */
export async function openBlobStore(
  config: Pick<Config, 'blobDir' | 'blobStore' | 's3'>,
): Promise<BlobStore> {
  if (config.blobStore === 'local') return LocalDiskBlobStore.open(config.blobDir);
  if (!config.s3) throw new Error('BLOB_STORE=s3 needs the S3_* settings');
  return openS3(config.s3);
}

/** The configured bucket as a blob store (also migrate-storage's target). */
export async function openS3(s3: S3Config) {
  const { S3BlobStore } = await import('./s3.blob-store.js');
  const { endpoint, prefix, ...rest } = s3;
  return S3BlobStore.open({
    ...rest,
    ...(endpoint !== undefined && { endpoint }),
    ...(prefix !== undefined && { prefix }),
  });
}

/**
 * The blob store as every process opens it: the configured store (`raw`, ciphertext only)
 * under encryption at rest, with the keyring that wraps its data keys.
 */
export async function openEncryptedBlobStore(
  config: Pick<Config, 'blobDir' | 'blobStore' | 's3' | 'masterKeys'>,
  db: Db,
  log: KeyringLog,
): Promise<{ keyring: Keyring; raw: BlobStore; encrypted: EncryptedBlobStore }> {
  const keyring = await openKeyring(config.masterKeys, log);
  const raw = await openBlobStore(config);
  return {
    keyring,
    raw,
    encrypted: new EncryptedBlobStore(raw, new DatabaseDataKeyStore(db), keyring),
  };
}
