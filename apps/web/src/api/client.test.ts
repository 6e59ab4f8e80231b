import { describe, expect, it } from 'vitest';
import { query } from './client';

describe('query', () => {
  it('keeps only set values', () => {
    expect(query({ role: 'student', q: '', x: undefined, y: null })).toBe('?role=student');
    expect(query({})).toBe('');
    expect(query({ q: 'a b&c', limit: 100 })).toBe('?q=a+b%26c&limit=100');
  });
});
