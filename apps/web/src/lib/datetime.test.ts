import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatOffset, isoToLocalInput, localInputToIso } from './datetime';

const originalTz = process.env.TZ;

describe('datetime-local conversion', () => {
  beforeAll(() => {
    process.env.TZ = 'Europe/Paris';
  });
  afterAll(() => {
    process.env.TZ = originalTz;
  });

  it('formats offsets', () => {
    expect(formatOffset(0)).toBe('+00:00');
    expect(formatOffset(60)).toBe('+01:00');
    expect(formatOffset(-330)).toBe('-05:30');
    expect(formatOffset(345)).toBe('+05:45');
  });

  it('adds the local offset, winter and summer', () => {
    expect(localInputToIso('2025-01-15T09:30')).toBe('2025-01-15T09:30:00+01:00');
    expect(localInputToIso('2025-07-15T09:30')).toBe('2025-07-15T09:30:00+02:00');
  });

  it('keeps seconds when the input has them', () => {
    expect(localInputToIso('2025-01-15T09:30:45')).toBe('2025-01-15T09:30:45+01:00');
  });

  it('moves a time skipped by DST forward', () => {
    expect(localInputToIso('2025-03-30T02:30')).toBe('2025-03-30T03:30:00+02:00');
  });

  it('rejects empty and malformed values', () => {
    expect(localInputToIso('')).toBeNull();
    expect(localInputToIso('2025-01-15')).toBeNull();
    expect(localInputToIso('2025-02-30T10:00')).toBeNull();
    expect(localInputToIso('not a date')).toBeNull();
  });

  it('shows an instant as local wall-clock time', () => {
    expect(isoToLocalInput('2025-01-15T08:30:00Z')).toBe('2025-01-15T09:30');
    expect(isoToLocalInput('2025-07-15T09:30:00+02:00')).toBe('2025-07-15T09:30');
    expect(isoToLocalInput('')).toBe('');
    expect(isoToLocalInput('garbage')).toBe('');
  });

  it('round-trips through the same instant', () => {
    const iso = localInputToIso('2025-11-02T18:05');
    expect(iso).not.toBeNull();
    expect(isoToLocalInput(iso)).toBe('2025-11-02T18:05');
    expect(new Date(iso!).toISOString()).toBe('2025-11-02T17:05:00.000Z');
  });
});
