import { and, count, eq, isNull } from 'drizzle-orm';
import type { ExamStatus } from '@invigil/contracts';
import type { DbOrTx } from '../../db/database.js';
import { examSessions, exams, registrations } from '../../db/schema.js';
import { errors } from '../../errors.js';
import { appendAudit } from '../audit/audit.service.js';
import { assertMayTakeExams } from '../accounts/signup-approval.js';
import { iso } from '../sessions/time.js';

type RegistrationRow = typeof registrations.$inferSelect;
type SessionRow = typeof examSessions.$inferSelect;

/**
 * Join condition of a registration with its current attempt: staff may have granted new
 * attempts, and the superseded ones stay beside it (`superseded_at` set).
 */
export const currentAttempt = and(
  eq(examSessions.registrationId, registrations.id),
  isNull(examSessions.supersededAt),
);

/** How a student is admitted, and who answers for it in the audit log. */
export interface AdmissionOptions {
  now: Date;
  /**
   * Check here, after the exam's own rules, that the account may take exams. A student
   * registering themself is checked by the caller before anything else (false here).
   */
  checkAccount: boolean;
  /** Leave a registration the student cancelled as it is (outcome `cancelled`). */
  keepCancelled?: boolean;
  /** The `registration.create` entry: its actor, extra data, and time (default: wall clock). */
  audit: { actorId: string | null; data?: Record<string, unknown>; at?: Date };
}

/**
 * What admitting did, with the registration and its current attempt as they now stand:
 * `added` (new or reopened), `existing` (already active) or `cancelled` (kept so).
 */
export interface Admission {
  outcome: 'added' | 'existing' | 'cancelled';
  registration: RegistrationRow;
  session: SessionRow;
}

/**
 * Register a student for an exam in `tx`, by the one set of rules every way in shares: the
 * exam published and not archived, registration open, capacity left. The exam row is locked,
 * so concurrent registrations are counted one after another and capacity is never exceeded.
 * Idempotent: an active registration is `existing`; a cancelled one is reopened (or kept,
 * with `keepCancelled`). Throws 404 for a missing or draft exam, 409 EXAM_ARCHIVED,
 * REGISTRATION_CLOSED or EXAM_FULL.
 */
export async function admitToExam(
  tx: DbOrTx,
  examId: string,
  studentId: string,
  opts: AdmissionOptions,
): Promise<Admission> {
  const [exam] = await tx.select().from(exams).where(eq(exams.id, examId)).for('update');
  if (!exam || exam.status === 'draft') throw errors.notFound('Exam');
  const [existing] = await tx
    .select({ r: registrations, s: examSessions })
    .from(registrations)
    .innerJoin(examSessions, currentAttempt)
    .where(and(eq(registrations.examId, examId), eq(registrations.studentId, studentId)));
  if (existing && (existing.r.status === 'active' || opts.keepCancelled)) {
    const outcome = existing.r.status === 'active' ? 'existing' : 'cancelled';
    return { outcome, registration: existing.r, session: existing.s };
  }
  if ((exam.status as ExamStatus) === 'archived') {
    throw errors.conflict('EXAM_ARCHIVED', 'This exam is archived');
  }
  if (opts.now >= exam.registrationDeadline || opts.now >= exam.closesAt) {
    throw errors.conflict('REGISTRATION_CLOSED', 'Registration for this exam has closed', {
      registrationDeadline: iso(exam.registrationDeadline),
    });
  }
  if (opts.checkAccount) await assertMayTakeExams(tx, studentId);
  const [taken] = await tx
    .select({ n: count() })
    .from(registrations)
    .where(and(eq(registrations.examId, examId), eq(registrations.status, 'active')));
  if (Number(taken?.n ?? 0) >= exam.capacity) {
    throw errors.conflict('EXAM_FULL', 'This exam is full', { capacity: exam.capacity });
  }
  const { registration, session } = await writeRegistration(tx, examId, studentId, existing);
  const { actorId, data, at } = opts.audit;
  await appendAudit(
    tx,
    {
      actorId,
      action: 'registration.create',
      entityType: 'registration',
      entityId: registration.id,
      examId,
      data,
    },
    at,
  );
  return { outcome: 'added', registration, session };
}

/** Reopen the cancelled registration (its attempt unchanged), or insert one with its attempt. */
async function writeRegistration(
  tx: DbOrTx,
  examId: string,
  studentId: string,
  cancelled: { r: RegistrationRow; s: SessionRow } | undefined,
): Promise<{ registration: RegistrationRow; session: SessionRow }> {
  let registration: RegistrationRow | undefined;
  let session: SessionRow | undefined;
  if (cancelled) {
    [registration] = await tx
      .update(registrations)
      .set({ status: 'active', cancelledAt: null })
      .where(eq(registrations.id, cancelled.r.id))
      .returning();
    session = cancelled.s;
  } else {
    [registration] = await tx.insert(registrations).values({ examId, studentId }).returning();
    if (registration) {
      [session] = await tx
        .insert(examSessions)
        .values({ registrationId: registration.id, examId, studentId })
        .returning();
    }
  }
  if (!registration || !session) throw new Error('registration write returned nothing');
  return { registration, session };
}
