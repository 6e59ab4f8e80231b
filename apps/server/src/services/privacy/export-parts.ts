import { createHash } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import type { BlobStore } from '../../ports/blob-store.port.js';

/**
 * A zip is stored as parts of about this many bytes: the blob store takes whole buffers, so
 * one part at a time is all the memory an export holds, however large the recordings.
 */
export const EXPORT_PART_BYTES = 8 * 1024 * 1024;

/** The blob key of part `n` (1-based) under `prefix`. */
export const partKey = (prefix: string, n: number) =>
  `${prefix}/part-${String(n).padStart(5, '0')}.zip`;

/** Delete parts 1..`parts` under `prefix` (absent ones are fine). */
export async function deleteParts(blobs: BlobStore, prefix: string, parts: number): Promise<void> {
  for (let n = 1; n <= parts; n += 1) await blobs.delete(partKey(prefix, n));
}

/** What a finished sink wrote. */
export interface PartsWritten {
  parts: number;
  sizeBytes: number;
  sha256: string;
}

/**
 * A writable that cuts what it is given into parts and stores each in the blob store
 * (encrypted there like every blob) before taking more, so backpressure reaches the zip
 * writer. Hashes the whole stream as it goes. `onPart` hears of each stored part, so the
 * row can name what a rerun or a failure must delete.
 */
export class PartSink extends Writable {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private readonly hash = createHash('sha256');
  private size = 0;
  private stored = 0;

  constructor(
    private readonly blobs: BlobStore,
    private readonly prefix: string,
    private readonly onPart: (parts: number) => Promise<void>,
    private readonly partBytes = EXPORT_PART_BYTES,
  ) {
    super();
  }

  /** Totals, once the stream has finished. */
  get written(): PartsWritten {
    return { parts: this.stored, sizeBytes: this.size, sha256: this.hash.digest('hex') };
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (error?: Error | null) => void) {
    this.hash.update(chunk);
    this.size += chunk.length;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    if (this.buffered < this.partBytes) return done();
    this.flush().then(() => done(), done);
  }

  override _final(done: (error?: Error | null) => void) {
    if (this.buffered === 0 && this.stored > 0) return done();
    this.flush().then(() => done(), done);
  }

  private async flush(): Promise<void> {
    const bytes = Buffer.concat(this.chunks);
    this.chunks = [];
    this.buffered = 0;
    const n = this.stored + 1;
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    await this.blobs.put(partKey(this.prefix, n), bytes, {
      contentType: 'application/zip',
      sha256,
    });
    this.stored = n;
    await this.onPart(n);
  }
}

/** The stored parts read back in order as one stream (decrypted by the blob store). */
export function readParts(blobs: BlobStore, prefix: string, parts: number): Readable {
  async function* bytes() {
    for (let n = 1; n <= parts; n += 1) {
      const part = await blobs.get(partKey(prefix, n));
      if (!part) throw new Error(`Part ${n} of the export is missing`);
      for await (const chunk of part.stream) yield chunk as Buffer;
    }
  }
  return Readable.from(bytes(), { objectMode: false });
}
