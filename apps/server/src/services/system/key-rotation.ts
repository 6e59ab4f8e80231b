import { and, asc, eq, gt, isNotNull, ne } from 'drizzle-orm';
import type { Db } from '../../db/database.js';
import { blobKeys, examSessions } from '../../db/schema.js';
import {
  encryptValue,
  isSealedValue,
  rewrapValue,
  type Keyring,
} from '../../crypto/master-keys.js';
import { rewrapTotpSecrets } from '../accounts/mfa-key-rotation.js';
import { rewrapLtiToolKeys } from '../lti/tool-keys.js';

/** What a rotation did. */
export interface RotationReport {
  /** The master key everything is now wrapped by. */
  kid: string;
  /** Blob data keys re-wrapped. */
  blobKeys: number;
  /** Face descriptors re-wrapped, or sealed for the first time (stored before sealing). */
  descriptors: number;
  /** Authenticator-app secrets (second factors) re-wrapped. */
  totpSecrets: number;
  /** LTI tool signing keys re-sealed. */
  ltiToolKeys: number;
}

const BATCH = 500;

/**
 * Re-wrap every data key under the newest master key, so that older master keys can be
 * removed from the configuration afterwards. Media is never re-encrypted: only the wrapped
 * keys change (in `blob_keys` and in sealed face descriptors). Each row is updated only if
 * still wrapped as read, so servers writing meanwhile (with the new key) lose nothing; safe
 * to run again, and while serving.
 */
export async function rotateKeys(
  db: Db,
  keyring: Keyring,
  progress: (message: string) => void = () => undefined,
): Promise<RotationReport> {
  const kid = keyring.current.id;
  let blobs = 0;
  for (;;) {
    const rows = await db
      .select()
      .from(blobKeys)
      .where(ne(blobKeys.kid, kid))
      .orderBy(asc(blobKeys.objectId))
      .limit(BATCH);
    if (rows.length === 0) break;
    for (const row of rows) {
      const dataKey = keyring.unwrap(row.kid, Buffer.from(row.wrapped, 'base64'));
      const next = keyring.wrap(dataKey);
      await db
        .update(blobKeys)
        .set({ kid: next.kid, wrapped: next.wrapped.toString('base64') })
        .where(and(eq(blobKeys.objectId, row.objectId), eq(blobKeys.kid, row.kid)));
      blobs += 1;
    }
    progress(`${blobs} blob keys re-wrapped`);
  }
  let descriptors = 0;
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const rows = await db
      .select({ id: examSessions.id, stored: examSessions.enrolledEmbedding })
      .from(examSessions)
      .where(and(isNotNull(examSessions.enrolledEmbedding), gt(examSessions.id, after)))
      .orderBy(asc(examSessions.id))
      .limit(BATCH);
    if (rows.length === 0) break;
    after = rows.at(-1)!.id;
    for (const row of rows) {
      const next = Array.isArray(row.stored)
        ? encryptValue(keyring, Buffer.from(JSON.stringify(row.stored)))
        : isSealedValue(row.stored) && row.stored.kid !== kid
          ? rewrapValue(keyring, row.stored)
          : undefined;
      if (!next) continue;
      await db
        .update(examSessions)
        .set({ enrolledEmbedding: next })
        .where(eq(examSessions.id, row.id));
      descriptors += 1;
    }
  }
  const totpSecrets = await rewrapTotpSecrets(db, keyring);
  const ltiToolKeys = await rewrapLtiToolKeys(db, keyring);
  return { kid, blobKeys: blobs, descriptors, totpSecrets, ltiToolKeys };
}
