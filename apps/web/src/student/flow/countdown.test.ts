import { describe, expect, it } from 'vitest';
import { clockOffset, formatRemaining, milestone, remainingMs, spokenRemaining } from './countdown';

describe('countdown', () => {
  it('corrects for the server clock with the request midpoint', () => {
    // The server says 12:00:10 when this computer's midpoint was 12:00:00: it is 10 s ahead.
    const at = Date.parse('2030-01-01T12:00:00Z');
    expect(clockOffset('2030-01-01T12:00:10Z', at - 100, at + 100)).toBe(10_000);
    expect(remainingMs('2030-01-01T12:30:00Z', 10_000, at)).toBe(29 * 60_000 + 50_000);
    expect(remainingMs('2030-01-01T11:00:00Z', 0, at)).toBe(0);
  });

  it('formats the time left, rounding up', () => {
    expect(formatRemaining(0)).toBe('0:00');
    expect(formatRemaining(1)).toBe('0:01');
    expect(formatRemaining(65_000)).toBe('1:05');
    expect(formatRemaining(3_723_000)).toBe('1:02:03');
  });

  it('speaks the time left', () => {
    expect(spokenRemaining(0)).toBe('Time is up');
    expect(spokenRemaining(40_000)).toBe('40 seconds left');
    expect(spokenRemaining(90_000)).toBe('90 seconds left');
    expect(spokenRemaining(10 * 60_000)).toBe('10 minutes left');
    expect(spokenRemaining(65 * 60_000)).toBe('1 hour 5 minutes left');
  });

  it('announces only when a milestone is crossed', () => {
    expect(milestone(5 * 60_000 + 1000, 5 * 60_000)).toBe(5);
    expect(milestone(5 * 60_000, 5 * 60_000 - 1000)).toBeNull();
    expect(milestone(20 * 60_000, 19 * 60_000)).toBeNull();
  });
});
