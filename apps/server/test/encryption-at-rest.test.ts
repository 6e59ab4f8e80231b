import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { buffer } from 'node:stream/consumers';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatabaseDataKeyStore } from '../src/adapters/database.data-key-store.js';
import { EncryptedBlobStore } from '../src/adapters/encrypted.blob-store.js';
import { LocalDiskBlobStore } from '../src/adapters/local-disk.blob-store.js';
import { blobKeys, mediaSegments } from '../src/db/schema.js';
import { generateMasterKey, Keyring, parseMasterKeys } from '../src/crypto/master-keys.js';
import { rotateKeys } from '../src/services/system/key-rotation.js';
import { encryptExistingBlobs } from '../src/services/recording/blob-encryption.js';
import { webmBytes } from './helpers/media-bytes.js';
import { checkedIn, getRaw, putSegment } from './helpers/recording.js';
import { engines, startTestServer, type TestServer } from './helpers/test-server.js';

/** A segment of recognisable bytes spanning several 64 KiB chunks. */
function segmentBytes(label: string): Buffer {
  const rows = Array.from({ length: 16_000 }, (_, i) => `${label} row ${i}\n`).join('');
  return Buffer.concat([webmBytes('').subarray(0, 4), Buffer.from(rows)]);
}

describe.each(engines())('encryption at rest on %s', (engine) => {
  let server: TestServer;
  const db = () => server.instance.database.db;

  beforeAll(async () => {
    server = await startTestServer(engine);
  });
  afterAll(() => server?.close());

  /** Upload one webcam segment; returns its bytes, its playback URL and its file on disk. */
  async function uploaded(label: string) {
    const { student, proctor, sessionId } = await checkedIn(server);
    const bytes = segmentBytes(label);
    const res = await putSegment(student, sessionId, 'webcam', 0, bytes);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const [row] = await db()
      .select({ blobKey: mediaSegments.blobKey })
      .from(mediaSegments)
      .where(and(eq(mediaSegments.sessionId, sessionId), eq(mediaSegments.seq, 0)));
    const file = path.join(server.instance.config.blobDir, row!.blobKey);
    return {
      student,
      proctor,
      bytes,
      url: `/api/sessions/${sessionId}/media/webcam/0`,
      file,
      row: row!,
    };
  }

  it('writes only ciphertext to disk and plays it back whole and across chunk edges', async () => {
    const { proctor, bytes, url, file } = await uploaded('plain');
    const raw = await readFile(file);
    expect(raw.subarray(0, 8).toString()).toBe('INVGENC1');
    for (let at = 0; at + 32 <= bytes.length; at += 4096) {
      expect(raw.includes(bytes.subarray(at, at + 32))).toBe(false);
    }
    expect(bytes.length).toBeGreaterThan(3 * 65_536);
    const whole = await getRaw(proctor, url);
    expect(whole.status).toBe(200);
    expect(whole.bytes).toEqual(bytes);
    // Ranges that start, end and straddle at a 64 KiB chunk edge.
    for (const [start, end] of [
      [65_530, 65_545],
      [65_535, 65_536],
      [131_072, 131_072],
      [60_000, 140_000],
      [bytes.length - 5, bytes.length - 1],
    ] as const) {
      const part = await getRaw(proctor, url, { range: `bytes=${start}-${end}` });
      expect(part.status).toBe(206);
      expect(part.headers.get('content-range')).toBe(`bytes ${start}-${end}/${bytes.length}`);
      expect(part.bytes).toEqual(bytes.subarray(start, end + 1));
    }
    // The master key generated for this server is private to it.
    const key = await stat(path.join(server.instance.config.dataDir, 'master.key'));
    expect(key.mode & 0o777).toBe(0o600);
  });

  it('answers a clear integrity error for a modified file, never its bytes', async () => {
    const { proctor, url, file } = await uploaded('tampered');
    const raw = await readFile(file);
    const changed = Buffer.from(raw);
    changed[100] = changed[100]! ^ 0x01;
    await writeFile(file, changed);
    const whole = await getRaw(proctor, url);
    expect(whole.status).toBe(500);
    expect(whole.json).toMatchObject({ code: 'STORED_DATA_DAMAGED' });
    expect(whole.json.message).toMatch(/integrity check/);
    const part = await getRaw(proctor, url, { range: 'bytes=10-20' });
    expect(part.status).toBe(500);
    expect(part.json).toMatchObject({ code: 'STORED_DATA_DAMAGED' });
    // A range in an intact chunk further on still plays.
    await writeFile(file, raw);
    expect((await getRaw(proctor, url, { range: 'bytes=200000-200009' })).status).toBe(206);
  });

  it('rotates master keys without touching the media: the old key can then be removed', async () => {
    const { bytes, file, row } = await uploaded('rotated');
    const before = await readFile(file);
    const keyFile = await readFile(path.join(server.instance.config.dataDir, 'master.key'), 'utf8');
    const [old] = parseMasterKeys(keyFile);
    const next = generateMasterKey('next');
    const report = await rotateKeys(db(), new Keyring([old!, next]));
    expect(report.kid).toBe('next');
    expect(report.blobKeys).toBeGreaterThanOrEqual(1);
    expect(await readFile(file)).toEqual(before);
    const kids = await db().select({ kid: blobKeys.kid }).from(blobKeys);
    expect(new Set(kids.map((k) => k.kid))).toEqual(new Set(['next']));
    // A process holding only the new key reads the blob written under the old one.
    const onlyNew = new EncryptedBlobStore(
      await LocalDiskBlobStore.open(server.instance.config.blobDir),
      new DatabaseDataKeyStore(db()),
      new Keyring([next]),
    );
    expect(await buffer((await onlyNew.get(row.blobKey))!.stream)).toEqual(bytes);
    // And one holding only the old key cannot any more.
    const onlyOld = new EncryptedBlobStore(
      await LocalDiskBlobStore.open(server.instance.config.blobDir),
      new DatabaseDataKeyStore(db()),
      new Keyring([old!]),
    );
    await expect(onlyOld.get(row.blobKey)).rejects.toThrow(/next/);
    // Running it again finds nothing left to do.
    expect((await rotateKeys(db(), new Keyring([old!, next]))).blobKeys).toBe(0);
  });

  it('encrypts what was stored before encryption at rest, checked against its SHA-256', async () => {
    const { proctor, bytes, url, file } = await uploaded('legacy');
    // As an older installation left it: the plaintext under the same key.
    await writeFile(file, bytes);
    const before = await getRaw(proctor, url);
    expect(before.status).toBe(500);
    expect(before.json).toMatchObject({
      code: 'STORED_DATA_NOT_ENCRYPTED',
      message: expect.stringContaining('invigil keys encrypt-existing'),
    });
    const { blobDir } = server.instance.config;
    const raw = await LocalDiskBlobStore.open(blobDir);
    const keyFile = await readFile(path.join(server.instance.config.dataDir, 'master.key'), 'utf8');
    const encrypted = new EncryptedBlobStore(
      raw,
      new DatabaseDataKeyStore(db()),
      new Keyring(parseMasterKeys(keyFile)),
    );
    const report = await encryptExistingBlobs(db(), raw, encrypted);
    expect(report.encrypted).toBe(1);
    expect(report.mismatched).toEqual([]);
    expect((await readFile(file)).subarray(0, 8).toString()).toBe('INVGENC1');
    const after = await getRaw(proctor, url);
    expect(after.status).toBe(200);
    expect(after.bytes).toEqual(bytes);
    // Again: nothing left to do; a plaintext whose bytes changed is left alone and reported.
    expect((await encryptExistingBlobs(db(), raw, encrypted)).encrypted).toBe(0);
    const other = await uploaded('changed');
    await writeFile(other.file, Buffer.concat([other.bytes, Buffer.from('!')]));
    expect((await encryptExistingBlobs(db(), raw, encrypted)).mismatched).toEqual([
      other.row.blobKey,
    ]);
  });

  it('tells a reader plainly when the file was erased (its data key deleted)', async () => {
    const { file } = await uploaded('erased');
    const raw = await readFile(file);
    const objectId = [
      raw.subarray(8, 12),
      raw.subarray(12, 14),
      raw.subarray(14, 16),
      raw.subarray(16, 18),
      raw.subarray(18, 24),
    ]
      .map((b) => b.toString('hex'))
      .join('-');
    await db().delete(blobKeys).where(eq(blobKeys.objectId, objectId));
    // This server still remembers the key it wrote with; a restarted one would not.
    const fresh = new EncryptedBlobStore(
      await LocalDiskBlobStore.open(server.instance.config.blobDir),
      new DatabaseDataKeyStore(db()),
      new Keyring([generateMasterKey()]),
    );
    await expect(fresh.get(path.relative(server.instance.config.blobDir, file))).rejects.toThrow(
      /erased/,
    );
  });
});
