import { describe, expect, it } from 'vitest';
import type { LtiToolKey } from '@invigil/contracts';
import { baseUrlProblem, keyState, sortKeys, validFor } from './lti-tool-model';

const NOW = Date.parse('2026-03-10T12:00:00.000Z');
const fmt = (iso: string) => `<${iso}>`;

const buildKey = (overrides: Partial<LtiToolKey> = {}): LtiToolKey => ({
  kid: 'k1',
  createdAt: '2026-03-01T00:00:00.000Z',
  retiredAt: null,
  publishedUntil: null,
  ...overrides,
});

describe('baseUrlProblem', () => {
  it('accepts https, and plain http only on this machine', () => {
    expect(baseUrlProblem('https://invigil.example.edu')).toBeNull();
    expect(baseUrlProblem('http://localhost:3000')).toBeNull();
    expect(baseUrlProblem('http://127.0.0.1:8080')).toBeNull();
  });

  it('explains why plain http elsewhere fails, naming PUBLIC_URL', () => {
    expect(baseUrlProblem('http://invigil.example.edu')).toMatch(/PUBLIC_URL/);
    expect(baseUrlProblem('http://invigil.example.edu')).toMatch(/http:\/\/invigil\.example\.edu/);
    expect(baseUrlProblem('nonsense')).toMatch(/PUBLIC_URL/);
  });
});

describe('keyState', () => {
  it('calls an unretired key the signing one', () => {
    expect(keyState(buildKey(), NOW, fmt).label).toBe('Signing');
  });

  it('says until when a retired key stays published', () => {
    const state = keyState(
      buildKey({
        retiredAt: '2026-03-09T00:00:00.000Z',
        publishedUntil: '2026-03-16T00:00:00.000Z',
      }),
      NOW,
      fmt,
    );
    expect(state.label).toBe('Retired');
    expect(state.detail).toContain('<2026-03-16T00:00:00.000Z>');
  });

  it('calls a key past its grace period unpublished', () => {
    const state = keyState(
      buildKey({
        retiredAt: '2026-02-01T00:00:00.000Z',
        publishedUntil: '2026-02-08T00:00:00.000Z',
      }),
      NOW,
      fmt,
    );
    expect(state.label).toBe('Unpublished');
  });
});

describe('sortKeys', () => {
  it('puts the signing key first, then retired keys newest first', () => {
    const keys = [
      buildKey({
        kid: 'old',
        createdAt: '2026-01-01T00:00:00.000Z',
        retiredAt: '2026-02-01T00:00:00.000Z',
      }),
      buildKey({
        kid: 'mid',
        createdAt: '2026-02-01T00:00:00.000Z',
        retiredAt: '2026-03-01T00:00:00.000Z',
      }),
      buildKey({ kid: 'current', createdAt: '2026-03-01T00:00:00.000Z' }),
    ];
    expect(sortKeys(keys).map((k) => k.kid)).toEqual(['current', 'mid', 'old']);
  });
});

describe('validFor', () => {
  it('counts down in hours, then minutes, then says expired', () => {
    expect(validFor('2026-03-11T12:00:00.000Z', NOW)).toBe('Valid for 24 hours');
    expect(validFor('2026-03-10T13:30:00.000Z', NOW)).toBe('Valid for 1 hour');
    expect(validFor('2026-03-10T12:01:30.000Z', NOW)).toBe('Valid for 1 minute');
    expect(validFor('2026-03-10T11:59:00.000Z', NOW)).toBe('Expired');
    expect(validFor('garbage', NOW)).toBe('Expired');
  });
});
