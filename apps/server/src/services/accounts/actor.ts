import type { Role, TokenScope } from '@invigil/contracts';
import { errors } from '../../errors.js';

/** The authenticated caller: a user, signed in by cookie (all scopes) or by API token (listed scopes). */
export interface Actor {
  userId: string;
  email: string;
  role: Role;
  via: 'cookie' | 'token';
  /** Scopes of the API token; undefined for cookie sessions, which carry every scope of the role. */
  scopes?: readonly TokenScope[];
}

/** Staff roles that work on assigned exams. */
export const STAFF_ROLES: readonly Role[] = ['proctor', 'instructor', 'admin'];

/** Refuse unless the actor has one of `roles`. */
export function requireRole(actor: Actor, roles: readonly Role[]): void {
  if (!roles.includes(actor.role))
    throw errors.forbidden(`This needs one of the roles: ${roles.join(', ')}`);
}
