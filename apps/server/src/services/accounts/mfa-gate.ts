import type { Role, SecondFactorState } from '@invigil/contracts';

/** How recently a second factor must have been proved for a step-up route (role changes, webhooks…). */
export const STEP_UP_WINDOW_MS = 10 * 60_000;

/** Roles an admin can require a second factor of. */
export const MFA_STAFF_ROLES: readonly Role[] = ['proctor', 'instructor', 'admin'];

/** What the gate needs to know of a session and its account. */
export interface GateInput {
  role: Role;
  /** The account has at least one second factor. */
  hasFactor: boolean;
  /** When this session last proved a second factor (null: never). */
  verifiedAt: Date | null;
  /** The admin setting: staff roles must have a second factor. */
  requireForStaff: boolean;
  now: Date;
}

/** What a session owes, and whether step-up routes must see the factor again. */
export interface Gate {
  secondFactor?: SecondFactorState;
  stepUpNeeded: boolean;
}

/**
 * The second-factor gate of one cookie session, computed on every request from the account's
 * current factors and the admin setting, so any way of opening a session is covered and a
 * change (a factor added elsewhere, the requirement switched on) applies at once:
 * - a factor this session never proved → `verify`;
 * - no factor while the role must have one → `enrol`;
 * - step-up routes need a proof within STEP_UP_WINDOW_MS when there is a factor to prove.
 */
export function secondFactorGate(i: GateInput): Gate {
  if (i.hasFactor) {
    if (!i.verifiedAt) return { secondFactor: 'verify', stepUpNeeded: true };
    return { stepUpNeeded: i.now.getTime() - i.verifiedAt.getTime() > STEP_UP_WINDOW_MS };
  }
  if (i.requireForStaff && MFA_STAFF_ROLES.includes(i.role)) {
    return { secondFactor: 'enrol', stepUpNeeded: false };
  }
  return { stepUpNeeded: false };
}
