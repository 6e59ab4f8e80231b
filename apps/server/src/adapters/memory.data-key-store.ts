import type { DataKeyStore, WrappedDataKey } from '../ports/data-key-store.port.js';

/** Data keys in a map: for unit tests of the encrypted blob store. */
export class MemoryDataKeyStore implements DataKeyStore {
  readonly keys = new Map<string, WrappedDataKey>();

  async save(objectId: string, key: WrappedDataKey): Promise<void> {
    this.keys.set(objectId, key);
  }

  async load(objectId: string): Promise<WrappedDataKey | undefined> {
    return this.keys.get(objectId);
  }

  async delete(objectId: string): Promise<void> {
    this.keys.delete(objectId);
  }
}
