import { and, asc, desc, eq, gt } from 'drizzle-orm';
import type {
  MyRegistration,
  OpenExam,
  Registration,
  RosterEntry,
  SessionState,
} from '@invigil/contracts';
import { DetectorAccommodations, ProctoringPolicy, type ExamStatus } from '@invigil/contracts';
import { studentAccommodations, studentPolicy } from '@invigil/detection/rules';
import type { Db } from '../../db/database.js';
import { examSessions, exams, registrations, users } from '../../db/schema.js';
import { errors } from '../../errors.js';
import type { Clock } from '../../ports/clock.port.js';
import { type Actor, requireRole } from '../accounts/actor.js';
import { holdsAnswerKey } from './answer-key.js';
import { appendAudit } from '../audit/audit.service.js';
import { loadExamFor } from './exam-access.js';
import { registeredCounts } from './exams.service.js';
import { iso, isoOrNull } from '../sessions/time.js';
import { assertMayTakeExams } from '../accounts/signup-approval.js';
import { admitToExam, currentAttempt } from './admission.js';

type RegistrationRow = typeof registrations.$inferSelect;
type SessionRow = typeof examSessions.$inferSelect;

/** Join condition of a registration with its current attempt (see admission.ts). */
export { currentAttempt };

/** Stored detector accommodations (a jsonb column); anything unreadable counts as none. */
export const detectorAccommodationsOf = (stored: unknown): DetectorAccommodations =>
  DetectorAccommodations.catch({}).parse(stored);

/** API view of a registration and its session. */
export const toRegistration = (r: RegistrationRow, s: SessionRow): Registration => ({
  id: r.id,
  examId: r.examId,
  studentId: r.studentId,
  status: r.status as Registration['status'],
  createdAt: iso(r.createdAt),
  cancelledAt: isoOrNull(r.cancelledAt),
  sessionId: s.id,
  sessionState: s.state as SessionState,
  extraTimeMinutes: r.extraTimeMinutes,
  detectors: detectorAccommodationsOf(r.detectorAccommodations),
});

/** A registration as its student sees it: only the accommodations their browser applies. */
const toOwnRegistration = (r: RegistrationRow, s: SessionRow): Registration => {
  const registration = toRegistration(r, s);
  return { ...registration, detectors: studentAccommodations(registration.detectors) };
};

/** Student registrations: catalogue, register, cancel; and the roster for staff. */
export class RegistrationService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  /** Published exams whose registration is still open, for students. */
  async listOpen(actor: Actor): Promise<OpenExam[]> {
    requireRole(actor, ['student']);
    const now = this.clock.now();
    const rows = await this.db
      .select()
      .from(exams)
      .where(
        and(
          eq(exams.status, 'published'),
          gt(exams.registrationDeadline, now),
          gt(exams.closesAt, now),
        ),
      )
      .orderBy(asc(exams.opensAt), asc(exams.title));
    const counts = await registeredCounts(
      this.db,
      rows.map((r) => r.id),
    );
    return rows.map((r) => {
      const registeredCount = counts.get(r.id) ?? 0;
      return {
        id: r.id,
        title: r.title,
        description: r.description,
        opensAt: iso(r.opensAt),
        closesAt: iso(r.closesAt),
        durationMinutes: r.durationMinutes,
        capacity: r.capacity,
        registrationDeadline: iso(r.registrationDeadline),
        registeredCount,
        full: registeredCount >= r.capacity,
      };
    });
  }

  /**
   * Register the student for an exam by the catalogue's rules (admitToExam). Idempotent: an
   * active registration is returned as is (`created: false`). Whether the account may take
   * exams is checked first, before the exam is even looked up.
   */
  async register(
    actor: Actor,
    examId: string,
  ): Promise<{ registration: Registration; created: boolean }> {
    requireRole(actor, ['student']);
    await assertMayTakeExams(this.db, actor.userId);
    return this.db.transaction(async (tx) => {
      const admitted = await admitToExam(tx, examId, actor.userId, {
        now: this.clock.now(),
        checkAccount: false,
        audit: { actorId: actor.userId },
      });
      return {
        registration: toOwnRegistration(admitted.registration, admitted.session),
        created: admitted.outcome === 'added',
      };
    });
  }

  /** Cancel one's own registration before the attempt has started (idempotent). */
  async cancel(actor: Actor, registrationId: string): Promise<Registration> {
    requireRole(actor, ['student']);
    return this.db.transaction(async (tx) => {
      const [row] = await tx
        .select({ r: registrations, s: examSessions, e: exams })
        .from(registrations)
        .innerJoin(examSessions, currentAttempt)
        .innerJoin(exams, eq(exams.id, registrations.examId))
        .where(eq(registrations.id, registrationId))
        .for('update', { of: registrations });
      if (!row || row.r.studentId !== actor.userId) throw errors.notFound('Registration');
      if (row.r.status === 'cancelled') return toOwnRegistration(row.r, row.s);
      if (row.s.state !== 'registered' || this.clock.now() >= row.e.closesAt) {
        throw errors.conflict(
          'REGISTRATION_NOT_CANCELLABLE',
          'This attempt has started or the exam has closed; it can no longer be cancelled',
          { sessionState: row.s.state },
        );
      }
      const [updated] = await tx
        .update(registrations)
        .set({ status: 'cancelled', cancelledAt: this.clock.now() })
        .where(eq(registrations.id, registrationId))
        .returning();
      if (!updated) throw errors.notFound('Registration');
      await appendAudit(tx, {
        actorId: actor.userId,
        action: 'registration.cancel',
        entityType: 'registration',
        entityId: registrationId,
        examId: row.r.examId,
      });
      return toOwnRegistration(updated, row.s);
    });
  }

  /** The student's own registrations with their exams, newest first. */
  async listMine(actor: Actor): Promise<MyRegistration[]> {
    requireRole(actor, ['student']);
    const rows = await this.db
      .select({ r: registrations, s: examSessions, e: exams })
      .from(registrations)
      .innerJoin(examSessions, currentAttempt)
      .innerJoin(exams, eq(exams.id, registrations.examId))
      .where(eq(registrations.studentId, actor.userId))
      .orderBy(asc(exams.opensAt), desc(registrations.createdAt));
    return rows.map(({ r, s, e }) => ({
      ...toOwnRegistration(r, s),
      exam: {
        id: e.id,
        title: e.title,
        description: e.description,
        opensAt: iso(e.opensAt),
        closesAt: iso(e.closesAt),
        durationMinutes: e.durationMinutes,
        registrationDeadline: iso(e.registrationDeadline),
        status: e.status as ExamStatus,
        // What the browser records and checks, with the accommodations applied: nothing the
        // server judges by alone (sampling, server-only detectors, durations) leaves it.
        policy: studentPolicy(
          ProctoringPolicy.parse(e.policy ?? {}),
          detectorAccommodationsOf(r.detectorAccommodations),
        ),
      },
    }));
  }

  /** One registration: the student who owns it, or staff of its exam. */
  async get(actor: Actor, registrationId: string): Promise<Registration> {
    const [row] = await this.db
      .select({ r: registrations, s: examSessions })
      .from(registrations)
      .innerJoin(examSessions, currentAttempt)
      .where(eq(registrations.id, registrationId));
    if (!row) throw errors.notFound('Registration');
    if (actor.role === 'student') {
      if (row.r.studentId !== actor.userId) throw errors.notFound('Registration');
      return toOwnRegistration(row.r, row.s);
    }
    await loadExamFor(this.db, actor, row.r.examId, 'read');
    return toRegistration(row.r, row.s);
  }

  /** An exam's roster for its staff; scores only for those who hold the answer key. */
  async roster(actor: Actor, examId: string): Promise<RosterEntry[]> {
    await loadExamFor(this.db, actor, examId, 'read');
    const scores = holdsAnswerKey(actor);
    const rows = await this.db
      .select({ r: registrations, s: examSessions, u: users })
      .from(registrations)
      .innerJoin(examSessions, currentAttempt)
      .innerJoin(users, eq(users.id, registrations.studentId))
      .where(eq(registrations.examId, examId))
      .orderBy(asc(users.name), asc(users.email));
    return rows.map(({ r, s, u }) => ({
      ...toRegistration(r, s),
      studentEmail: u.email,
      studentName: u.name,
      score: scores ? s.score : null,
      maxScore: scores ? s.maxScore : null,
    }));
  }
}
