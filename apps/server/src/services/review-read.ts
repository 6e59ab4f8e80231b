import { and, asc, eq, inArray } from 'drizzle-orm';
import {
  RESPONSE_WINDOW_DAYS,
  type EvidenceSnapshot,
  type ExamRef,
  type FlagEvidence,
  type IdentityEvidence,
  type ReviewFlag,
  type ReviewResponse,
  type ReviewVerdict,
  type SessionNote,
  type StudentRef,
  type Verdict,
} from '@invigil/contracts';
import type { DbOrTx } from '../db/database.js';
import type { examSessions } from '../db/schema.js';
import {
  exams,
  flags,
  sessionNotes,
  sessionReviews,
  sessionRisk,
  snapshots,
  users,
} from '../db/schema.js';
import { errors } from '../errors.js';
import { iso, isoOrNull } from './time.js';

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
  flags: ReviewFlag[];
  identity: IdentityEvidence;
  risk: number;
}

/** Load a session's review data; `audience` decides what detector and reviewer detail is kept. */
export async function loadReviewData(
  db: DbOrTx,
  session: SessionRow,
  audience: Audience,
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

  const started = session.startedAt?.getTime();
  const offset = (ms: number | null) =>
    ms === null || started === undefined ? null : ms - started;
  const reviewFlags: ReviewFlag[] = flagRows.map(({ f, deciderName }) => {
    const evidence = f.evidence as FlagEvidence;
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
      decision: f.reviewStatus as ReviewFlag['decision'],
      comment: f.reviewComment,
      decidedAt: isoOrNull(f.reviewedAt),
      ...(audience === 'staff' && {
        detail: {
          source: f.source as NonNullable<ReviewFlag['detail']>['source'],
          confidence: f.confidence,
          detector: f.detector,
          model: f.model,
          decidedBy: f.reviewedBy ? { id: f.reviewedBy, name: deciderName ?? 'Former user' } : null,
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
    flags: reviewFlags,
    identity: {
      snapshots: shots.filter((s) =>
        (IDENTITY_KINDS as readonly string[]).includes(s.kind),
      ) as EvidenceSnapshot[],
      flagIds: reviewFlags.filter((f) => f.type === 'identity_mismatch').map((f) => f.id),
      ...(audience === 'staff' && { faceEnrolled: session.enrolledEmbedding !== null }),
    },
    risk: risk?.score ?? 0,
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
