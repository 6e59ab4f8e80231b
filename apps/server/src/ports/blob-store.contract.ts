import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlobIntegrityError, type BlobStore } from './blob-store.port.js';

/** A store under test and how to dispose of it (remove a temp dir, empty a bucket). */
export interface BlobStoreFixture {
  store: BlobStore;
  cleanup(): Promise<void>;
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const meta = (b: Buffer) => ({ contentType: 'video/webm', sha256: sha(b) });

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * The behaviour every BlobStore adapter must have. Each adapter's test file calls this once:
 * `blobStoreContract('local disk', async () => ({ store, cleanup }))`; an S3 adapter runs
 * the same suite against a bucket. Keys are prefixed per run so a shared bucket is fine.
 */
export function blobStoreContract(name: string, factory: () => Promise<BlobStoreFixture>): void {
  describe(`BlobStore contract: ${name}`, () => {
    let fixture: BlobStoreFixture;
    let store: BlobStore;
    const prefix = `contract-${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
    let counter = 0;
    const key = (label = 'blob') => `${prefix}/${label}/${++counter}-x.bin`;

    beforeAll(async () => {
      fixture = await factory();
      store = fixture.store;
    });
    afterAll(async () => fixture?.cleanup());

    it('stores bytes and reads them back whole', async () => {
      const bytes = Buffer.from('segment bytes \u0000\u00ff binary', 'latin1');
      const k = key();
      expect(await store.put(k, bytes, meta(bytes))).toEqual({ size: bytes.length });
      const read = await store.get(k);
      expect(read?.size).toBe(bytes.length);
      expect(await readAll(read!.stream)).toEqual(bytes);
      expect(await store.head(k)).toEqual({ size: bytes.length });
      expect(await store.exists(k)).toBe(true);
    });

    it('round-trips a larger blob and an empty one', async () => {
      const big = Buffer.alloc(3 * 1024 * 1024 + 17);
      for (let i = 0; i < big.length; i++) big[i] = (i * 31) % 256;
      const k = key('big');
      await store.put(k, big, meta(big));
      const read = await store.get(k);
      expect(sha(await readAll(read!.stream))).toBe(sha(big));
      const empty = Buffer.alloc(0);
      const e = key('empty');
      await store.put(e, empty, meta(empty));
      expect(await store.head(e)).toEqual({ size: 0 });
      expect((await readAll((await store.get(e))!.stream)).length).toBe(0);
    });

    it('answers undefined / false for a missing key, and deleting it is not an error', async () => {
      const k = key('missing');
      expect(await store.get(k)).toBeUndefined();
      expect(await store.head(k)).toBeUndefined();
      expect(await store.exists(k)).toBe(false);
      await expect(store.delete(k)).resolves.toBeUndefined();
    });

    it('refuses bytes whose SHA-256 differs from the declared one, storing nothing', async () => {
      const bytes = Buffer.from('the real bytes');
      const k = key('integrity');
      await expect(
        store.put(k, bytes, { contentType: 'video/webm', sha256: sha(Buffer.from('other')) }),
      ).rejects.toBeInstanceOf(BlobIntegrityError);
      expect(await store.exists(k)).toBe(false);
    });

    it('accepts the declared SHA-256 in upper case', async () => {
      const bytes = Buffer.from('case');
      const k = key('case');
      await store.put(k, bytes, { contentType: 'image/png', sha256: sha(bytes).toUpperCase() });
      expect(await store.exists(k)).toBe(true);
    });

    it('replaces a blob on a second put and removes it on delete', async () => {
      const k = key('replace');
      const first = Buffer.from('first version');
      const second = Buffer.from('second, longer version');
      await store.put(k, first, meta(first));
      await store.put(k, second, meta(second));
      expect(await readAll((await store.get(k))!.stream)).toEqual(second);
      await store.delete(k);
      expect(await store.exists(k)).toBe(false);
      expect(await store.get(k)).toBeUndefined();
    });

    it('serves inclusive byte ranges and refuses ranges outside the blob', async () => {
      const bytes = Buffer.from('0123456789');
      const k = key('range');
      await store.put(k, bytes, meta(bytes));
      const part = async (start: number, end: number) => {
        const read = await store.get(k, { start, end });
        expect(read?.size).toBe(10);
        return (await readAll(read!.stream)).toString();
      };
      expect(await part(0, 0)).toBe('0');
      expect(await part(2, 5)).toBe('2345');
      expect(await part(9, 9)).toBe('9');
      expect(await part(0, 9)).toBe('0123456789');
      await expect(store.get(k, { start: 5, end: 10 })).rejects.toBeInstanceOf(RangeError);
      await expect(store.get(k, { start: 6, end: 5 })).rejects.toBeInstanceOf(RangeError);
      await expect(store.get(k, { start: -1, end: 2 })).rejects.toBeInstanceOf(RangeError);
    });

    it('keeps every concurrent write of one key whole (the last one wins, never a mix)', async () => {
      const k = key('race');
      const versions = Array.from({ length: 8 }, (_, i) => Buffer.alloc(256 * 1024, 65 + i));
      await Promise.all(versions.map((v) => store.put(k, v, meta(v))));
      const stored = await readAll((await store.get(k))!.stream);
      expect(versions.map(sha)).toContain(sha(stored));
    });

    it('refuses keys that are absolute, climb out, or use odd characters', async () => {
      const bytes = Buffer.from('x');
      for (const bad of [
        '',
        '/etc/passwd',
        '../outside',
        'a/../../b',
        'a/./b',
        'a//b',
        'a/b/',
        '.hidden',
        'a/.tmp/b',
        'a\\b',
        'a b',
        'C:/x',
        'x'.repeat(600),
      ]) {
        await expect(store.put(bad, bytes, meta(bytes)), bad).rejects.toThrow(/Invalid blob key/);
        await expect(store.get(bad), bad).rejects.toThrow(/Invalid blob key/);
        await expect(store.head(bad), bad).rejects.toThrow(/Invalid blob key/);
        await expect(store.exists(bad), bad).rejects.toThrow(/Invalid blob key/);
        await expect(store.delete(bad), bad).rejects.toThrow(/Invalid blob key/);
      }
    });
  });
}
