import { and, asc, desc, eq, inArray } from 'drizzle-orm';
import {
  RESPONSE_WINDOW_DAYS,
  type EvidenceSnapshot,
  type ExamRef,
  type FlagDecision,
  type FlagDecisionRecord,
  type FlagEvidence,
  type IdentityEvidence,
  type ReviewFlag,
  type ReviewResponse,
  type ReviewVerdict,
  type RtcLink,
  type SessionNote,
  type StudentRef,
  type Verdict,
} from '@invigil/contracts';
import { estimateClockOffset } from '@invigil/detection/rules';
import type { DbOrTx } from '../../db/database.js';
import type { examSessions } from '../../db/schema.js';
import {
  auditLog,
  exams,
  flags,
  sessionNotes,
  sessionReviews,
  sessionRisk,
  snapshots,
  users,
} from '../../db/schema.js';
import { errors } from '../../errors.js';
import { loadClockSamples } from '../detection/flag-inputs.js';
import { sessionLinks } from '../live/rtc-record.js';
import { iso, isoOrNull } from '../sessions/time.js';
import { callDuringFlag } from './flag-during-call.js';

/** A session_reviews row. */
export type ReviewRow = typeof sessionReviews.$inferSelect;
type SessionRow = typeof examSessions.$inferSelect;

/** How long a student has to respond to a provisional verdict. */
export const RESPONSE_WINDOW_MS = RESPONSE_WINDOW_DAYS * 24 * 3_600_000;

/** Identity photo kinds taken at check-in. */
const IDENTITY_KINDS = ['id_face', 'id_document'] as const;

/** Who reads a review: the exam's staff see everything, the student a redacted view. */
export type Audience = 'staff' | 'student';

/** A review row that holds a verdict (the generic transitions endpoint can leave one without). */
export type DecidedReview = ReviewRow & { verdict: string; decidedAt: Date };

/** True when the row carries a verdict. */
export function hasVerdict(r: ReviewRow | undefined | null): r is DecidedReview {
  return !!r && r.verdict !== null && r.decidedAt !== null;
}

/**
 * Whether a verdict can no longer change: given after the student's response (`final_at`), or
 * provisional with the response window passed and no response. Computed on read, so nothing
 * has to run when a window closes.
 */
export function isFinal(r: DecidedReview, now: Date): boolean {
  if (r.finalAt) return true;
  if (r.response !== null) return false;
  return now.getTime() >= r.decidedAt.getTime() + RESPONSE_WINDOW_MS;
}

/** The student may respond now: a provisional verdict, no response yet, window open, reviewed. */
export function canRespond(r: ReviewRow | undefined, state: string, now: Date): boolean {
  return hasVerdict(r) && state === 'reviewed' && r.response === null && !isFinal(r, now);
}

/** The verdict as the API shows it to `audience`. */
export function toVerdict(
  r: DecidedReview,
  now: Date,
  audience: Audience,
  reviewerName: string | null,
  overrideComment: string | null = null,
): ReviewVerdict {
  const final = isFinal(r, now);
  return {
    verdict: r.verdict as Verdict,
    reason: r.reason ?? '',
    decidedAt: iso(r.decidedAt),
    final,
    finalAt: isoOrNull(r.finalAt),
    respondBy:
      final || r.response !== null
        ? null
        : iso(new Date(r.decidedAt.getTime() + RESPONSE_WINDOW_MS)),
    overrideComment,
    ...(audience === 'staff' && {
      reviewer: r.reviewerId ? { id: r.reviewerId, name: reviewerName ?? 'Former user' } : null,
    }),
  };
}

/** The response as the API shows it. */
export function toResponse(r: ReviewRow | undefined): ReviewResponse | null {
  if (!r || r.response === null || !r.respondedAt) return null;
  return { text: r.response, respondedAt: iso(r.respondedAt) };
}

/** Everything a review screen or report shows about one session, loaded in a few queries. */
export interface ReviewData {
  session: SessionRow;
  exam: ExamRef;
  student: StudentRef;
  review: ReviewRow | undefined;
  reviewerName: string | null;
  /** The current verdict's explanation of going against the flag decisions, if it gave one. */
  overrideComment: string | null;
  flags: ReviewFlag[];
  identity: IdentityEvidence;
  risk: number;
  /** Every live view and call of the session, oldest first (staff views show them). */
  rtcLinks: RtcLink[];
}

/** A flag decision from the audit log, with its place in the log. */
interface DecisionEntry {
  auditId: number;
  record: FlagDecisionRecord;
}

/**
 * Every decision on the given flags, oldest first per flag: reviewers' `flag.review` entries
 * and staff withdrawals (`flag.withdraw`). The flags table holds only the current decision;
 * the audit log, append-only, is where earlier ones are kept.
 */
async function loadDecisions(
  db: DbOrTx,
  flagIds: readonly string[],
): Promise<Map<string, DecisionEntry[]>> {
  const out = new Map<string, DecisionEntry[]>();
  if (flagIds.length === 0) return out;
  const rows = await db
    .select({ a: auditLog, name: users.name })
    .from(auditLog)
    .leftJoin(users, eq(users.id, auditLog.actorId))
    .where(
      and(
        eq(auditLog.entityType, 'flag'),
        inArray(auditLog.entityId, [...flagIds]),
        inArray(auditLog.action, ['flag.review', 'flag.withdraw']),
      ),
    )
    .orderBy(asc(auditLog.id));
  for (const { a, name } of rows) {
    const data = a.data as { to?: string; decision?: string; comment?: string };
    const decision = (a.action === 'flag.withdraw' ? 'dismissed' : (data.to ?? data.decision)) as
      FlagDecision | undefined;
    if (!a.entityId || (decision !== 'confirmed' && decision !== 'dismissed')) continue;
    const list = out.get(a.entityId) ?? [];
    list.push({
      auditId: a.id,
      record: {
        decision,
        comment: data.comment ?? null,
        decidedBy: a.actorId ? { id: a.actorId, name: name ?? 'Former user' } : null,
        decidedAt: iso(a.at),
      },
    });
    out.set(a.entityId, list);
  }
  return out;
}

/** The latest verdict's audit entry: where it sits in the log and its override comment. */
async function loadVerdictEntry(
  db: DbOrTx,
  sessionId: string,
): Promise<{ auditId: number; overrideComment: string | null } | null> {
  const [row] = await db
    .select({ id: auditLog.id, data: auditLog.data })
    .from(auditLog)
    .where(
      and(
        eq(auditLog.entityType, 'session'),
        eq(auditLog.entityId, sessionId),
        eq(auditLog.action, 'review.verdict'),
      ),
    )
    .orderBy(desc(auditLog.id))
    .limit(1);
  if (!row) return null;
  const comment = (row.data as { overrideComment?: unknown }).overrideComment;
  return { auditId: row.id, overrideComment: typeof comment === 'string' ? comment : null };
}

/**
 * Load a session's review data; `audience` decides what detector and reviewer detail is kept.
 * `now` (the server's clock) is where a call still open reaches, for `duringCall`.
 */
export async function loadReviewData(
  db: DbOrTx,
  session: SessionRow,
  audience: Audience,
  now: Date,
): Promise<ReviewData> {
  const [head] = await db
    .select({ exam: exams, student: users })
    .from(exams)
    .innerJoin(users, eq(users.id, session.studentId))
    .where(eq(exams.id, session.examId));
  if (!head) throw errors.notFound('Session');
  const [review] = await db
    .select({ r: sessionReviews, reviewerName: users.name })
    .from(sessionReviews)
    .leftJoin(users, eq(users.id, sessionReviews.reviewerId))
    .where(eq(sessionReviews.sessionId, session.id));
  const flagRows = await db
    .select({ f: flags, deciderName: users.name })
    .from(flags)
    .leftJoin(users, eq(users.id, flags.reviewedBy))
    .where(eq(flags.sessionId, session.id))
    .orderBy(asc(flags.startMs), asc(flags.key));
  const shots = await db
    .select({
      id: snapshots.id,
      kind: snapshots.kind,
      seq: snapshots.seq,
      takenMs: snapshots.takenMs,
    })
    .from(snapshots)
    .where(
      and(
        eq(snapshots.sessionId, session.id),
        inArray(snapshots.kind, [...IDENTITY_KINDS, 'webcam', 'screen']),
      ),
    )
    .orderBy(asc(snapshots.takenMs));
  const byId = new Map(shots.map((s) => [s.id, s as EvidenceSnapshot]));
  const [risk] = await db
    .select({ score: sessionRisk.score })
    .from(sessionRisk)
    .where(eq(sessionRisk.sessionId, session.id));

  const decisions = await loadDecisions(
    db,
    flagRows.map(({ f }) => f.id),
  );
  const verdictEntry = hasVerdict(review?.r) ? await loadVerdictEntry(db, session.id) : null;
  const links = await sessionLinks(db, session.id);
  // Flags are on the student's clock, calls on the server's: the same estimate of the offset
  // the server corrects every client time with (recording coverage, event trust).
  const callClock = {
    clockOffsetMs:
      flagRows.some(({ f }) => f.type === 'voice') && links.some((l) => l.kind === 'call')
        ? estimateClockOffset(await loadClockSamples(db, session.id))
        : 0,
    nowMs: now.getTime(),
  };

  const started = session.startedAt?.getTime();
  const offset = (ms: number | null) =>
    ms === null || started === undefined ? null : ms - started;
  const reviewFlags: ReviewFlag[] = flagRows.map(({ f, deciderName }) => {
    const evidence = f.evidence as FlagEvidence;
    const entries = decisions.get(f.id) ?? [];
    // The student reads the decisions the verdict was given on: after their response the
    // reviewer may change some before the final verdict, and those show with that verdict.
    const asAtVerdict =
      audience === 'student' && verdictEntry && entries.length > 0
        ? (entries.filter((e) => e.auditId < verdictEntry.auditId).at(-1)?.record ?? null)
        : undefined;
    const decision: Pick<ReviewFlag, 'decision' | 'comment' | 'decidedAt'> =
      asAtVerdict === undefined
        ? {
            decision: f.reviewStatus as ReviewFlag['decision'],
            comment: f.reviewComment,
            decidedAt: isoOrNull(f.reviewedAt),
          }
        : {
            decision: asAtVerdict?.decision ?? 'open',
            comment: asAtVerdict?.comment ?? null,
            decidedAt: asAtVerdict?.decidedAt ?? null,
          };
    return {
      id: f.id,
      type: f.type as ReviewFlag['type'],
      severity: f.severity as ReviewFlag['severity'],
      startMs: f.startMs,
      endMs: f.endMs,
      startOffsetMs: offset(f.startMs),
      endOffsetMs: offset(f.endMs),
      message: f.message,
      snapshots: (evidence.snapshotIds ?? []).flatMap((id) => byId.get(id) ?? []),
      recording: evidence.recording ?? null,
      ...decision,
      duringCall: callDuringFlag(f, links, callClock),
      ...(audience === 'staff' && {
        detail: {
          source: f.source as NonNullable<ReviewFlag['detail']>['source'],
          confidence: f.confidence,
          detector: f.detector,
          model: f.model,
          decidedBy: f.reviewedBy ? { id: f.reviewedBy, name: deciderName ?? 'Former user' } : null,
          // Every decision but the current one, which is the last in the log.
          history: f.reviewStatus === 'open' ? [] : entries.slice(0, -1).map((e) => e.record),
        },
      }),
    };
  });
  return {
    session,
    exam: {
      id: head.exam.id,
      title: head.exam.title,
      opensAt: iso(head.exam.opensAt),
      closesAt: iso(head.exam.closesAt),
    },
    student: { id: head.student.id, name: head.student.name, email: head.student.email },
    review: review?.r,
    reviewerName: review?.reviewerName ?? null,
    overrideComment: verdictEntry?.overrideComment ?? null,
    flags: reviewFlags,
    identity: {
      snapshots: shots.filter((s) =>
        (IDENTITY_KINDS as readonly string[]).includes(s.kind),
      ) as EvidenceSnapshot[],
      flagIds: reviewFlags.filter((f) => f.type === 'identity_mismatch').map((f) => f.id),
      ...(audience === 'staff' && { faceEnrolled: session.enrolledEmbedding !== null }),
    },
    risk: risk?.score ?? 0,
    rtcLinks: links,
  };
}

/** A session's proctor notes, oldest first (staff only). */
export async function loadNotes(db: DbOrTx, sessionId: string): Promise<SessionNote[]> {
  const rows = await db
    .select({ n: sessionNotes, authorName: users.name })
    .from(sessionNotes)
    .leftJoin(users, eq(users.id, sessionNotes.authorId))
    .where(eq(sessionNotes.sessionId, sessionId))
    .orderBy(asc(sessionNotes.createdAt));
  return rows.map(({ n, authorName }) => ({
    id: n.id,
    sessionId: n.sessionId,
    author: n.authorId ? { id: n.authorId, name: authorName ?? 'Former user' } : null,
    body: n.body,
    createdAt: iso(n.createdAt),
  }));
}
