import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { DbOrTx } from '../../db/database.js';
import { settings } from '../../db/schema.js';

const SETTING = 'analysis.sampling_key';

/**
 * The server's secret for choosing which snapshots to sample (see `samplingOffsetMs`).
 * Created at random on first use and kept in the settings table, so every process and
 * every restart choose the same offsets; first writer wins when two processes race. No
 * route reads this setting: it is never sent to anyone.
 */
export async function loadSamplingKey(db: DbOrTx): Promise<Buffer> {
  await db
    .insert(settings)
    .values({ key: SETTING, value: { key: randomBytes(32).toString('base64') } })
    .onConflictDoNothing({ target: settings.key });
  const [row] = await db
    .select({ value: settings.value })
    .from(settings)
    .where(eq(settings.key, SETTING));
  const encoded = (row?.value as { key?: unknown } | undefined)?.key;
  if (typeof encoded !== 'string' || encoded.length === 0) {
    throw new Error(`The setting ${SETTING} is malformed`);
  }
  return Buffer.from(encoded, 'base64');
}
