import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BlobDecryptError } from './chunked-cipher.js';
import {
  encryptValue,
  formatMasterKey,
  generateMasterKey,
  isSealedValue,
  Keyring,
  KeyUnavailableError,
  newDataKey,
  openValue,
  parseMasterKeys,
  rewrapValue,
  type SealedValue,
} from './master-keys.js';

const b64 = (b: Buffer) => b.toString('base64');
const b64url = (b: Buffer) => b.toString('base64url');

describe('parseMasterKeys', () => {
  const a = randomBytes(32);
  const b = randomBytes(32);
  const c = randomBytes(32);

  it('reads one bare base64 key as k1', () => {
    expect(parseMasterKeys(b64(a))).toEqual([{ id: 'k1', key: a }]);
    expect(parseMasterKeys(`  ${b64(a)}\n`)).toEqual([{ id: 'k1', key: a }]);
  });

  it('reads several id:base64 entries separated by commas, the last being newest', () => {
    const keys = parseMasterKeys(`old:${b64(a)}, mid_2:${b64(b)},new-3:${b64(c)}`);
    expect(keys).toEqual([
      { id: 'old', key: a },
      { id: 'mid_2', key: b },
      { id: 'new-3', key: c },
    ]);
    expect(new Keyring(keys).current.id).toBe('new-3');
  });

  it('reads the file form: newlines, blank lines and # comments', () => {
    const text = [
      '# Invigil master keys, oldest first',
      '',
      `k1:${b64(a)}`,
      '   # rotated 2024-05, keep k1 until rewrapped',
      `k2:${b64(b)},k3:${b64(c)}\r`,
      '',
    ].join('\n');
    expect(parseMasterKeys(text).map((k) => k.id)).toEqual(['k1', 'k2', 'k3']);
  });

  it('accepts base64url and unpadded keys', () => {
    // Pick a key whose base64 has + or /, so base64url really differs.
    let k = randomBytes(32);
    while (!/[+/]/.test(b64(k))) k = randomBytes(32);
    expect(parseMasterKeys(`x:${b64url(k)}`)).toEqual([{ id: 'x', key: k }]);
    expect(parseMasterKeys(b64(k).replace(/=+$/, ''))).toEqual([{ id: 'k1', key: k }]);
  });

  it('round-trips formatMasterKey and generateMasterKey', () => {
    const k1 = generateMasterKey();
    const k2 = generateMasterKey('k2');
    expect(k1.id).toBe('k1');
    expect(k1.key.length).toBe(32);
    expect(k1.key.equals(k2.key)).toBe(false);
    expect(formatMasterKey(k2)).toBe(`k2:${b64(k2.key)}`);
    expect(parseMasterKeys([k1, k2].map(formatMasterKey).join('\n'))).toEqual([k1, k2]);
    expect(() => generateMasterKey('no spaces')).toThrow();
  });

  /** Each bad input, the entry position its error must name, and the secrets it must not show. */
  const bad: [string, string, RegExp, string[]][] = [
    ['nothing', '', /No master key/, []],
    ['only comments', '# none yet\n\n', /No master key/, []],
    ['bad id', `bad id:${b64(a)}`, /entry 1 of 1 has an invalid id/, [b64(a)]],
    ['id too long', `${'x'.repeat(33)}:${b64(a)}`, /entry 1 of 1 has an invalid id/, [b64(a)]],
    ['empty id', `:${b64(a)}`, /entry 1 of 1 has an invalid id/, [b64(a)]],
    ['short key', `k1:${b64(a)},k2:${b64(a.subarray(1))}`, /entry 2 of 2 .*32 bytes/, [b64(a)]],
    ['long key', `k1:${b64(Buffer.concat([a, b]))}`, /entry 1 of 1 .*32 bytes/, [b64(a)]],
    [
      'not base64',
      `k1:${b64(a).slice(0, 20)}!!${b64(a).slice(22)}`,
      /32 bytes/,
      [b64(a).slice(0, 20)],
    ],
    ['no key', 'k1:', /entry 1 of 1 .*32 bytes/, []],
    [
      'duplicate id',
      `k1:${b64(a)}\nk1:${b64(b)}`,
      /entry 2 of 2 repeats the id "k1"/,
      [b64(a), b64(b)],
    ],
    [
      'bare key among several',
      `k1:${b64(a)},${b64(b)}`,
      /entry 2 of 2 has no id/,
      [b64(a), b64(b)],
    ],
    ['key where the id goes', `${b64url(a)}:${b64(b)}`, /invalid id/, [b64url(a), b64(b)]],
  ];

  for (const [name, text, message, secrets] of bad) {
    it(`refuses ${name}, naming the entry but not the key material`, () => {
      let error: unknown;
      try {
        parseMasterKeys(text);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(Error);
      const text_ = (error as Error).message;
      expect(text_).toMatch(message);
      for (const secret of secrets) expect(text_).not.toContain(secret.slice(0, 12));
    });
  }
});

describe('Keyring', () => {
  const old = generateMasterKey('old');
  const fresh = generateMasterKey('new');

  it('wraps a data key into 60 bytes under the current key and unwraps it', () => {
    const ring = new Keyring([old]);
    const dataKey = newDataKey();
    const { kid, wrapped } = ring.wrap(dataKey);
    expect(kid).toBe('old');
    expect(wrapped.length).toBe(60);
    expect(wrapped.includes(dataKey)).toBe(false);
    expect(ring.unwrap(kid, wrapped).equals(dataKey)).toBe(true);
    // A fresh iv each time, so the same key never wraps to the same bytes.
    expect(ring.wrap(dataKey).wrapped.equals(wrapped)).toBe(false);
  });

  it('keeps unwrapping with an old key after a newer one is added, and wraps with the newer', () => {
    const dataKey = newDataKey();
    const before = new Keyring([old]).wrap(dataKey);
    const rotated = new Keyring([old, fresh]);
    expect(rotated.current).toBe(fresh);
    expect(rotated.ids()).toEqual(['old', 'new']);
    expect(rotated.unwrap(before.kid, before.wrapped).equals(dataKey)).toBe(true);
    const after = rotated.wrap(dataKey);
    expect(after.kid).toBe('new');
    expect(rotated.unwrap(after.kid, after.wrapped).equals(dataKey)).toBe(true);
  });

  it('throws KeyUnavailableError, naming the kid, when that master key is not configured', () => {
    const { wrapped } = new Keyring([old]).wrap(newDataKey());
    const ring = new Keyring([fresh]);
    expect(() => ring.unwrap('old', wrapped)).toThrow(KeyUnavailableError);
    try {
      ring.unwrap('old', wrapped);
    } catch (err) {
      expect((err as Error).name).toBe('KeyUnavailableError');
      expect((err as KeyUnavailableError).kid).toBe('old');
      expect((err as Error).message).toMatch(/"old".*must still contain/);
    }
  });

  it('throws BlobDecryptError for a tampered, truncated or relabelled wrapped key', () => {
    const ring = new Keyring([old, fresh]);
    const { kid, wrapped } = ring.wrap(newDataKey());
    for (let at = 0; at < wrapped.length; at += 7) {
      const bad = Buffer.from(wrapped);
      bad[at]! ^= 0x01;
      expect(() => ring.unwrap(kid, bad)).toThrow(BlobDecryptError);
    }
    expect(() => ring.unwrap(kid, wrapped.subarray(1))).toThrow(BlobDecryptError);
    // Wrapped under "new" but claimed to be under "old": the wrong key and AAD both fail it.
    expect(() => ring.unwrap('old', wrapped)).toThrow(BlobDecryptError);
    // Same key material under another id: the AAD alone tells them apart.
    const twin = new Keyring([{ id: 'twin', key: fresh.key }, fresh]);
    expect(() => twin.unwrap('twin', wrapped)).toThrow(BlobDecryptError);
  });

  it('refuses an empty keyring, duplicate ids and keys of the wrong size', () => {
    expect(() => new Keyring([])).toThrow(/at least one/);
    expect(() => new Keyring([old, { id: 'old', key: fresh.key }])).toThrow(/twice/);
    expect(() => new Keyring([{ id: 'k1', key: randomBytes(16) }])).toThrow(/32 bytes/);
    expect(() => new Keyring([old]).wrap(randomBytes(16))).toThrow(RangeError);
  });
});

describe('sealed values', () => {
  const old = generateMasterKey('old');
  const fresh = generateMasterKey('new');
  const descriptor = Buffer.from(new Float32Array([0.1, -0.25, 0.5, 0.75]).buffer);

  it('round-trip through JSON, with a fresh data key per value', () => {
    const ring = new Keyring([old]);
    const sealed = encryptValue(ring, descriptor);
    expect(sealed.v).toBe(1);
    expect(sealed.kid).toBe('old');
    expect(isSealedValue(sealed)).toBe(true);
    const stored = JSON.parse(JSON.stringify(sealed)) as SealedValue;
    expect(openValue(ring, stored).equals(descriptor)).toBe(true);
    const again = encryptValue(ring, descriptor);
    expect(again.key).not.toBe(sealed.key);
    expect(again.data).not.toBe(sealed.data);
    expect(openValue(ring, encryptValue(ring, Buffer.alloc(0))).length).toBe(0);
  });

  it('tells sealed values from other things', () => {
    const sealed = encryptValue(new Keyring([old]), descriptor);
    expect(isSealedValue({ ...sealed, v: 2 })).toBe(false);
    expect(isSealedValue({ ...sealed, data: undefined })).toBe(false);
    expect(isSealedValue([0.1, 0.2])).toBe(false);
    expect(isSealedValue(null)).toBe(false);
    expect(isSealedValue('x')).toBe(false);
  });

  it('rewrap keeps the data and moves the key to the current master key', () => {
    const sealed = encryptValue(new Keyring([old]), descriptor);
    const rotated = new Keyring([old, fresh]);
    const moved = rewrapValue(rotated, sealed);
    expect(moved.kid).toBe('new');
    expect(moved.data).toBe(sealed.data);
    expect(moved.iv).toBe(sealed.iv);
    expect(moved.key).not.toBe(sealed.key);
    // Once rewrapped, the old master key can be retired.
    expect(openValue(new Keyring([fresh]), moved).equals(descriptor)).toBe(true);
    expect(() => openValue(new Keyring([fresh]), sealed)).toThrow(KeyUnavailableError);
  });

  it('fails with BlobDecryptError when the data, iv or wrapped key was altered', () => {
    const ring = new Keyring([old]);
    const sealed = encryptValue(ring, descriptor);
    const flip = (s: string, at: number) => {
      const b = Buffer.from(s, 'base64');
      b[at]! ^= 0x01;
      return b64(b);
    };
    const altered: SealedValue[] = [
      { ...sealed, data: flip(sealed.data, 0) },
      { ...sealed, data: flip(sealed.data, descriptor.length + 3) },
      { ...sealed, data: b64(Buffer.from(sealed.data, 'base64').subarray(1)) },
      { ...sealed, iv: flip(sealed.iv, 0) },
      { ...sealed, key: flip(sealed.key, 20) },
      { ...sealed, data: encryptValue(ring, descriptor).data },
    ];
    for (const bad of altered) expect(() => openValue(ring, bad)).toThrow(BlobDecryptError);
  });
});
