import { SCOPES_BY_ROLE, type Role, type TokenScope } from '@invigil/contracts';

/** What each scope allows, for the checkbox labels. */
export const SCOPE_LABELS: Record<TokenScope, string> = {
  'exams:read': 'Read exams',
  'exams:write': 'Create and change exams',
  'registrations:read': 'Read registrations and rosters',
  'registrations:write': 'Change registrations',
  'sessions:read': 'Read exam sessions',
  'sessions:write': 'Change exam session states',
  'users:read': 'Read users',
  'users:write': 'Create and change users',
};

/** The scopes a role may put on a token: the server's rule, shared through the contracts. */
export function scopesFor(role: Role): TokenScope[] {
  return [...SCOPES_BY_ROLE[role]];
}
