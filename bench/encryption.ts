/**
 * What encryption at rest costs per upload and per playback range, next to the SHA-256 every
 * upload already pays (both in the same run, so the ratio holds on a busy machine).
 *
 *   npm run bench:crypto
 *
 * For each blob size: SHA-256 of the bytes, sealing them (`encryptBlob`: a data key, 64 KiB
 * AES-256-GCM chunks), opening them whole through the decrypt stream, and opening one 64 KiB
 * range (`decryptChunks` of the chunks it covers). Medians of several rounds.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { performance } from 'node:perf_hooks';
import {
  cipherRangeFor,
  createDecryptStream,
  decryptChunks,
  encryptBlob,
  HEADER_BYTES,
  newHeader,
} from '../apps/server/src/crypto/chunked-cipher.js';
import { generateMasterKey, Keyring, newDataKey } from '../apps/server/src/crypto/master-keys.js';

const SIZES = [64 * 1024, 1024 * 1024, 4 * 1024 * 1024, 32 * 1024 * 1024];
const ROUNDS = 9;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function timed(fn: () => unknown | Promise<unknown>): Promise<number> {
  const runs: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const start = performance.now();
    await fn();
    runs.push(performance.now() - start);
  }
  return median(runs);
}

const keyring = new Keyring([generateMasterKey('bench')]);
const rows: string[] = [];
for (const size of SIZES) {
  const plain = Buffer.alloc(size, 7);
  const dataKey = newDataKey();
  const header = newHeader();
  const sealed = encryptBlob(dataKey, header, plain);
  const hash = await timed(() => createHash('sha256').update(plain).digest());
  const seal = await timed(() => {
    const key = newDataKey();
    keyring.wrap(key);
    return encryptBlob(key, newHeader(), plain);
  });
  const open = await timed(async () => {
    const stream = createDecryptStream(dataKey, header, size);
    const out = buffer(stream);
    Readable.from([sealed.subarray(HEADER_BYTES)]).pipe(stream);
    return out;
  });
  const mid = Math.floor(size / 2);
  const range = { start: mid, end: Math.min(size - 1, mid + 65_535) };
  const ranged = await timed(() => {
    const span = cipherRangeFor(range, size, header.chunkBytes);
    return decryptChunks(
      dataKey,
      header,
      sealed.subarray(span.start, span.end + 1),
      span.firstChunk,
      size,
    );
  });
  const mb = size / (1024 * 1024);
  const rate = (ms: number) => `${Math.round(mb / (ms / 1000))} MB/s`;
  rows.push(
    `| ${mb >= 1 ? `${mb} MiB` : `${size / 1024} KiB`} | ${hash.toFixed(2)} ms | ${seal.toFixed(2)} ms (${rate(seal)}) | ${(seal / hash).toFixed(2)} | ${open.toFixed(2)} ms (${rate(open)}) | ${ranged.toFixed(3)} ms | ${(((sealed.length - size) / size) * 100).toFixed(2)} % |`,
  );
}

console.log(`Node ${process.version}, ${ROUNDS} rounds, medians\n`);
console.log(
  '| blob | SHA-256 | seal (encrypt) | seal ÷ SHA-256 | open whole (decrypt stream) | open a 64 KiB range | size overhead |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- |');
for (const row of rows) console.log(row);
