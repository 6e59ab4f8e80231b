import { createHash, randomUUID } from 'node:crypto';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import {
  assertBlobKey,
  BlobIntegrityError,
  type BlobInfo,
  type BlobMeta,
  type BlobRead,
  type BlobStore,
  type ByteRange,
} from '../ports/blob-store.port.js';

/** Temp files live here until renamed; keys cannot start with a dot, so they never collide. */
const TEMP_DIR = '.tmp';
/** Leftovers of a crash older than this are removed when the store opens. */
const STALE_TEMP_MS = 24 * 3_600_000;

const isMissing = (err: unknown) => (err as NodeJS.ErrnoException).code === 'ENOENT';

/** fsync a directory so a rename inside it survives a power cut; not supported everywhere. */
async function syncDir(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Best effort: some platforms (Windows) cannot open or fsync a directory.
  }
}

/**
 * Blobs as files under one root directory (`BLOB_DIR`, default `DATA_DIR/blobs`). A key maps
 * to the same relative path. Writes go to `.tmp/` first, are fsynced, then renamed into
 * place, so a crash never leaves a partial file under a real key.
 */
export class LocalDiskBlobStore implements BlobStore {
  /**
   * Folders this process created or found, so a session's hundredth segment does not ask the
   * disk again; a folder removed behind our back is created again when the rename fails.
   */
  private readonly folders = new Set<string>();
  private static readonly MAX_FOLDERS_KNOWN = 10_000;

  private constructor(private readonly root: string) {}

  /** Open (and create) the store at `root`, removing temp files a crash left behind. */
  static async open(root: string): Promise<LocalDiskBlobStore> {
    const temp = path.join(root, TEMP_DIR);
    await mkdir(temp, { recursive: true });
    const cutoff = Date.now() - STALE_TEMP_MS;
    for (const name of await readdir(temp)) {
      const file = path.join(temp, name);
      const info = await stat(file).catch(() => undefined);
      if (info && info.mtimeMs < cutoff) await rm(file, { force: true });
    }
    return new LocalDiskBlobStore(root);
  }

  private fileOf(key: string): string {
    assertBlobKey(key);
    return path.join(this.root, ...key.split('/'));
  }

  async put(key: string, bytes: Buffer, meta: BlobMeta): Promise<BlobInfo> {
    const target = this.fileOf(key);
    const actual = createHash('sha256').update(bytes).digest('hex');
    if (actual !== meta.sha256.toLowerCase()) throw new BlobIntegrityError(meta.sha256, actual);
    const temp = path.join(this.root, TEMP_DIR, `${randomUUID()}.part`);
    try {
      const handle = await open(temp, 'wx');
      try {
        await handle.writeFile(bytes);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await this.renameInto(temp, target);
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
    await syncDir(path.dirname(target));
    return { size: bytes.length };
  }

  /** Rename `temp` to `target`, creating the target's folder when it is not known to exist. */
  private async renameInto(temp: string, target: string): Promise<void> {
    const folder = path.dirname(target);
    if (this.folders.has(folder)) {
      try {
        await rename(temp, target);
        return;
      } catch (err) {
        if (!isMissing(err)) throw err;
        this.folders.delete(folder);
      }
    }
    await mkdir(folder, { recursive: true });
    await rename(temp, target);
    if (this.folders.size >= LocalDiskBlobStore.MAX_FOLDERS_KNOWN) this.folders.clear();
    this.folders.add(folder);
  }

  async get(key: string, range?: ByteRange): Promise<BlobRead | undefined> {
    const file = this.fileOf(key);
    let handle;
    try {
      handle = await open(file, 'r');
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
    try {
      const { size } = await handle.stat();
      if (range && !(range.start >= 0 && range.start <= range.end && range.end < size)) {
        throw new RangeError(`Byte range ${range.start}-${range.end} is outside 0-${size - 1}`);
      }
      // The stream owns the handle from here and closes it when done or destroyed.
      const stream = handle.createReadStream(range ? { start: range.start, end: range.end } : {});
      return { size, stream };
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  async head(key: string): Promise<BlobInfo | undefined> {
    try {
      const info = await stat(this.fileOf(key));
      return info.isFile() ? { size: info.size } : undefined;
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.fileOf(key), { force: true });
  }

  async exists(key: string): Promise<boolean> {
    return (await this.head(key)) !== undefined;
  }

  /**
   * Every blob key in the store, in name order, for copying the store elsewhere. The temp
   * folder and files whose names are not valid keys (left there by hand) are passed over.
   */
  async *keys(): AsyncGenerator<string> {
    const isKey = (key: string) => {
      try {
        assertBlobKey(key);
        return true;
      } catch {
        return false;
      }
    };
    async function* walk(dir: string, parts: string[]): AsyncGenerator<string> {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (err) {
        if (isMissing(err)) return; // removed while we walked
        throw err;
      }
      entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const entry of entries) {
        if (parts.length === 0 && entry.name === TEMP_DIR) continue;
        const key = [...parts, entry.name].join('/');
        if (!isKey(key)) continue;
        if (entry.isDirectory()) yield* walk(path.join(dir, entry.name), [...parts, entry.name]);
        else if (entry.isFile()) yield key;
      }
    }
    yield* walk(this.root, []);
  }
}
