import { eq } from 'drizzle-orm';
import { ProctoringPolicy, type SessionState } from '@invigil/contracts';
import type { DbOrTx } from '../../db/database.js';
import { examSessions, exams } from '../../db/schema.js';
import { errors } from '../../errors.js';
import type { Actor } from '../accounts/actor.js';
import {
  type ExamRow,
  loadExamFor,
  sessionForStaffAction,
  staffRoleOn,
} from '../exams/exam-access.js';
import { ENDED_STATES, type SessionRow } from '../sessions/session-access.js';

/** The exam's proctoring policy; an unreadable stored policy counts as the default. */
export async function policyOf(db: DbOrTx, examId: string): Promise<ProctoringPolicy> {
  const [exam] = await db.select({ policy: exams.policy }).from(exams).where(eq(exams.id, examId));
  const parsed = ProctoringPolicy.safeParse(exam?.policy ?? {});
  return parsed.success ? parsed.data : ProctoringPolicy.parse({});
}

/**
 * The student's own session (another student's is NOT_FOUND, like every session route).
 * Staff never act as the student.
 */
export async function ownSession(db: DbOrTx, actor: Actor, sessionId: string): Promise<SessionRow> {
  if (actor.role !== 'student')
    throw errors.forbidden('Only the student taking the exam can do this');
  const [row] = await db.select().from(examSessions).where(eq(examSessions.id, sessionId));
  if (!row || row.studentId !== actor.userId) throw errors.notFound('Session');
  return row;
}

/**
 * A session staff write to (chat, hands): like interventions, the exam's assigned proctors
 * and admins on any exam; anyone else NOT_FOUND. Returns the capacity for the audit entry.
 */
export const sessionForStaffWrite = sessionForStaffAction;

/** 409 SESSION_NOT_ACTIVE unless the session is in one of `states`. */
export function requireState(row: SessionRow, states: readonly SessionState[], what: string): void {
  const state = row.state as SessionState;
  if (!states.includes(state)) {
    throw errors.conflict(
      'SESSION_NOT_ACTIVE',
      `${what} needs a session ${states.join(' or ')}; this one is ${state}`,
      { state },
    );
  }
}

/** 409 SESSION_NOT_ACTIVE once the attempt has ended (staff may write before and during it). */
export function requireNotEnded(row: SessionRow, what: string): void {
  const state = row.state as SessionState;
  if (ENDED_STATES.includes(state)) {
    throw errors.conflict('SESSION_NOT_ACTIVE', `${what}: this attempt has ended (${state})`, {
      state,
    });
  }
}

/**
 * An exam an announcement is sent to: admins any, proctors assigned to it as proctors
 * (others NOT_FOUND, like interventions); other roles are refused by the route.
 */
export async function examForAnnouncer(
  db: DbOrTx,
  actor: Actor,
  examId: string,
): Promise<{ exam: ExamRow; actingAs: 'proctor' | 'admin' }> {
  const exam = await loadExamFor(db, actor, examId, 'read');
  if (actor.role === 'admin') return { exam, actingAs: 'admin' };
  if (actor.role === 'proctor' && (await staffRoleOn(db, examId, actor.userId)) === 'proctor')
    return { exam, actingAs: 'proctor' };
  throw errors.notFound('Exam');
}
