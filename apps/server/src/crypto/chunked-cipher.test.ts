import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import {
  BlobDecryptError,
  cipherRangeFor,
  cipherSize,
  createDecryptStream,
  decodeHeader,
  decryptChunks,
  DEFAULT_CHUNK_BYTES,
  encodeHeader,
  encryptBlob,
  HEADER_BYTES,
  isEncryptedBlob,
  newHeader,
  plainSize,
  TAG_BYTES,
  type CipherHeader,
} from './chunked-cipher.js';

const SMALL = 16;
const key = randomBytes(32);

/** Random plaintext, so a wrong slice or a wrong chunk never matches by chance. */
const plain = (n: number) => randomBytes(n);

function seal(n: number, chunkBytes = SMALL) {
  const header = newHeader(chunkBytes);
  const plaintext = plain(n);
  return { header, plaintext, stored: encryptBlob(key, header, plaintext) };
}

/** Decrypt a whole stored object through the stream, feeding it `pieceBytes` at a time. */
async function viaStream(stored: Buffer, pieceBytes = Infinity, k = key): Promise<Buffer> {
  const header = decodeHeader(stored);
  const size = plainSize(stored.length, header.chunkBytes);
  const body = stored.subarray(HEADER_BYTES);
  const pieces: Buffer[] = [];
  for (let i = 0; i < body.length; i += pieceBytes) pieces.push(body.subarray(i, i + pieceBytes));
  return buffer(Readable.from(pieces).pipe(createDecryptStream(k, header, size)));
}

/** Decrypt a whole stored object with `decryptChunks`, sizes taken from the stored bytes. */
function whole(stored: Buffer, k = key): Buffer {
  const header = decodeHeader(stored);
  const size = plainSize(stored.length, header.chunkBytes);
  return decryptChunks(k, header, stored.subarray(HEADER_BYTES), 0, size);
}

/** What a stream emitted before it failed, and the failure. */
async function streamOutcome(stored: Buffer, header: CipherHeader, size: number) {
  const out: Buffer[] = [];
  const stream = Readable.from([stored.subarray(HEADER_BYTES)]).pipe(
    createDecryptStream(key, header, size),
  );
  stream.on('data', (b: Buffer) => out.push(b));
  const error = await new Promise<unknown>((resolve) => {
    stream.on('error', resolve);
    stream.on('end', () => resolve(undefined));
  });
  return { out: Buffer.concat(out), error };
}

describe('chunked cipher header', () => {
  it('encodes magic, object id, big-endian chunk size and zero reserved bytes', () => {
    const header = newHeader(0x010203);
    const bytes = encodeHeader(header);
    expect(bytes.length).toBe(HEADER_BYTES);
    expect(bytes.subarray(0, 8).toString('ascii')).toBe('INVGENC1');
    expect(bytes.subarray(8, 24).equals(header.objectId)).toBe(true);
    expect([...bytes.subarray(24, 28)]).toEqual([0, 1, 2, 3]);
    expect(bytes.readUInt32BE(28)).toBe(0);
    expect(decodeHeader(bytes)).toEqual(header);
    expect(newHeader().chunkBytes).toBe(DEFAULT_CHUNK_BYTES);
    expect(newHeader().objectId.equals(newHeader().objectId)).toBe(false);
  });

  it('refuses a wrong magic, a short buffer, a zero or huge chunk size, and reserved bytes', () => {
    const good = encodeHeader(newHeader());
    const changed = (write: (b: Buffer) => void) => {
      const b = Buffer.from(good);
      write(b);
      return b;
    };
    const bad = [
      changed((b) => (b[0] = 0x58)),
      good.subarray(0, HEADER_BYTES - 1),
      changed((b) => b.writeUInt32BE(0, 24)),
      changed((b) => b.writeUInt32BE(16 * 1024 * 1024 + 1, 24)),
      changed((b) => (b[31] = 1)),
    ];
    for (const b of bad) expect(() => decodeHeader(b)).toThrow(BlobDecryptError);
    expect(decodeHeader(changed((b) => b.writeUInt32BE(16 * 1024 * 1024, 24))).chunkBytes).toBe(
      16 * 1024 * 1024,
    );
  });

  it('recognises encrypted blobs by their magic only', () => {
    expect(isEncryptedBlob(Buffer.from('INVGENC1'))).toBe(true);
    expect(isEncryptedBlob(seal(3).stored)).toBe(true);
    expect(isEncryptedBlob(Buffer.from('INVGENC'))).toBe(false);
    expect(isEncryptedBlob(Buffer.from('\x1aE\xdf\xa3 webm header'))).toBe(false);
  });
});

describe('chunked cipher sizes', () => {
  it('maps plaintext sizes to stored sizes and back', () => {
    for (const c of [SMALL, DEFAULT_CHUNK_BYTES]) {
      for (const n of [0, 1, c - 1, c, c + 1, 3 * c + 5, 10 * c]) {
        const size = cipherSize(n, c);
        expect(size).toBe(HEADER_BYTES + n + TAG_BYTES * Math.max(1, Math.ceil(n / c)));
        expect(plainSize(size, c)).toBe(n);
      }
    }
  });

  it('refuses stored sizes no object has', () => {
    const impossible = [0, HEADER_BYTES, HEADER_BYTES + TAG_BYTES - 1];
    // A full chunk followed by a partial one shorter than a tag, or by an empty one.
    const full = HEADER_BYTES + SMALL + TAG_BYTES;
    impossible.push(full + 1, full + TAG_BYTES - 1, full + TAG_BYTES);
    for (const size of impossible) expect(() => plainSize(size, SMALL)).toThrow(BlobDecryptError);
  });
});

describe('chunked cipher round trip', () => {
  const sizes = (c: number) => [0, 1, c - 1, c, c + 1, 3 * c + 5];

  for (const c of [SMALL, DEFAULT_CHUNK_BYTES]) {
    it(`decrypts every size around chunk edges (chunk ${c})`, async () => {
      for (const n of sizes(c)) {
        const { plaintext, stored } = seal(n, c);
        expect(stored.length).toBe(cipherSize(n, c));
        expect(whole(stored).equals(plaintext)).toBe(true);
        expect((await viaStream(stored)).equals(plaintext)).toBe(true);
      }
    });
  }

  it('stores an empty plaintext as one empty final chunk: just the tag', () => {
    const { stored } = seal(0);
    expect(stored.length).toBe(HEADER_BYTES + TAG_BYTES);
    expect(whole(stored).length).toBe(0);
  });

  it('decrypts through the stream whatever the piece size', async () => {
    for (const n of [0, 1, SMALL, 3 * SMALL + 5]) {
      const { plaintext, stored } = seal(n);
      for (const piece of [1, 7, SMALL + TAG_BYTES, Infinity]) {
        expect((await viaStream(stored, piece)).equals(plaintext)).toBe(true);
      }
    }
    const { plaintext, stored } = seal(3 * DEFAULT_CHUNK_BYTES + 5, DEFAULT_CHUNK_BYTES);
    for (const piece of [7, 1000, Infinity]) {
      expect((await viaStream(stored, piece)).equals(plaintext)).toBe(true);
    }
  });

  it('does not contain any 32-byte run of the plaintext', () => {
    const { plaintext, stored } = seal(4 * DEFAULT_CHUNK_BYTES + 99, DEFAULT_CHUNK_BYTES);
    for (let at = 0; at + 32 <= plaintext.length; at += 997) {
      expect(stored.includes(plaintext.subarray(at, at + 32))).toBe(false);
    }
    const zeros = Buffer.alloc(5 * SMALL);
    const sealedZeros = encryptBlob(key, newHeader(SMALL), zeros);
    expect(sealedZeros.subarray(HEADER_BYTES).includes(Buffer.alloc(32))).toBe(false);
  });
});

describe('chunked cipher byte ranges', () => {
  /** Decrypt `[start, end]` the way a range read does: only the stored bytes it needs. */
  function readRange(stored: Buffer, start: number, end: number): Buffer {
    const header = decodeHeader(stored);
    const size = plainSize(stored.length, header.chunkBytes);
    const r = cipherRangeFor({ start, end }, size, header.chunkBytes);
    const chunks = stored.subarray(r.start, r.end + 1);
    const plaintext = decryptChunks(key, header, chunks, r.firstChunk, size);
    const from = start - r.firstChunk * header.chunkBytes;
    return plaintext.subarray(from, from + end - start + 1);
  }

  for (const c of [SMALL, DEFAULT_CHUNK_BYTES]) {
    it(`returns the right slice across chunk edges (chunk ${c})`, () => {
      const n = 3 * c + 5;
      const { plaintext, stored } = seal(n, c);
      const ranges: [number, number][] = [
        [c - 2, c + 1],
        [0, 0],
        [n - 1, n - 1],
        [0, n - 1],
        [c, 2 * c - 1],
        [c - 1, c],
        [2 * c + 3, n - 1],
      ];
      for (const [start, end] of ranges) {
        expect(readRange(stored, start, end).equals(plaintext.subarray(start, end + 1))).toBe(true);
      }
    });
  }

  it('names exactly the stored bytes of the chunks it covers', () => {
    const n = 3 * SMALL + 5;
    const stored = SMALL + TAG_BYTES;
    expect(cipherRangeFor({ start: SMALL - 2, end: SMALL + 1 }, n, SMALL)).toEqual({
      firstChunk: 0,
      lastChunk: 1,
      start: HEADER_BYTES,
      end: HEADER_BYTES + 2 * stored - 1,
    });
    expect(cipherRangeFor({ start: n - 1, end: n - 1 }, n, SMALL)).toEqual({
      firstChunk: 3,
      lastChunk: 3,
      start: HEADER_BYTES + 3 * stored,
      end: cipherSize(n, SMALL) - 1,
    });
  });

  it('refuses ranges outside the plaintext', () => {
    expect(() => cipherRangeFor({ start: 0, end: 10 }, 10, SMALL)).toThrow(RangeError);
    expect(() => cipherRangeFor({ start: 5, end: 4 }, 10, SMALL)).toThrow(RangeError);
    expect(() => cipherRangeFor({ start: -1, end: 4 }, 10, SMALL)).toThrow(RangeError);
    expect(() => cipherRangeFor({ start: 0, end: 0 }, 0, SMALL)).toThrow(RangeError);
  });

  it('refuses chunk bytes that do not end at a chunk boundary', () => {
    const n = 3 * SMALL + 5;
    const { header, stored } = seal(n);
    const body = stored.subarray(HEADER_BYTES);
    const chunk = SMALL + TAG_BYTES;
    for (const cut of [0, 1, chunk - 1, chunk + 1, body.length - 1]) {
      expect(() => decryptChunks(key, header, body.subarray(0, cut), 0, n)).toThrow(
        BlobDecryptError,
      );
    }
    const tooLong = Buffer.concat([body, Buffer.alloc(1)]);
    expect(() => decryptChunks(key, header, tooLong, 0, n)).toThrow(BlobDecryptError);
  });
});

describe('chunked cipher tampering', () => {
  const n = 3 * SMALL + 5;
  const chunk = SMALL + TAG_BYTES;
  const positions: Record<string, number> = {
    'header magic': 0,
    'header object id': 10,
    'header reserved byte': 31,
    'first chunk body': HEADER_BYTES + 3,
    'first chunk tag': HEADER_BYTES + SMALL + 2,
    'middle chunk body': HEADER_BYTES + chunk + 7,
    'middle chunk tag': HEADER_BYTES + 2 * chunk - 1,
    'last chunk body': HEADER_BYTES + 3 * chunk + 4,
    'last chunk tag': HEADER_BYTES + 3 * chunk + 5 + 8,
  };

  for (const [where, at] of Object.entries(positions)) {
    it(`fails on a flipped bit in the ${where}, with no plaintext of that chunk`, async () => {
      const { header, plaintext, stored } = seal(n);
      const bad = Buffer.from(stored);
      bad[at]! ^= 0x01;
      expect(() => whole(bad)).toThrow(BlobDecryptError);
      await expect(viaStream(bad)).rejects.toBeInstanceOf(BlobDecryptError);
      await expect(viaStream(bad, 1)).rejects.toBeInstanceOf(BlobDecryptError);
      // Even with a header decoded before the damage, the stream emits only earlier chunks.
      if (at >= HEADER_BYTES) {
        const { out, error } = await streamOutcome(bad, header, n);
        expect(error).toBeInstanceOf(BlobDecryptError);
        const damaged = Math.floor((at - HEADER_BYTES) / chunk);
        expect(out.equals(plaintext.subarray(0, damaged * SMALL))).toBe(true);
      }
    });
  }

  it('names the damaged chunk for the operator', () => {
    const { stored } = seal(n);
    const bad = Buffer.from(stored);
    bad[HEADER_BYTES + 2 * chunk + 1]! ^= 0x80;
    expect(() => whole(bad)).toThrow(
      'Stored blob failed its integrity check (chunk 2): it was modified or is damaged',
    );
  });

  it('fails when the final chunk is truncated', async () => {
    const { header, stored } = seal(n);
    const short = stored.subarray(0, stored.length - 1);
    // Its size is still possible (a shorter final chunk), so the tag has to catch it.
    const size = plainSize(short.length, SMALL);
    expect(size).toBe(n - 1);
    expect(() => whole(short)).toThrow(BlobDecryptError);
    await expect(viaStream(short)).rejects.toBeInstanceOf(BlobDecryptError);
    // Told the true size, the stream notices the input ended early.
    const { error } = await streamOutcome(short, header, n);
    expect(error).toBeInstanceOf(BlobDecryptError);
  });

  it('fails when the last whole chunk is dropped', async () => {
    for (const size of [3 * SMALL, 3 * SMALL + 5]) {
      const { stored } = seal(size);
      const lastPlain = size % SMALL || SMALL;
      const dropped = stored.subarray(0, stored.length - lastPlain - TAG_BYTES);
      expect(plainSize(dropped.length, SMALL)).toBe(size - lastPlain);
      expect(() => whole(dropped)).toThrow(BlobDecryptError);
      await expect(viaStream(dropped)).rejects.toBeInstanceOf(BlobDecryptError);
    }
  });

  it('fails when two chunks are swapped', async () => {
    const { stored } = seal(n);
    const at = (i: number) =>
      stored.subarray(HEADER_BYTES + i * chunk, HEADER_BYTES + (i + 1) * chunk);
    const swapped = Buffer.concat([
      stored.subarray(0, HEADER_BYTES),
      at(1),
      at(0),
      stored.subarray(HEADER_BYTES + 2 * chunk),
    ]);
    expect(swapped.length).toBe(stored.length);
    expect(() => whole(swapped)).toThrow(BlobDecryptError);
    await expect(viaStream(swapped)).rejects.toBeInstanceOf(BlobDecryptError);
  });

  it('fails when a chunk comes from another object, even under the same key', async () => {
    const a = seal(n);
    const b = seal(n);
    const spliced = Buffer.from(a.stored);
    b.stored.copy(spliced, HEADER_BYTES + chunk, HEADER_BYTES + chunk, HEADER_BYTES + 2 * chunk);
    expect(() => whole(spliced)).toThrow(BlobDecryptError);
    await expect(viaStream(spliced)).rejects.toBeInstanceOf(BlobDecryptError);
    // Another object's header in front of these chunks fails as well.
    const reheaded = Buffer.concat([
      b.stored.subarray(0, HEADER_BYTES),
      a.stored.subarray(HEADER_BYTES),
    ]);
    expect(() => whole(reheaded)).toThrow(BlobDecryptError);
  });

  it('fails under another data key', async () => {
    const { stored } = seal(n);
    const other = randomBytes(32);
    expect(() => whole(stored, other)).toThrow(BlobDecryptError);
    await expect(viaStream(stored, Infinity, other)).rejects.toBeInstanceOf(BlobDecryptError);
  });

  it('fails the stream on bytes after the final chunk', async () => {
    const { header, stored } = seal(n);
    const longer = Buffer.concat([stored, Buffer.from([0])]);
    const { error } = await streamOutcome(longer, header, n);
    expect(error).toBeInstanceOf(BlobDecryptError);
    await expect(
      buffer(
        Readable.from([stored.subarray(HEADER_BYTES), Buffer.from('x')]).pipe(
          createDecryptStream(key, header, n),
        ),
      ),
    ).rejects.toBeInstanceOf(BlobDecryptError);
  });
});
