import { describe, expect, it } from 'vitest';
import { hashPassword, passwordProblems, verifyPassword } from './password.js';

describe('password policy', () => {
  it('accepts a long passphrase', () => {
    expect(passwordProblems('correct horse battery staple', 'sam@uni.example')).toEqual([]);
  });
  it('rejects short, common, repeated and e-mail-based passwords', () => {
    expect(passwordProblems('short')).toContain('Use at least 12 characters');
    expect(passwordProblems('password1234')).toContain('This password is too common');
    expect(passwordProblems('zzzzzzzzzzzzzz')).toContain('This password is too common');
    expect(passwordProblems('samantha-2026-pass', 'samantha@uni.example')).toContain(
      'Do not use your e-mail address in your password',
    );
  });
});

describe('argon2id hashing', () => {
  it('hashes with argon2id and verifies', async () => {
    const stored = await hashPassword('correct horse battery staple');
    expect(stored.startsWith('$argon2id$')).toBe(true);
    expect(await verifyPassword(stored, 'correct horse battery staple')).toBe(true);
    expect(await verifyPassword(stored, 'wrong horse battery staple')).toBe(false);
  });
  it('treats a malformed stored hash as a mismatch', async () => {
    expect(await verifyPassword('not-a-hash', 'anything at all')).toBe(false);
  });
});
