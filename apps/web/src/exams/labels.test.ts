import { describe, expect, it } from 'vitest';
import { durationLabel, seatsLeftLabel } from './labels';

describe('exam labels', () => {
  it('counts seats', () => {
    expect(seatsLeftLabel(10, 10)).toBe('Full');
    expect(seatsLeftLabel(10, 12)).toBe('Full');
    expect(seatsLeftLabel(10, 9)).toBe('1 seat left');
    expect(seatsLeftLabel(10, 0)).toBe('10 seats left');
  });

  it('formats durations', () => {
    expect(durationLabel(45)).toBe('45 min');
    expect(durationLabel(120)).toBe('2 h');
    expect(durationLabel(90)).toBe('1 h 30 min');
  });
});
