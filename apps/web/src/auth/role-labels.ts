import type { Role } from '@invigil/contracts';

/** Human labels for account roles, in display order. */
export const ROLE_LABELS: Record<Role, string> = {
  student: 'Student',
  proctor: 'Proctor',
  instructor: 'Instructor',
  admin: 'Administrator',
};

/** Every role, in display order. */
export const ROLES = Object.keys(ROLE_LABELS) as Role[];
