import { describe, expect, it } from 'vitest';
import { findNul } from './input-guards.js';

describe('findNul', () => {
  it('finds NUL in nested strings and keys', () => {
    expect(findNul({ a: 'ok', b: ['x', 'y\u0000'] })).toBe('b.1');
    expect(findNul({ ['k\u0000']: 1 })).toBe('(value)');
    expect(findNul('a\u0000')).toBe('(value)');
  });
  it('passes clean input', () => {
    expect(findNul({ a: 'ok', b: [1, true, null, { c: 'd' }] })).toBeUndefined();
    expect(findNul(undefined)).toBeUndefined();
  });
});
