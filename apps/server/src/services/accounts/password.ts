import { hash, verify } from '@node-rs/argon2';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '@invigil/contracts';

/** argon2id with the OWASP-recommended minimum parameters (19 MiB, 2 passes). */
// 2 = Algorithm.Argon2id (a const enum, which isolated modules cannot import).
const ARGON2 = { algorithm: 2 as const, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

/** Hash a password for storage. */
export const hashPassword = (password: string): Promise<string> => hash(password, ARGON2);

/** Check a password against a stored hash; never throws on a malformed hash. */
export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  try {
    return await verify(stored, password);
  } catch {
    return false;
  }
}

// A short list of the passwords that top every breach list; length rules catch the rest.
const COMMON = new Set([
  'password1234',
  'password12345',
  'password123456',
  '123456789012',
  '1234567890123',
  'qwertyuiopas',
  'qwerty123456',
  'iloveyou1234',
  'letmein12345',
  'administrator',
  'welcome12345',
  'changeme1234',
  'passwordpassword',
  'aaaaaaaaaaaa',
  'abcdefghijkl',
  'abc123456789',
]);

/** Every way `password` breaks the policy (empty when it is acceptable). */
export function passwordProblems(password: string, email?: string): string[] {
  const problems: string[] = [];
  if (password.length < PASSWORD_MIN_LENGTH) {
    problems.push(`Use at least ${PASSWORD_MIN_LENGTH} characters`);
  }
  if (password.length > PASSWORD_MAX_LENGTH) {
    problems.push(`Use at most ${PASSWORD_MAX_LENGTH} characters`);
  }
  const lower = password.toLowerCase();
  if (COMMON.has(lower) || /^(.)\1+$/.test(password)) problems.push('This password is too common');
  if (email) {
    const local = email.toLowerCase().split('@')[0] ?? '';
    if (lower === email.toLowerCase() || (local.length >= 4 && lower.includes(local))) {
      problems.push('Do not use your e-mail address in your password');
    }
  }
  return problems;
}
