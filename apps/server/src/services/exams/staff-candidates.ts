import { and, asc, eq, isNull } from 'drizzle-orm';
import type { StaffCandidate, StaffRole } from '@invigil/contracts';
import type { DbOrTx } from '../../db/database.js';
import { users } from '../../db/schema.js';
import type { Actor } from '../accounts/actor.js';
import { loadExamFor } from './exam-access.js';

/**
 * The accounts that may be assigned to an exam in `role`: active ones (not disabled, not
 * waiting for sign-up) whose account role matches, sorted by name. Open to whoever may manage
 * the exam, so an instructor can staff their exam without the admin-only user list; hence
 * only id, name and email.
 */
export async function listStaffCandidates(
  db: DbOrTx,
  actor: Actor,
  examId: string,
  role: StaffRole,
): Promise<StaffCandidate[]> {
  await loadExamFor(db, actor, examId, 'manage');
  return db
    .select({ id: users.id, name: users.name, email: users.email })
    .from(users)
    .where(and(eq(users.role, role), eq(users.disabled, false), isNull(users.signupPending)))
    .orderBy(asc(users.name), asc(users.email));
}
