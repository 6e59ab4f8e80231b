import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { pipeline } from 'node:stream/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalDiskBlobStore } from '../../adapters/local-disk.blob-store.js';
import { deleteParts, PartSink, partKey, readParts } from './export-parts.js';

describe('export parts', () => {
  let root: string | undefined;
  afterEach(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('cuts a stream into stored parts, reads them back whole and deletes them', async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'invigil-export-parts-'));
    const blobs = await LocalDiskBlobStore.open(root);
    const bytes = Buffer.from(Array.from({ length: 95 }, (_, i) => i));
    const reported: number[] = [];
    const sink = new PartSink(blobs, 'exports/e1', async (n) => void reported.push(n), 10);
    const chunks = Array.from({ length: 19 }, (_, i) => bytes.subarray(i * 5, i * 5 + 5));
    await pipeline(Readable.from(chunks), sink);

    const written = sink.written;
    expect(written.parts).toBe(10);
    expect(reported).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(written.sizeBytes).toBe(95);
    expect(written.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(await buffer(readParts(blobs, 'exports/e1', written.parts))).toEqual(bytes);

    await deleteParts(blobs, 'exports/e1', written.parts);
    expect(await blobs.exists(partKey('exports/e1', 1))).toBe(false);
  });

  it('stores one part for an empty stream, so every export has a file', async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'invigil-export-parts-'));
    const blobs = await LocalDiskBlobStore.open(root);
    const sink = new PartSink(blobs, 'exports/e2', async () => undefined, 10);
    await pipeline(Readable.from([]), sink);
    expect(sink.written.parts).toBe(1);
    expect(await buffer(readParts(blobs, 'exports/e2', 1))).toEqual(Buffer.alloc(0));
  });
});
