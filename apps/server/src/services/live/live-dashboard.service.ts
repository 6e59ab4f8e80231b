import { and, count, desc, eq, gt, inArray, isNull, or } from 'drizzle-orm';
import {
  type Alert,
  type LiveExamSnapshot,
  type LiveSessionTile,
  SessionState,
  type SessionCounts,
} from '@invigil/contracts';
import type { Db } from '../../db/database.js';
import { examSessions, flags, sessionRisk, users } from '../../db/schema.js';
import type { Clock } from '../../ports/clock.port.js';
import type { Actor } from '../accounts/actor.js';
import { buildAlerts, mergeConditions } from './alert-view.js';
import { staffUnreadBySession } from './chat-read.js';
import { recentHands } from './hands-read.js';
import { loadExamFor } from '../exams/exam-access.js';
import { openExamLinks } from './rtc-record.js';
import { registeredCounts, toExam } from '../exams/exams.service.js';
import { toFlag } from '../detection/flags.service.js';
import type { LiveFeed } from './live-feed.service.js';
import { type SessionHealthTracker, storedUploads } from '../sessions/session-health.js';
import { toSession } from '../sessions/sessions.service.js';

/** Sessions that ended this recently stay on the grid, so tiles do not vanish mid-glance. */
export const RECENTLY_ENDED_MS = 30 * 60_000;
/** Acknowledged alerts of this recent past stay in the feed. */
export const RECENT_ALERTS_MS = 60 * 60_000;
/** Most alerts a snapshot carries. */
export const MAX_ALERTS = 200;

const ACTIVE: SessionState[] = ['checking_in', 'in_progress', 'paused'];
const ENDED: SessionState[] = ['submitted', 'terminated'];

/**
 * The proctor dashboard's starting point: the exam, its session counts, a tile per active
 * (or just ended) session and the alert feed, plus the live feed cursor read before any of
 * it, so a socket resuming from the cursor can repeat what the snapshot shows but never miss
 * a change. A fixed number of queries whatever the number of sessions.
 */
export class LiveDashboardService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly feed: LiveFeed,
    private readonly health: SessionHealthTracker,
  ) {}

  /** GET /api/exams/:id/live for the exam's staff and admins. */
  async snapshot(actor: Actor, examId: string): Promise<LiveExamSnapshot> {
    const examRow = await loadExamFor(this.db, actor, examId, 'read');
    const cursor = await this.feed.cursor({ examId });
    const now = this.clock.now();
    const endedSince = new Date(now.getTime() - RECENTLY_ENDED_MS);

    const [registered, stateRows, tileRows] = await Promise.all([
      registeredCounts(this.db, [examId]),
      this.db
        .select({ state: examSessions.state, n: count() })
        .from(examSessions)
        .where(eq(examSessions.examId, examId))
        .groupBy(examSessions.state),
      this.db
        .select({
          s: examSessions,
          name: users.name,
          email: users.email,
          risk: sessionRisk.score,
        })
        .from(examSessions)
        .innerJoin(users, eq(users.id, examSessions.studentId))
        .leftJoin(sessionRisk, eq(sessionRisk.sessionId, examSessions.id))
        .where(
          and(
            eq(examSessions.examId, examId),
            // A retake replaces the attempt on the grid: one tile per student.
            isNull(examSessions.supersededAt),
            or(
              inArray(examSessions.state, ACTIVE),
              and(inArray(examSessions.state, ENDED), gt(examSessions.endedAt, endedSince)),
            ),
          ),
        ),
    ]);
    const ids = tileRows.map((r) => r.s.id);
    const [uploads, openRows, alerts, unread, helpRequests] = await Promise.all([
      storedUploads(this.db, ids),
      ids.length === 0
        ? Promise.resolve([])
        : this.db
            .select({ sessionId: flags.sessionId, n: count() })
            .from(flags)
            .where(and(inArray(flags.sessionId, ids), eq(flags.reviewStatus, 'open')))
            .groupBy(flags.sessionId),
      this.alerts(examId, new Date(now.getTime() - RECENT_ALERTS_MS)),
      staffUnreadBySession(this.db, ids),
      recentHands(this.db, examId, new Date(now.getTime() - RECENT_ALERTS_MS)),
    ]);
    const open = new Map(openRows.map((r) => [r.sessionId, Number(r.n)]));

    const counts = Object.fromEntries(SessionState.options.map((s) => [s, 0])) as SessionCounts;
    for (const r of stateRows) {
      const state = SessionState.safeParse(r.state);
      if (state.success) counts[state.data] = Number(r.n);
    }
    const sessions: LiveSessionTile[] = tileRows.map((r) => {
      const stored = uploads.get(r.s.id);
      return {
        session: toSession(r.s),
        student: { id: r.s.studentId, name: r.name, email: r.email },
        risk: r.risk ?? 0,
        openFlags: open.get(r.s.id) ?? 0,
        latest: { webcam: stored?.webcam ?? null, screen: stored?.screen ?? null },
        health: this.health.healthOf(r.s.id, stored),
        unreadChat: unread.get(r.s.id)?.unread ?? 0,
      };
    });
    // Riskiest first, like the grid's default order; ties by name for a stable layout.
    sessions.sort((a, b) => b.risk - a.risk || a.student.name.localeCompare(b.student.name));
    return {
      exam: toExam(examRow, registered.get(examId) ?? 0),
      counts,
      sessions,
      alerts,
      helpRequests,
      rtcLinks: await openExamLinks(this.db, examId),
      cursor,
    };
  }

  /** Unacknowledged alerts of the exam and those raised since `since`, newest first. */
  private async alerts(examId: string, since: Date): Promise<Alert[]> {
    const rows = await this.db
      .select({ f: flags, startedAt: examSessions.startedAt, studentId: examSessions.studentId })
      .from(flags)
      .innerJoin(examSessions, eq(examSessions.id, flags.sessionId))
      .where(
        and(
          eq(examSessions.examId, examId),
          or(
            and(isNull(flags.acknowledgedAt), eq(flags.reviewStatus, 'open')),
            gt(flags.createdAt, since),
          ),
        ),
      )
      .orderBy(desc(flags.createdAt), desc(flags.id))
      .limit(MAX_ALERTS);
    const byId = new Map(rows.map((r) => [r.f.id, r]));
    // One condition = one alert: newest first by the flag that raised it.
    const groups = mergeConditions(rows.map((r) => r.f));
    const lead = new Map(groups.map((g) => [g.primary.id, g]));
    return buildAlerts(
      this.db,
      rows.flatMap((r) => {
        const group = lead.get(r.f.id);
        if (!group) return [];
        const related = group.related.map((f) => toFlag(f, byId.get(f.id)?.startedAt ?? null));
        return [{ row: r.f, flag: toFlag(r.f, r.startedAt), studentId: r.studentId, related }];
      }),
    );
  }
}
