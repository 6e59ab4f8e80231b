import { describe, expect, it } from 'vitest';
import type { Role } from '@invigil/contracts';
import { secondFactorGate, STEP_UP_WINDOW_MS, type GateInput } from './mfa-gate.js';

const NOW = new Date('2026-03-01T10:00:00Z');
const buildGate = (overrides: Partial<GateInput> = {}): GateInput => ({
  role: 'proctor',
  hasFactor: false,
  verifiedAt: null,
  requireForStaff: false,
  now: NOW,
  ...overrides,
});
const ago = (ms: number) => new Date(NOW.getTime() - ms);

describe('the second-factor gate', () => {
  it('asks a session to prove a factor it never proved', () => {
    expect(secondFactorGate(buildGate({ hasFactor: true }))).toEqual({
      secondFactor: 'verify',
      stepUpNeeded: true,
    });
  });

  it('lets a proved session through, and asks again for step-up after the window', () => {
    const fresh = buildGate({ hasFactor: true, verifiedAt: ago(STEP_UP_WINDOW_MS) });
    expect(secondFactorGate(fresh)).toEqual({ stepUpNeeded: false });
    const stale = buildGate({ hasFactor: true, verifiedAt: ago(STEP_UP_WINDOW_MS + 1) });
    expect(secondFactorGate(stale)).toEqual({ stepUpNeeded: true });
  });

  it('sends staff without a factor to enrolment only when an admin requires it', () => {
    for (const role of ['proctor', 'instructor', 'admin'] satisfies Role[]) {
      expect(secondFactorGate(buildGate({ role, requireForStaff: true })).secondFactor).toBe(
        'enrol',
      );
      expect(secondFactorGate(buildGate({ role })).secondFactor).toBeUndefined();
    }
    expect(
      secondFactorGate(buildGate({ role: 'student', requireForStaff: true })).secondFactor,
    ).toBeUndefined();
  });

  it('never asks for step-up without a factor to prove', () => {
    expect(secondFactorGate(buildGate({ requireForStaff: true })).stepUpNeeded).toBe(false);
    expect(secondFactorGate(buildGate({ role: 'admin' })).stepUpNeeded).toBe(false);
  });
});
