import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { buffer } from 'node:stream/consumers';
import { afterEach, describe, expect, it } from 'vitest';
import { BlobDecryptError } from '../crypto/chunked-cipher.js';
import { generateMasterKey, Keyring } from '../crypto/master-keys.js';
import { blobStoreContract } from '../ports/blob-store.contract.js';
import { DataKeyMissingError, EncryptedBlobStore } from './encrypted.blob-store.js';
import { LocalDiskBlobStore } from './local-disk.blob-store.js';
import { MemoryDataKeyStore } from './memory.data-key-store.js';

const tempRoot = () => mkdtemp(path.join(os.tmpdir(), 'invigil-encrypted-'));
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const meta = (b: Buffer) => ({ contentType: 'video/webm', sha256: sha(b) });

// The whole contract, with chunks small enough that every test crosses chunk edges.
blobStoreContract('encrypted over local disk', async () => {
  const root = await tempRoot();
  const store = new EncryptedBlobStore(
    await LocalDiskBlobStore.open(root),
    new MemoryDataKeyStore(),
    new Keyring([generateMasterKey()]),
    16,
  );
  return { store, cleanup: () => rm(root, { recursive: true, force: true }) };
});

describe('encrypted blob store', () => {
  const roots: string[] = [];
  afterEach(async () => {
    for (const r of roots.splice(0)) await rm(r, { recursive: true, force: true });
  });

  async function setup(chunkBytes = 64) {
    const root = await tempRoot();
    roots.push(root);
    const keys = new MemoryDataKeyStore();
    const oldKey = generateMasterKey('old');
    const keyring = new Keyring([oldKey]);
    const store = new EncryptedBlobStore(
      await LocalDiskBlobStore.open(root),
      keys,
      keyring,
      chunkBytes,
    );
    return { root, keys, oldKey, store, file: (key: string) => path.join(root, key) };
  }

  /** Recognisable plaintext: a line per row, so any run of it would show in the raw bytes. */
  const plaintext = (n: number) =>
    Buffer.from(
      Array.from({ length: Math.ceil(n / 15) }, (_, i) => `row ${String(i).padStart(10)}\n`)
        .join('')
        .slice(0, n),
    );

  it('stores only ciphertext and reads the plaintext back, whole and by ranges across chunk edges', async () => {
    const { store, file } = await setup(64);
    const bytes = plaintext(1000);
    await store.put('s/a.webm', bytes, meta(bytes));
    const raw = await readFile(file('s/a.webm'));
    expect(raw.includes(bytes.subarray(100, 132))).toBe(false);
    expect(raw.subarray(0, 8).toString()).toBe('INVGENC1');
    expect(await buffer((await store.get('s/a.webm'))!.stream)).toEqual(bytes);
    expect(await store.head('s/a.webm')).toEqual({ size: 1000 });
    for (const [start, end] of [
      [62, 65],
      [63, 64],
      [0, 0],
      [64, 127],
      [999, 999],
      [0, 999],
      [130, 700],
    ] as const) {
      const part = await store.get('s/a.webm', { start, end });
      expect(part?.size).toBe(1000);
      expect(await buffer(part!.stream)).toEqual(bytes.subarray(start, end + 1));
    }
  });

  it('refuses a modified blob with an integrity error, never serving its bytes', async () => {
    const { store, file } = await setup(64);
    const bytes = plaintext(300);
    await store.put('s/b.webm', bytes, meta(bytes));
    const raw = await readFile(file('s/b.webm'));
    // One byte of the first chunk: `get` fails before any byte is served.
    const first = Buffer.from(raw);
    first[40] = first[40]! ^ 1;
    await writeFile(file('s/b.webm'), first);
    await expect(store.get('s/b.webm')).rejects.toBeInstanceOf(BlobDecryptError);
    await expect(store.get('s/b.webm', { start: 0, end: 10 })).rejects.toBeInstanceOf(
      BlobDecryptError,
    );
    // One byte of a later chunk: a range over it fails; the whole read stops before it.
    const later = Buffer.from(raw);
    later[raw.length - 3] = later[raw.length - 3]! ^ 1;
    await writeFile(file('s/b.webm'), later);
    await expect(store.get('s/b.webm', { start: 290, end: 299 })).rejects.toBeInstanceOf(
      BlobDecryptError,
    );
    // (Whether `get` or the stream fails depends on how much the disk hands over at once.)
    const served: Buffer[] = [];
    await expect(
      (async () => {
        const whole = await store.get('s/b.webm');
        for await (const chunk of whole!.stream) served.push(chunk as Buffer);
      })(),
    ).rejects.toBeInstanceOf(BlobDecryptError);
    expect(Buffer.concat(served).length).toBeLessThan(300);
    expect(bytes.subarray(0, Buffer.concat(served).length)).toEqual(Buffer.concat(served));
    // Cut short by a whole chunk: the last one left is not marked final.
    await writeFile(file('s/b.webm'), raw.subarray(0, raw.length - (300 % 64) - 16));
    await expect(store.get('s/b.webm').then((r) => buffer(r!.stream))).rejects.toBeInstanceOf(
      BlobDecryptError,
    );
  });

  it('keeps old objects readable after a newer master key is added, and forgets keys of deleted blobs', async () => {
    const { store, keys, root, oldKey } = await setup(64);
    const bytes = plaintext(200);
    await store.put('s/c.webm', bytes, meta(bytes));
    expect([...keys.keys.values()].map((k) => k.kid)).toEqual(['old']);
    // A server restarted with [old, new]: the old object reads, new objects use the new key.
    const rotated = new EncryptedBlobStore(
      await LocalDiskBlobStore.open(root),
      keys,
      new Keyring([oldKey, generateMasterKey('new')]),
      64,
    );
    expect(await buffer((await rotated.get('s/c.webm'))!.stream)).toEqual(bytes);
    const later = plaintext(50);
    await rotated.put('s/e.webm', later, meta(later));
    expect([...keys.keys.values()].map((k) => k.kid).sort()).toEqual(['new', 'old']);
    // Replacing a blob drops its old data key; deleting it drops its key.
    await rotated.put('s/c.webm', later, meta(later));
    expect([...keys.keys.values()].map((k) => k.kid)).toEqual(['new', 'new']);
    await rotated.delete('s/c.webm');
    expect(keys.keys.size).toBe(1);
    expect(await rotated.get('s/c.webm')).toBeUndefined();
  });

  it('cannot read a blob whose data key is gone (erased), even from a copy', async () => {
    const { store, keys, file, root, oldKey } = await setup(64);
    const bytes = plaintext(100);
    await store.put('s/d.webm', bytes, meta(bytes));
    const copy = await readFile(file('s/d.webm'));
    keys.keys.clear();
    await writeFile(file('s/d.webm'), copy);
    // Another process (this one remembers the keys it used).
    const other = new EncryptedBlobStore(
      await LocalDiskBlobStore.open(root),
      keys,
      new Keyring([oldKey]),
      64,
    );
    await expect(other.get('s/d.webm')).rejects.toBeInstanceOf(DataKeyMissingError);
  });
});
