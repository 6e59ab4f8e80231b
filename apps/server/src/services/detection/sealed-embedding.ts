import {
  encryptValue,
  isSealedValue,
  openValue,
  type Keyring,
  type SealedValue,
} from '../../crypto/master-keys.js';

/**
 * A face descriptor as stored in `exam_sessions.enrolled_embedding`: sealed like every
 * blob (its own data key, wrapped by the master key), since a face descriptor is biometric
 * data and a database dump must not give it away.
 */
export function sealEmbedding(keyring: Keyring, embedding: readonly number[]): SealedValue {
  return encryptValue(keyring, Buffer.from(JSON.stringify(embedding)));
}

/**
 * The descriptor a stored value holds, or null when there is none. A bare array was stored
 * before descriptors were sealed (`invigil keys rotate` seals those too).
 */
export function openEmbedding(keyring: Keyring, stored: unknown): number[] | null {
  if (stored === null || stored === undefined) return null;
  if (Array.isArray(stored)) return stored as number[];
  if (!isSealedValue(stored)) throw new Error('The stored face descriptor is not readable');
  const value: unknown = JSON.parse(openValue(keyring, stored).toString('utf8'));
  if (!Array.isArray(value) || !value.every((x) => typeof x === 'number')) {
    throw new Error('The stored face descriptor is not a list of numbers');
  }
  return value as number[];
}
