import type { Role, User } from '@invigil/contracts';
import { ROLE_LABELS } from '../auth/role-labels';

type Person = Pick<User, 'name' | 'role'>;

/** Roles from least to most powerful. */
const RANK: Record<Role, number> = { student: 0, proctor: 1, instructor: 2, admin: 3 };

/** What a role may do, said to the administrator who is about to grant it. */
const GAINS: Record<Role, string> = {
  student: 'They will be able to register for and take exams.',
  proctor: 'They will be able to proctor and review the exams they are assigned to.',
  instructor:
    'They will be able to create exams and manage the ones they are assigned to: questions, staff, scores and reviews.',
  admin: 'They will be able to manage every exam, user and setting.',
};

/** What is lost by leaving a role for a lower one (each role adds its own). */
const LOSSES: Partial<Record<Role, string>> = {
  admin: 'manage users and settings',
  instructor: 'create or edit exams',
  proctor: 'proctor and review exams',
};

const withArticle = (label: string) => `${/^[AEIOU]/i.test(label) ? 'an' : 'a'} ${label}`;

function listed(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')}, or ${items[items.length - 1]}`;
}

/** Roles that hold exam staff assignments, which must match the account role. */
const ASSIGNED_ROLES: readonly Role[] = ['proctor', 'instructor'];

/**
 * What a role change does to exam staff assignments: the server removes those the new role
 * does not match (all of a proctor's or an instructor's), so the question says so.
 */
function assignmentsRemoved(from: Role, to: Role): string {
  if (!ASSIGNED_ROLES.includes(from) || from === to) return '';
  const label = ROLE_LABELS[from].toLowerCase();
  return ` They will also be removed from every exam they are assigned to as ${withArticle(label)}.`;
}

/**
 * The question asked before changing a role: who becomes what, and what changes for them —
 * what they gain when promoted, what they lose when demoted, and the exam assignments removed.
 */
export function roleChangeQuestion(user: Person, role: Role): string {
  const question = `Make ${user.name} ${withArticle(ROLE_LABELS[role])}?`;
  const removed = assignmentsRemoved(user.role, role);
  if (RANK[role] > RANK[user.role]) return `${question} ${GAINS[role]}${removed}`;
  const lost = (Object.keys(RANK) as Role[])
    .filter((r) => RANK[r] > RANK[role] && RANK[r] <= RANK[user.role])
    .sort((a, b) => RANK[b] - RANK[a])
    .flatMap((r) => LOSSES[r] ?? []);
  return `${question} They will no longer ${listed(lost)}.${removed}`;
}

/** The confirming button's label for a role change. */
export const roleChangeLabel = (role: Role): string => `Make ${ROLE_LABELS[role]}`;

/** The announcement once a role was changed. */
export const roleChangedText = (user: Pick<User, 'name'>, role: Role): string =>
  `${user.name} is now ${withArticle(ROLE_LABELS[role])}.`;

/** The words and the change of the one button that disables an account, or enables it again. */
export interface AccessToggle {
  label: string;
  pendingLabel: string;
  question: string;
  /** A disabled account is enabled again, and the other way round. */
  disabled: boolean;
  done: string;
  danger: boolean;
}

/** What the access button does for this account: enabling is undoable, disabling signs them out. */
export function accessToggle(user: Pick<User, 'name' | 'disabled'>): AccessToggle {
  return user.disabled
    ? {
        label: 'Enable',
        pendingLabel: 'Enabling…',
        question: `Enable ${user.name}? They can sign in again with their current password.`,
        disabled: false,
        done: `${user.name} can sign in again.`,
        danger: false,
      }
    : {
        label: 'Disable',
        pendingLabel: 'Disabling…',
        question: `Disable ${user.name}? They are signed out at once and cannot sign in until the account is enabled again.`,
        disabled: true,
        done: `${user.name} is disabled.`,
        danger: true,
      };
}
