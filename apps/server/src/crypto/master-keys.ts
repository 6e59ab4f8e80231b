import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { BlobDecryptError } from './chunked-cipher.js';

/**
 * Master keys wrap the per-object data keys (envelope encryption), so rotating a master key
 * re-wraps 60-byte keys instead of re-encrypting recordings. Old master keys stay configured
 * until nothing wrapped with them is left; the last one configured wraps everything new.
 */

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Bytes of a wrapped data key: iv, encrypted key, tag. */
const WRAPPED_BYTES = IV_BYTES + KEY_BYTES + TAG_BYTES;
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
/** Standard or URL-safe base64, optionally padded. */
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;
/** Domain separation for sealed database values, which have no other context to bind. */
const VALUE_AAD = Buffer.from('invigil-sealed-value-v1', 'ascii');

/** A master key and the id stored beside everything it wraps. */
export interface MasterKey {
  id: string;
  /** 32 bytes. */
  key: Buffer;
}

/** Thrown when stored data names a master key that is not configured (any more). */
export class KeyUnavailableError extends Error {
  constructor(readonly kid: string) {
    super(
      `Master key "${kid}" is not configured, but stored data was encrypted with it: the master key file/setting must still contain "${kid}"`,
    );
    this.name = 'KeyUnavailableError';
  }
}

/**
 * Read master keys from a setting or file: `id:base64` entries separated by commas and/or
 * newlines (blank and `#` lines ignored), or one bare base64 key, which gets id `k1`. The last
 * entry is the newest. Errors name the entry's position, never its key material.
 */
export function parseMasterKeys(text: string): MasterKey[] {
  const entries = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .flatMap((line) => line.split(','))
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  if (entries.length === 0) {
    throw new Error('No master key configured: expected one or more id:base64 entries');
  }
  const keys: MasterKey[] = [];
  entries.forEach((entry, i) => {
    const where = `Master key entry ${i + 1} of ${entries.length}`;
    const colon = entry.indexOf(':');
    if (colon < 0 && entries.length > 1) {
      throw new Error(`${where} has no id: with several keys, write each as id:base64`);
    }
    const id = colon < 0 ? 'k1' : entry.slice(0, colon).trim();
    const encoded = colon < 0 ? entry : entry.slice(colon + 1).trim();
    // The id is not echoed when invalid: a mistyped entry may have key material there.
    if (!KEY_ID.test(id)) {
      throw new Error(`${where} has an invalid id: use 1-32 of A-Z a-z 0-9 _ -`);
    }
    const key = BASE64.test(encoded) ? Buffer.from(encoded, 'base64') : undefined;
    if (key?.length !== KEY_BYTES) {
      throw new Error(`${where} ("${id}") is not ${KEY_BYTES} bytes of base64`);
    }
    if (keys.some((k) => k.id === id)) {
      throw new Error(`${where} repeats the id "${id}": each master key needs its own id`);
    }
    keys.push({ id, key });
  });
  return keys;
}

/** A master key as one `id:base64` entry, the form `parseMasterKeys` reads. */
export function formatMasterKey(k: MasterKey): string {
  return `${k.id}:${k.key.toString('base64')}`;
}

/** A new random master key. */
export function generateMasterKey(id = 'k1'): MasterKey {
  if (!KEY_ID.test(id)) throw new Error('A master key id is 1-32 of A-Z a-z 0-9 _ -');
  return { id, key: randomBytes(KEY_BYTES) };
}

/** A new random data key for one object or value. */
export function newDataKey(): Buffer {
  return randomBytes(KEY_BYTES);
}

/** AAD of a wrapped data key: binds it to its master key id, so ids cannot be swapped. */
const wrapAad = (kid: string) => Buffer.from(`invigil-data-key-v1:${kid}`, 'ascii');

/** The configured master keys: wraps data keys with the newest, unwraps with any of them. */
export class Keyring {
  private readonly byId = new Map<string, Buffer>();
  private readonly newest: MasterKey;

  constructor(keys: MasterKey[]) {
    for (const { id, key } of keys) {
      if (!KEY_ID.test(id)) throw new Error('A master key id is 1-32 of A-Z a-z 0-9 _ -');
      if (key.length !== KEY_BYTES) throw new Error(`Master key "${id}" is not ${KEY_BYTES} bytes`);
      if (this.byId.has(id)) throw new Error(`Master key id "${id}" is configured twice`);
      this.byId.set(id, key);
    }
    const newest = keys.at(-1);
    if (!newest) throw new Error('A keyring needs at least one master key');
    this.newest = newest;
  }

  /** The newest master key, which wraps every new data key. */
  get current(): MasterKey {
    return this.newest;
  }

  /** Ids of all configured master keys, oldest first. */
  ids(): string[] {
    return [...this.byId.keys()];
  }

  /** Wrap a data key under the current master key: iv (12) + encrypted key (32) + tag (16). */
  wrap(dataKey: Buffer): { kid: string; wrapped: Buffer } {
    if (dataKey.length !== KEY_BYTES) throw new RangeError(`A data key must be ${KEY_BYTES} bytes`);
    const { id: kid, key } = this.newest;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(wrapAad(kid));
    const body = Buffer.concat([cipher.update(dataKey), cipher.final()]);
    return { kid, wrapped: Buffer.concat([iv, body, cipher.getAuthTag()]) };
  }

  /** The data key `wrapped` under master key `kid`; throws when that key is gone or it was altered. */
  unwrap(kid: string, wrapped: Buffer): Buffer {
    const key = this.byId.get(kid);
    if (!key) throw new KeyUnavailableError(kid);
    const failed = () =>
      new BlobDecryptError(
        `A stored data key (master key "${kid}") failed its integrity check: it was modified or is damaged`,
      );
    if (wrapped.length !== WRAPPED_BYTES) throw failed();
    const decipher = createDecipheriv('aes-256-gcm', key, wrapped.subarray(0, IV_BYTES), {
      authTagLength: TAG_BYTES,
    });
    decipher.setAAD(wrapAad(kid));
    decipher.setAuthTag(wrapped.subarray(IV_BYTES + KEY_BYTES));
    const dataKey = decipher.update(wrapped.subarray(IV_BYTES, IV_BYTES + KEY_BYTES));
    try {
      decipher.final();
    } catch {
      throw failed();
    }
    return dataKey;
  }
}

/** A small value encrypted for the database (JSON-safe): its own data key, wrapped, and the data. */
export interface SealedValue {
  v: 1;
  /** Id of the master key that wrapped `key`. */
  kid: string;
  /** The wrapped data key, base64. */
  key: string;
  /** GCM iv, base64. */
  iv: string;
  /** Ciphertext followed by the GCM tag, base64. */
  data: string;
}

/** Encrypt a small value under a fresh data key, wrapped with the keyring's current key. */
export function encryptValue(keyring: Keyring, plaintext: Buffer): SealedValue {
  const dataKey = newDataKey();
  try {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', dataKey, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(VALUE_AAD);
    const data = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
    const { kid, wrapped } = keyring.wrap(dataKey);
    const b64 = (b: Buffer) => b.toString('base64');
    return { v: 1, kid, key: b64(wrapped), iv: b64(iv), data: b64(data) };
  } finally {
    dataKey.fill(0);
  }
}

/** Decrypt a sealed value; throws KeyUnavailableError or BlobDecryptError like `unwrap`. */
export function openValue(keyring: Keyring, sealed: SealedValue): Buffer {
  if (!isSealedValue(sealed)) throw new BlobDecryptError('Stored value is not a sealed value');
  const dataKey = keyring.unwrap(sealed.kid, Buffer.from(sealed.key, 'base64'));
  try {
    const iv = Buffer.from(sealed.iv, 'base64');
    const data = Buffer.from(sealed.data, 'base64');
    const failed = () =>
      new BlobDecryptError(
        'Stored value failed its integrity check: it was modified or is damaged',
      );
    if (iv.length !== IV_BYTES || data.length < TAG_BYTES) throw failed();
    const decipher = createDecipheriv('aes-256-gcm', dataKey, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(VALUE_AAD);
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    const plaintext = decipher.update(data.subarray(0, data.length - TAG_BYTES));
    try {
      decipher.final();
    } catch {
      throw failed();
    }
    return plaintext;
  } finally {
    dataKey.fill(0);
  }
}

/** Whether `x` has the shape of a sealed value (not whether it decrypts). */
export function isSealedValue(x: unknown): x is SealedValue {
  if (typeof x !== 'object' || x === null) return false;
  const o = x as Record<string, unknown>;
  return (
    o.v === 1 &&
    typeof o.kid === 'string' &&
    typeof o.key === 'string' &&
    typeof o.iv === 'string' &&
    typeof o.data === 'string'
  );
}

/** The same value with its data key re-wrapped under the current master key (key rotation). */
export function rewrapValue(keyring: Keyring, sealed: SealedValue): SealedValue {
  if (!isSealedValue(sealed)) throw new BlobDecryptError('Stored value is not a sealed value');
  const dataKey = keyring.unwrap(sealed.kid, Buffer.from(sealed.key, 'base64'));
  try {
    const { kid, wrapped } = keyring.wrap(dataKey);
    return { ...sealed, kid, key: wrapped.toString('base64') };
  } finally {
    dataKey.fill(0);
  }
}
