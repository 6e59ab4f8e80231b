import { and, eq, isNotNull } from 'drizzle-orm';
import type { Db } from '../../db/database.js';
import { mfaFactors } from '../../db/schema.js';
import { isSealedValue, rewrapValue, type Keyring } from '../../crypto/master-keys.js';

/**
 * Re-wrap sealed TOTP secrets under the newest master key (part of `invigil keys rotate`);
 * returns how many changed. Few rows (one per authenticator app), so one pass.
 */
export async function rewrapTotpSecrets(db: Db, keyring: Keyring): Promise<number> {
  const rows = await db
    .select({ id: mfaFactors.id, secret: mfaFactors.totpSecret })
    .from(mfaFactors)
    .where(and(eq(mfaFactors.type, 'totp'), isNotNull(mfaFactors.totpSecret)));
  let changed = 0;
  for (const row of rows) {
    if (!isSealedValue(row.secret) || row.secret.kid === keyring.current.id) continue;
    await db
      .update(mfaFactors)
      .set({ totpSecret: rewrapValue(keyring, row.secret) })
      .where(eq(mfaFactors.id, row.id));
    changed += 1;
  }
  return changed;
}
