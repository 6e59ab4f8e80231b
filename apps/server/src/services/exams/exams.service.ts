import { and, asc, count, eq, inArray } from 'drizzle-orm';
import {
  type CreateExamBody,
  type Exam,
  type ExamStatus,
  ProctoringPolicy,
  type StaffAssignment,
  type StaffCandidate,
  type StaffRole,
  type UpdateExamBody,
} from '@invigil/contracts';
import type { Db, DbOrTx } from '../../db/database.js';
import { examStaff, exams, questions, registrations, users } from '../../db/schema.js';
import { errors } from '../../errors.js';
import type { Clock } from '../../ports/clock.port.js';
import { type Actor, requireRole } from '../accounts/actor.js';
import { appendAudit } from '../audit/audit.service.js';
import { type ExamRow, loadExamFor } from './exam-access.js';
import { iso } from '../sessions/time.js';
import { examLegalHold, examRetention } from '../retention/retention-view.js';
import { listStaffCandidates } from './staff-candidates.js';

/** Active registrations per exam. */
export async function registeredCounts(
  db: DbOrTx,
  examIds: string[],
): Promise<Map<string, number>> {
  if (examIds.length === 0) return new Map();
  const rows = await db
    .select({ examId: registrations.examId, n: count() })
    .from(registrations)
    .where(and(inArray(registrations.examId, examIds), eq(registrations.status, 'active')))
    .groupBy(registrations.examId);
  return new Map(rows.map((r) => [r.examId, Number(r.n)]));
}

/** API view of an exam row. */
export function toExam(row: ExamRow, registeredCount: number): Exam {
  return {
    id: row.id,
    title: row.title,
    description: row.description,
    status: row.status as ExamStatus,
    opensAt: iso(row.opensAt),
    closesAt: iso(row.closesAt),
    durationMinutes: row.durationMinutes,
    capacity: row.capacity,
    registrationDeadline: iso(row.registrationDeadline),
    // Stored policies are re-parsed so fields added later get their defaults.
    policy: ProctoringPolicy.parse(row.policy ?? {}),
    externalUrl: row.externalUrl,
    retention: examRetention(row),
    legalHold: examLegalHold(row),
    registeredCount,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}

interface Schedule {
  opensAt: Date;
  closesAt: Date;
  durationMinutes: number;
  registrationDeadline: Date;
}

/** Every way a schedule is inconsistent; checked on create and on the merged result of an update. */
export function scheduleProblems(s: Schedule): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  const windowMinutes = (s.closesAt.getTime() - s.opensAt.getTime()) / 60_000;
  if (windowMinutes <= 0) problems.push({ path: 'closesAt', message: 'Must be after opensAt' });
  else if (s.durationMinutes > windowMinutes) {
    problems.push({ path: 'durationMinutes', message: 'Longer than the exam window' });
  }
  if (s.registrationDeadline > s.closesAt) {
    problems.push({ path: 'registrationDeadline', message: 'Must not be after closesAt' });
  }
  return problems;
}

function assertSchedule(s: Schedule): void {
  const problems = scheduleProblems(s);
  if (problems.length > 0) {
    throw errors.badRequest(
      'INVALID_EXAM_SCHEDULE',
      problems.map((p) => `${p.path}: ${p.message}`).join('; '),
      problems,
    );
  }
}

/** Why an exam without content cannot be published, beside the field that fixes it. */
export function examEmptyError(path: 'status' | 'externalUrl' | 'questions') {
  const message =
    'Add questions or an external exam page before publishing: students would have nothing to answer';
  return errors.conflict('EXAM_EMPTY', message, [{ path, message }]);
}

/** Whether the exam has at least one question of its own. */
export async function hasQuestions(db: DbOrTx, examId: string): Promise<boolean> {
  const [row] = await db
    .select({ id: questions.id })
    .from(questions)
    .where(eq(questions.examId, examId))
    .limit(1);
  return row !== undefined;
}

/** Exams, their staff and their rosters, for staff. */
export class ExamService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  /** Admins see every exam; proctors and instructors only those assigned to them. */
  async list(actor: Actor, q: { status?: ExamStatus }): Promise<Exam[]> {
    requireRole(actor, ['proctor', 'instructor', 'admin']);
    const where = [q.status ? eq(exams.status, q.status) : undefined];
    if (actor.role !== 'admin') {
      const assigned = this.db
        .select({ id: examStaff.examId })
        .from(examStaff)
        .where(eq(examStaff.userId, actor.userId));
      where.push(inArray(exams.id, assigned));
    }
    const rows = await this.db
      .select()
      .from(exams)
      .where(and(...where))
      .orderBy(asc(exams.opensAt), asc(exams.title));
    const counts = await registeredCounts(
      this.db,
      rows.map((r) => r.id),
    );
    return rows.map((r) => toExam(r, counts.get(r.id) ?? 0));
  }

  /** One exam the actor may read. */
  async get(actor: Actor, id: string): Promise<Exam> {
    const row = await loadExamFor(this.db, actor, id, 'read');
    const counts = await registeredCounts(this.db, [id]);
    return toExam(row, counts.get(id) ?? 0);
  }

  /** Create an exam (admins, instructors). An instructor is assigned to what they create. */
  async create(actor: Actor, body: CreateExamBody): Promise<Exam> {
    requireRole(actor, ['instructor', 'admin']);
    const values = {
      title: body.title,
      description: body.description ?? '',
      status: body.status ?? 'draft',
      opensAt: new Date(body.opensAt),
      closesAt: new Date(body.closesAt),
      durationMinutes: body.durationMinutes,
      capacity: body.capacity,
      registrationDeadline: new Date(body.registrationDeadline),
      policy: ProctoringPolicy.parse(body.policy ?? {}),
      externalUrl: body.externalUrl ?? null,
      retention: body.retention ?? null,
      createdBy: actor.userId,
    };
    assertSchedule(values);
    // A new exam has no questions yet: published at once, it needs an external exam page.
    if (values.status === 'published' && !values.externalUrl) throw examEmptyError('status');
    const row = await this.db.transaction(async (tx) => {
      const [created] = await tx.insert(exams).values(values).returning();
      if (!created) throw new Error('insert returned nothing');
      if (actor.role === 'instructor') {
        await tx.insert(examStaff).values({
          examId: created.id,
          userId: actor.userId,
          role: 'instructor',
          assignedBy: actor.userId,
        });
      }
      await appendAudit(tx, {
        actorId: actor.userId,
        action: 'exam.create',
        entityType: 'exam',
        entityId: created.id,
        examId: created.id,
        data: { title: created.title, status: created.status },
      });
      return created;
    });
    return toExam(row, 0);
  }

  /**
   * Update an exam; the merged schedule must stay consistent. Archived exams are read-only.
   * Publishing, or removing the external exam page of a published exam, is refused while the
   * exam would be left without questions and without an external page (409 EXAM_EMPTY).
   */
  async update(actor: Actor, id: string, body: UpdateExamBody): Promise<Exam> {
    const row = await this.db.transaction(async (tx) => {
      const current = await loadExamFor(tx, actor, id, 'manage');
      if (current.status === 'archived') {
        throw errors.conflict('EXAM_ARCHIVED', 'This exam is archived and can no longer change');
      }
      const publishing = body.status === 'published';
      const droppingPage = body.externalUrl === null && current.externalUrl !== null;
      const published = (body.status ?? current.status) === 'published';
      const page = body.externalUrl !== undefined ? body.externalUrl : current.externalUrl;
      if ((publishing || droppingPage) && published && !page) {
        // Lock the exam row like the question editor does, so the two cannot race.
        await tx.select({ id: exams.id }).from(exams).where(eq(exams.id, id)).for('update');
        if (!(await hasQuestions(tx, id))) {
          throw examEmptyError(publishing ? 'status' : 'externalUrl');
        }
      }
      const next = {
        ...(body.title !== undefined && { title: body.title }),
        ...(body.description !== undefined && { description: body.description }),
        ...(body.status !== undefined && { status: body.status }),
        ...(body.durationMinutes !== undefined && { durationMinutes: body.durationMinutes }),
        ...(body.capacity !== undefined && { capacity: body.capacity }),
        ...(body.opensAt !== undefined && { opensAt: new Date(body.opensAt) }),
        ...(body.closesAt !== undefined && { closesAt: new Date(body.closesAt) }),
        ...(body.registrationDeadline !== undefined && {
          registrationDeadline: new Date(body.registrationDeadline),
        }),
        ...(body.policy !== undefined && { policy: ProctoringPolicy.parse(body.policy) }),
        ...(body.externalUrl !== undefined && { externalUrl: body.externalUrl }),
        ...(body.retention !== undefined && { retention: body.retention }),
      };
      assertSchedule({ ...current, ...next });
      const [updated] = await tx
        .update(exams)
        .set({ ...next, updatedAt: this.clock.now() })
        .where(eq(exams.id, id))
        .returning();
      if (!updated) throw errors.notFound('Exam');
      await appendAudit(tx, {
        actorId: actor.userId,
        action: 'exam.update',
        entityType: 'exam',
        entityId: id,
        examId: id,
        // The proctoring policy decides what gets flagged: its before and after are on record.
        data: {
          fields: Object.keys(next),
          ...(next.policy && {
            policy: { before: ProctoringPolicy.parse(current.policy ?? {}), after: next.policy },
          }),
          // Retention decides when evidence is deleted: on record as well.
          ...(next.retention !== undefined && {
            retention: { before: current.retention ?? null, after: next.retention },
          }),
        },
      });
      return updated;
    });
    const counts = await registeredCounts(this.db, [id]);
    return toExam(row, counts.get(id) ?? 0);
  }

  /** Archive an exam: it disappears from the student catalogue and becomes read-only (idempotent). */
  async archive(actor: Actor, id: string): Promise<Exam> {
    const row = await this.db.transaction(async (tx) => {
      const current = await loadExamFor(tx, actor, id, 'manage');
      if (current.status === 'archived') return current;
      const now = this.clock.now();
      const [updated] = await tx
        .update(exams)
        .set({ status: 'archived', archivedAt: now, updatedAt: now })
        .where(eq(exams.id, id))
        .returning();
      if (!updated) throw errors.notFound('Exam');
      await appendAudit(tx, {
        actorId: actor.userId,
        action: 'exam.archive',
        entityType: 'exam',
        entityId: id,
        examId: id,
      });
      return updated;
    });
    const counts = await registeredCounts(this.db, [id]);
    return toExam(row, counts.get(id) ?? 0);
  }

  /** Staff assigned to an exam. */
  async listStaff(actor: Actor, examId: string): Promise<StaffAssignment[]> {
    await loadExamFor(this.db, actor, examId, 'read');
    const rows = await this.db
      .select({ s: examStaff, u: users })
      .from(examStaff)
      .innerJoin(users, eq(users.id, examStaff.userId))
      .where(eq(examStaff.examId, examId))
      .orderBy(asc(examStaff.role), asc(users.email));
    return rows.map(({ s, u }) => ({
      userId: u.id,
      email: u.email,
      name: u.name,
      role: s.role as StaffRole,
      assignedAt: iso(s.assignedAt),
    }));
  }

  /** Active accounts that may be assigned in `role`, for those who may manage the exam. */
  async staffCandidates(actor: Actor, examId: string, role: StaffRole): Promise<StaffCandidate[]> {
    return listStaffCandidates(this.db, actor, examId, role);
  }

  /** Assign (or re-role) a staff member; their account role must match. Returns whether it was new. */
  async assignStaff(
    actor: Actor,
    examId: string,
    userId: string,
    role: StaffRole,
  ): Promise<{ assignment: StaffAssignment; created: boolean }> {
    return this.db.transaction(async (tx) => {
      const exam = await loadExamFor(tx, actor, examId, 'manage');
      if (exam.status === 'archived')
        throw errors.conflict('EXAM_ARCHIVED', 'This exam is archived');
      const [user] = await tx.select().from(users).where(eq(users.id, userId));
      if (!user) throw errors.notFound('User');
      if (user.role !== role) {
        throw errors.badRequest(
          'STAFF_ROLE_MISMATCH',
          `${user.email} has the account role ${user.role}, not ${role}`,
          { accountRole: user.role },
        );
      }
      if (user.disabled) throw errors.badRequest('VALIDATION_FAILED', 'This account is disabled');
      const [existing] = await tx
        .select()
        .from(examStaff)
        .where(and(eq(examStaff.examId, examId), eq(examStaff.userId, userId)));
      const [row] = await tx
        .insert(examStaff)
        .values({ examId, userId, role, assignedBy: actor.userId })
        .onConflictDoUpdate({ target: [examStaff.examId, examStaff.userId], set: { role } })
        .returning();
      if (!row) throw new Error('upsert returned nothing');
      if (!existing || existing.role !== role) {
        await appendAudit(tx, {
          actorId: actor.userId,
          action: 'exam.staff.assign',
          entityType: 'user',
          entityId: userId,
          examId,
          data: { role },
        });
      }
      return {
        created: !existing,
        assignment: {
          userId,
          email: user.email,
          name: user.name,
          role,
          assignedAt: iso(row.assignedAt),
        },
      };
    });
  }

  /** Remove a staff member from an exam (idempotent). */
  async removeStaff(actor: Actor, examId: string, userId: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      await loadExamFor(tx, actor, examId, 'manage');
      const removed = await tx
        .delete(examStaff)
        .where(and(eq(examStaff.examId, examId), eq(examStaff.userId, userId)))
        .returning();
      if (removed.length > 0) {
        await appendAudit(tx, {
          actorId: actor.userId,
          action: 'exam.staff.remove',
          entityType: 'user',
          entityId: userId,
          examId,
        });
      }
    });
  }
}
