import { and, asc, eq, gt, sql, type SQL } from 'drizzle-orm';
import type { RetentionRule, RetentionRules } from '@invigil/contracts';
import type { DbOrTx } from '../../db/database.js';
import { examSessions, exams, sessionReviews } from '../../db/schema.js';
import type { EvidenceScope } from './session-purge.js';

/** A rule of the retention sweep: which sessions it picks and what it deletes from them. */
export interface SweepRule {
  rule: Exclude<RetentionRule, 'erasure'>;
  scope: EvidenceScope;
  /** The rule's days for the session's exam: its own retention, or the defaults. */
  field: keyof RetentionRules;
  /** When the rule's time starts to run. */
  since: SQL;
  /** Which sessions the rule applies to at all. */
  applies: SQL;
  /** Whether the session still holds something the rule deletes. */
  holds: SQL;
}

const hasMedia = sql`(exists (select 1 from media_segments m where m.session_id = ${examSessions.id})
  or exists (select 1 from snapshots p where p.session_id = ${examSessions.id} and p.kind in ('webcam', 'screen')))`;
const hasIdentity = sql`(${examSessions.enrolledEmbedding} is not null
  or exists (select 1 from snapshots p where p.session_id = ${examSessions.id} and p.kind in ('id_face', 'id_document')))`;
// An attempt never started or never ended counts from its exam's close.
const ended = sql`coalesce(${examSessions.endedAt}, ${exams.closesAt})`;

/** The rules, in the order the sweep runs them. */
export const SWEEP_RULES: readonly SweepRule[] = [
  {
    rule: 'media_after_verdict',
    scope: 'media',
    field: 'mediaDaysAfterVerdict',
    since: sql`${sessionReviews.decidedAt}`,
    applies: sql`${examSessions.state} = 'reviewed' and ${sessionReviews.decidedAt} is not null`,
    holds: hasMedia,
  },
  {
    rule: 'identity',
    scope: 'identity',
    field: 'identityDays',
    since: ended,
    applies: sql`${examSessions.state} not in ('in_progress', 'paused')`,
    holds: hasIdentity,
  },
  {
    rule: 'undecided',
    scope: 'all',
    field: 'undecidedDays',
    since: ended,
    applies: sql`${examSessions.state} not in ('reviewed', 'in_progress', 'paused')`,
    holds: sql`(${hasMedia} or ${hasIdentity})`,
  },
];

/**
 * A review still waiting for a decision: started (under_review, also after a student's
 * response reopened it), or a finished attempt with flags nobody has decided yet.
 */
export const undecidedReviewSql = sql`(${examSessions.state} = 'under_review'
  or (${examSessions.state} in ('submitted', 'terminated')
    and exists (select 1 from flags f where f.session_id = ${examSessions.id} and f.review_status = 'open')))`;

/** A legal hold on the session or its exam. */
export const heldSql = sql`(${examSessions.legalHoldAt} is not null or ${exams.legalHoldAt} is not null)`;

/** A session a rule has come due for, and what may keep it. */
export interface DueSession {
  id: string;
  held: boolean;
  undecidedReview: boolean;
}

function dueCondition(r: SweepRule, defaults: RetentionRules, now: Date): SQL {
  const fallback = defaults[r.field];
  const days = sql`(case when ${exams.retention} is null then ${fallback}::int
    else (${exams.retention}->>${r.field})::int end)`;
  return sql`${r.applies} and ${days} is not null
    and ${r.since} + ${days} * interval '1 day' <= ${now.toISOString()}::timestamptz
    and ${r.holds}`;
}

/** The next `limit` sessions (by id, after `after`) whose time under rule `r` has run out. */
export async function dueSessions(
  db: DbOrTx,
  r: SweepRule,
  defaults: RetentionRules,
  now: Date,
  after: string | null,
  limit: number,
): Promise<DueSession[]> {
  const rows = await db
    .select({
      id: examSessions.id,
      held: sql<boolean>`${heldSql}`,
      undecidedReview: sql<boolean>`${undecidedReviewSql}`,
    })
    .from(examSessions)
    .innerJoin(exams, eq(exams.id, examSessions.examId))
    .leftJoin(sessionReviews, eq(sessionReviews.sessionId, examSessions.id))
    .where(and(dueCondition(r, defaults, now), after ? gt(examSessions.id, after) : undefined))
    .orderBy(asc(examSessions.id))
    .limit(limit);
  return rows.map((row) => ({ ...row, held: !!row.held, undecidedReview: !!row.undecidedReview }));
}

/** Whether one session is still due under `r` and free to delete (checked under its lock). */
export async function stillDue(
  db: DbOrTx,
  r: SweepRule,
  defaults: RetentionRules,
  now: Date,
  sessionId: string,
): Promise<boolean> {
  const [row] = await db
    .select({ id: examSessions.id })
    .from(examSessions)
    .innerJoin(exams, eq(exams.id, examSessions.examId))
    .leftJoin(sessionReviews, eq(sessionReviews.sessionId, examSessions.id))
    .where(
      and(
        eq(examSessions.id, sessionId),
        dueCondition(r, defaults, now),
        sql`not ${heldSql}`,
        sql`not ${undecidedReviewSql}`,
      ),
    );
  return row !== undefined;
}
