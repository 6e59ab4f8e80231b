import { eq } from 'drizzle-orm';
import type { Db } from '../db/database.js';
import { blobKeys } from '../db/schema.js';
import type { DataKeyStore, WrappedDataKey } from '../ports/data-key-store.port.js';

/** Data keys in the `blob_keys` table: shared by every process of a deployment. */
export class DatabaseDataKeyStore implements DataKeyStore {
  constructor(private readonly db: Db) {}

  async save(objectId: string, key: WrappedDataKey): Promise<void> {
    await this.db
      .insert(blobKeys)
      .values({ objectId, kid: key.kid, wrapped: key.wrapped.toString('base64') });
  }

  async load(objectId: string): Promise<WrappedDataKey | undefined> {
    const [row] = await this.db.select().from(blobKeys).where(eq(blobKeys.objectId, objectId));
    return row && { kid: row.kid, wrapped: Buffer.from(row.wrapped, 'base64') };
  }

  async delete(objectId: string): Promise<void> {
    await this.db.delete(blobKeys).where(eq(blobKeys.objectId, objectId));
  }
}
