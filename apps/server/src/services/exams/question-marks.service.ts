import { and, asc, eq } from 'drizzle-orm';
import type { QuestionMark, QuestionMarks } from '@invigil/contracts';
import type { Db } from '../../db/database.js';
import { examSessions, questionMarks, questions } from '../../db/schema.js';
import { errors } from '../../errors.js';
import type { Clock } from '../../ports/clock.port.js';
import type { Actor } from '../accounts/actor.js';
import { loadExamFor } from './exam-access.js';
import { isTimeUp } from './exam-timing.js';
import type { EmitLive } from '../live/live-feed.service.js';
import { expireIfDue } from '../sessions/sessions.service.js';
import { iso, isoOrNull } from '../sessions/time.js';

/**
 * "Marked for review" in the question navigator, kept on the server so it survives a reload
 * or another computer and reviewers see which questions the student doubted. Marks follow the
 * answers' rules: changed only while the attempt runs, by its student.
 */
export class QuestionMarkService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly live?: EmitLive,
  ) {}

  /** Mark or clear one question of the student's running attempt (idempotent). */
  async set(
    actor: Actor,
    sessionId: string,
    questionId: string,
    marked: boolean,
  ): Promise<QuestionMark> {
    if (actor.role !== 'student') throw errors.forbidden('Only the student marks questions');
    const [found] = await this.db.select().from(examSessions).where(eq(examSessions.id, sessionId));
    if (!found || found.studentId !== actor.userId) throw errors.notFound('Session');
    const now = this.clock.now();
    const row = await expireIfDue(this.db, found, now, this.live);
    if (row.state !== 'in_progress' || isTimeUp(row, now)) {
      throw isTimeUp(row, now)
        ? errors.conflict('EXAM_TIME_OVER', 'The time for this attempt is over', {
            deadlineAt: isoOrNull(row.deadlineAt),
          })
        : errors.conflict(
            'SESSION_NOT_ACTIVE',
            `Questions can only be marked while the attempt is in progress (it is ${row.state})`,
            { state: row.state },
          );
    }
    const [question] = await this.db
      .select({ id: questions.id })
      .from(questions)
      .where(and(eq(questions.id, questionId), eq(questions.examId, row.examId)));
    if (!question) throw errors.notFound('Question');
    const key = and(
      eq(questionMarks.sessionId, sessionId),
      eq(questionMarks.questionId, questionId),
    );
    if (!marked) {
      await this.db.delete(questionMarks).where(key);
      return { questionId, marked: false, markedAt: null };
    }
    await this.db
      .insert(questionMarks)
      .values({ sessionId, questionId, markedAt: now })
      .onConflictDoNothing();
    const [stored] = await this.db.select().from(questionMarks).where(key);
    return { questionId, marked: true, markedAt: iso(stored?.markedAt ?? now) };
  }

  /** The marked questions: the student's own attempt, or any attempt of an exam staff can read. */
  async list(actor: Actor, sessionId: string): Promise<QuestionMarks> {
    const [row] = await this.db.select().from(examSessions).where(eq(examSessions.id, sessionId));
    if (!row) throw errors.notFound('Session');
    if (actor.role === 'student') {
      if (row.studentId !== actor.userId) throw errors.notFound('Session');
    } else {
      await loadExamFor(this.db, actor, row.examId, 'read');
    }
    const rows = await this.db
      .select({ questionId: questionMarks.questionId, markedAt: questionMarks.markedAt })
      .from(questionMarks)
      .innerJoin(questions, eq(questions.id, questionMarks.questionId))
      .where(eq(questionMarks.sessionId, sessionId))
      .orderBy(asc(questions.position));
    return { marks: rows.map((r) => ({ questionId: r.questionId, markedAt: iso(r.markedAt) })) };
  }
}
