import { describe, expect, it } from 'vitest';
import { SCOPES_BY_ROLE, scopesAllowed } from '@invigil/contracts';
import { DAY_MS, tokenExpiry } from './token-expiry.js';

describe('tokenExpiry', () => {
  const createdAt = new Date('2026-01-01T00:00:00Z');

  it('is the stored expiry when there is one', () => {
    const expiresAt = new Date('2026-02-01T00:00:00Z');
    expect(tokenExpiry({ createdAt, expiresAt }, 365)).toEqual(expiresAt);
  });

  it('counts a token without one as made for the longest allowed', () => {
    expect(tokenExpiry({ createdAt, expiresAt: null }, 365).getTime()).toBe(
      createdAt.getTime() + 365 * DAY_MS,
    );
  });
});

describe('scopesAllowed', () => {
  it('keeps only what the role may hold now', () => {
    expect(scopesAllowed('proctor', ['exams:read', 'exams:write', 'users:read'])).toEqual([
      'exams:read',
    ]);
    expect(scopesAllowed('student', ['exams:read'])).toEqual([]);
    expect(scopesAllowed('admin', SCOPES_BY_ROLE.admin)).toEqual([...SCOPES_BY_ROLE.admin]);
  });
});
