import { eq } from 'drizzle-orm';
import type { Db } from '../../db/database.js';
import { examSessions } from '../../db/schema.js';
import { errors } from '../../errors.js';
import type { Actor } from '../accounts/actor.js';
import { loadExamFor } from '../exams/exam-access.js';
import type { LiveScope } from './live-feed.service.js';

/** What a live subscription may see: its scope, and the exam and session it belongs to. */
export interface LiveGrant {
  scope: LiveScope;
  examId: string;
  sessionId: string | null;
}

/**
 * Who may subscribe to what on the live socket: staff to an exam they are assigned to
 * (admins to any; others 404 as everywhere), a student to their own session only (others 404).
 */
export class LiveAccess {
  constructor(private readonly db: Db) {}

  /** The grant of `actor` for an exam's or a session's feed; throws 403/404 otherwise. */
  async authorize(
    actor: Actor,
    q: { examId?: string | undefined; sessionId?: string | undefined },
  ): Promise<LiveGrant> {
    if (q.examId !== undefined) {
      if (actor.role === 'student') {
        throw errors.forbidden('Students subscribe to their own session, not to an exam');
      }
      await loadExamFor(this.db, actor, q.examId, 'read');
      return { scope: { examId: q.examId }, examId: q.examId, sessionId: null };
    }
    const sessionId = q.sessionId ?? '';
    if (actor.role !== 'student') {
      throw errors.forbidden('Staff subscribe to the exam; a session feed is for its student');
    }
    const [row] = await this.db
      .select({ examId: examSessions.examId, studentId: examSessions.studentId })
      .from(examSessions)
      .where(eq(examSessions.id, sessionId));
    if (!row || row.studentId !== actor.userId) throw errors.notFound('Session');
    return { scope: { sessionId }, examId: row.examId, sessionId };
  }
}
