import { TokenScope, type Role } from '@invigil/contracts';

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

/** The scopes worth offering to a role (user administration is for admins only). */
export function scopesFor(role: Role): TokenScope[] {
  return TokenScope.options.filter((scope) => role === 'admin' || !scope.startsWith('users:'));
}
