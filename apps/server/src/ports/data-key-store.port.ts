/** A blob's data key as stored: wrapped by the master key `kid`. */
export interface WrappedDataKey {
  kid: string;
  wrapped: Buffer;
}

/**
 * Where the wrapped data keys of encrypted blobs live, by the object id in each blob's
 * header (the database's `blob_keys` table; in memory for unit tests). A blob is readable
 * only while its key is here: deleting the key makes every copy of the blob unreadable.
 */
export interface DataKeyStore {
  /** Store the key of a new object (object ids are random: never replaced). */
  save(objectId: string, key: WrappedDataKey): Promise<void>;
  load(objectId: string): Promise<WrappedDataKey | undefined>;
  /** Remove a key; removing an absent one is not an error. */
  delete(objectId: string): Promise<void>;
}
