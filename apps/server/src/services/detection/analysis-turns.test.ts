import { describe, expect, it } from 'vitest';
import { ServedSessions } from './analysis-turns.js';

describe('ServedSessions', () => {
  it('lists sessions least recently served first', () => {
    const s = new ServedSessions();
    s.served(['a', 'b', 'c']);
    s.served(['a']);
    expect(s.leastRecentFirst()).toEqual(['b', 'c', 'a']);
    s.served(['b', 'b']);
    expect(s.leastRecentFirst()).toEqual(['c', 'a', 'b']);
  });

  it('forgets the least recent beyond its size (they then count as never served)', () => {
    const s = new ServedSessions(2);
    s.served(['a', 'b', 'c']);
    expect(s.leastRecentFirst()).toEqual(['b', 'c']);
  });
});
