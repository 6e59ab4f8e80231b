import type { SessionReport, SessionState } from '@invigil/contracts';
import type { Db } from '../../db/database.js';
import { errors } from '../../errors.js';
import type { Clock } from '../../ports/clock.port.js';
import type { Actor } from '../accounts/actor.js';
import { appendAudit } from '../audit/audit.service.js';
import { loadSessionChat } from '../live/chat-read.js';
import { handsOfSession } from '../live/hands-read.js';
import { sessionForRead } from '../sessions/session-access.js';
import { hasVerdict, loadReviewData, toResponse, toVerdict } from './review-read.js';
import { renderSessionReportHtml } from './session-report.html.js';
import { iso, isoOrNull } from '../sessions/time.js';

/** The format a report was opened in, for the audit entry. */
export type ReportFormat = 'json' | 'html';

/**
 * The exportable session report: exam, student, identity evidence, flags with decisions,
 * verdict, reviewer and times, as JSON or print-friendly HTML. For the exam's staff only;
 * every export is audited as `session.report_view`.
 */
export class SessionReportService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  /** The report as data. */
  async json(actor: Actor, sessionId: string): Promise<SessionReport> {
    return this.build(actor, sessionId, 'json');
  }

  /** The report as one self-contained HTML page. */
  async html(actor: Actor, sessionId: string): Promise<string> {
    return renderSessionReportHtml(await this.build(actor, sessionId, 'html'));
  }

  private async build(
    actor: Actor,
    sessionId: string,
    format: ReportFormat,
  ): Promise<SessionReport> {
    // Students see their result on the review page; the report carries staff detail.
    if (actor.role === 'student') throw errors.notFound('Session');
    const session = await sessionForRead(this.db, actor, sessionId);
    const now = this.clock.now();
    const data = await loadReviewData(this.db, session, 'staff', now);
    await this.db.transaction((tx) =>
      appendAudit(
        tx,
        {
          actorId: actor.userId,
          action: 'session.report_view',
          entityType: 'session',
          entityId: session.id,
          examId: session.examId,
          data: { format, studentId: session.studentId },
        },
        now,
      ),
    );
    return {
      generatedAt: iso(now),
      exam: data.exam,
      student: data.student,
      session: {
        id: session.id,
        state: session.state as SessionState,
        startedAt: isoOrNull(session.startedAt),
        endedAt: isoOrNull(session.endedAt),
      },
      identity: data.identity,
      flags: data.flags,
      risk: data.risk,
      verdict: hasVerdict(data.review)
        ? toVerdict(data.review, now, 'staff', data.reviewerName, data.overrideComment)
        : null,
      response: toResponse(data.review),
      chat: await loadSessionChat(this.db, session, { duringAttempt: true }),
      helpRequests: await handsOfSession(this.db, session.id),
      rtcLinks: data.rtcLinks,
    };
  }
}
