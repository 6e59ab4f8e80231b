import type { Role } from '@invigil/contracts';

/** Roles that work with exams as staff (and may hold API tokens). */
export const STAFF_ROLES: readonly Role[] = ['proctor', 'instructor', 'admin'];

/** True for proctors, instructors and admins. */
export function isStaff(role: Role): boolean {
  return STAFF_ROLES.includes(role);
}

/** Where each role lands after signing in. */
export function homePath(role: Role): string {
  switch (role) {
    case 'student':
      return '/student';
    case 'proctor':
      return '/proctor';
    case 'instructor':
    case 'admin':
      return '/admin/exams';
  }
}

/** Path prefixes each role may open (the router's RequireRole groups in app.tsx, by prefix). */
const AREAS: Record<Role, readonly string[]> = {
  student: ['/student', '/account'],
  proctor: ['/proctor', '/review', '/admin/sessions', '/account'],
  instructor: ['/admin/exams', '/admin/sessions', '/proctor', '/review', '/account'],
  admin: ['/admin', '/proctor', '/review', '/account'],
};

/** True when `path` lies in an area the role may open. */
export function canOpen(role: Role, path: string): boolean {
  return AREAS[role].some((prefix) => path === prefix || path.startsWith(`${prefix}/`));
}

/**
 * Where to go after signing in: back to the page that asked for sign-in when the role may
 * open it, otherwise the role's home.
 */
export function afterSignInPath(role: Role, from: string | null | undefined): string {
  if (
    from &&
    from.startsWith('/') &&
    !from.startsWith('//') &&
    canOpen(role, from.split(/[?#]/)[0]!)
  ) {
    return from;
  }
  return homePath(role);
}
