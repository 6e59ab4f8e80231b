import { and, eq } from 'drizzle-orm';
import type { StaffRole } from '@invigil/contracts';
import type { DbOrTx } from '../../db/database.js';
import { examSessions, examStaff, exams } from '../../db/schema.js';
import { errors } from '../../errors.js';
import type { Actor } from '../accounts/actor.js';

/** An exam row. */
export type ExamRow = typeof exams.$inferSelect;

/** What the caller wants to do with an exam: read it, or manage it (edit, staff, archive). */
export type ExamAccess = 'read' | 'manage';

/** The caller's staff role on an exam, if assigned. */
export async function staffRoleOn(
  db: DbOrTx,
  examId: string,
  userId: string,
): Promise<StaffRole | undefined> {
  const [row] = await db
    .select({ role: examStaff.role })
    .from(examStaff)
    .where(and(eq(examStaff.examId, examId), eq(examStaff.userId, userId)));
  return row?.role as StaffRole | undefined;
}

/**
 * Load an exam the actor may access. Admins see all; proctors and instructors only exams
 * they are assigned to (anything else is NOT_FOUND, so existence does not leak); only
 * admins and assigned instructors may manage. Students never reach staff views.
 */
export async function loadExamFor(
  db: DbOrTx,
  actor: Actor,
  examId: string,
  access: ExamAccess,
): Promise<ExamRow> {
  const [exam] = await db.select().from(exams).where(eq(exams.id, examId));
  if (!exam) throw errors.notFound('Exam');
  if (actor.role === 'admin') return exam;
  if (actor.role === 'student')
    throw errors.forbidden('Students cannot open staff views of an exam');
  const role = await staffRoleOn(db, examId, actor.userId);
  if (!role) throw errors.notFound('Exam');
  if (access === 'manage' && role !== 'instructor') {
    throw errors.forbidden('Only the exam’s instructors and admins can change it');
  }
  return exam;
}

/** How a caller came to act on a session: as a proctor assigned to its exam, or as an admin. */
export type ActingAs = 'proctor' | 'admin';

/**
 * The session a proctor action targets (interventions, staff tools), with the capacity the
 * caller acts in: proctors assigned to the session's exam, and admins on any exam without
 * being assigned (their audit entries say `actingAs: 'admin'`). Anyone else gets NOT_FOUND,
 * like every session route: staff of other exams must not learn that it exists.
 */
export async function sessionForStaffAction(
  db: DbOrTx,
  actor: Actor,
  sessionId: string,
): Promise<{ row: typeof examSessions.$inferSelect; actingAs: ActingAs }> {
  const [row] = await db.select().from(examSessions).where(eq(examSessions.id, sessionId));
  if (!row) throw errors.notFound('Session');
  if (actor.role === 'admin') return { row, actingAs: 'admin' };
  if (actor.role === 'proctor' && (await staffRoleOn(db, row.examId, actor.userId)) === 'proctor')
    return { row, actingAs: 'proctor' };
  throw errors.notFound('Session');
}
