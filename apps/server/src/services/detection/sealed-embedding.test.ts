import { describe, expect, it } from 'vitest';
import { generateMasterKey, Keyring } from '../../crypto/master-keys.js';
import { openEmbedding, sealEmbedding } from './sealed-embedding.js';

describe('sealed face descriptors', () => {
  const keyring = new Keyring([generateMasterKey()]);
  const descriptor = Array.from({ length: 128 }, (_, i) => Math.sin(i) / 3);

  it('stores no number of the descriptor in the clear, and opens to the same numbers', () => {
    const sealed = sealEmbedding(keyring, descriptor);
    const stored = JSON.stringify(sealed);
    expect(stored).not.toContain(String(descriptor[5]).slice(0, 8));
    expect(openEmbedding(keyring, JSON.parse(stored))).toEqual(descriptor);
  });

  it('reads a descriptor stored before sealing, and nothing as null', () => {
    expect(openEmbedding(keyring, descriptor)).toEqual(descriptor);
    expect(openEmbedding(keyring, null)).toBeNull();
  });

  it('refuses a modified or unknown value rather than guessing', () => {
    const sealed = sealEmbedding(keyring, descriptor);
    const data = Buffer.from(sealed.data, 'base64');
    data[3] = data[3]! ^ 1;
    expect(() => openEmbedding(keyring, { ...sealed, data: data.toString('base64') })).toThrow();
    expect(() => openEmbedding(keyring, { something: 'else' })).toThrow(/not readable/);
  });
});
