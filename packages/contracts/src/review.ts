import { z } from 'zod';
import { Id, Timestamp } from './common.js';
import { DetectorName, FlagReviewStatus, FlagSource, Severity } from './detection.js';
import { ChatMessage, HelpRequest } from './communication.js';
import { PersonRef, SessionNote } from './live.js';
import { SnapshotKind } from './recording.js';
import { RtcLink } from './rtc.js';
import { ExamSession } from './sessions.js';

/** How many days a student has to respond to a provisional verdict. */
export const RESPONSE_WINDOW_DAYS = 14;

/** The outcome of reviewing a finished attempt. */
export const Verdict = z.enum(['clean', 'suspicious', 'violation']);
export type Verdict = z.infer<typeof Verdict>;

/** A reviewer's decision on one flag. */
export const FlagDecision = z.enum(['confirmed', 'dismissed']);
export type FlagDecision = z.infer<typeof FlagDecision>;

/**
 * POST /api/flags/:id/review. Dismissing needs a comment: a detection set aside must say why,
 * for the student and for anyone auditing the review later. Confirming may carry one.
 */
export const FlagReviewBody = z
  .strictObject({
    decision: FlagDecision,
    comment: z.string().trim().max(2000).optional(),
  })
  .superRefine((b, ctx) => {
    if (b.decision === 'dismissed' && !b.comment) {
      ctx.addIssue({
        code: 'custom',
        path: ['comment'],
        message: 'Say why the flag is dismissed',
      });
    }
  });
export type FlagReviewBody = z.infer<typeof FlagReviewBody>;

/** POST /api/sessions/:id/verdict */
export const VerdictBody = z.strictObject({
  verdict: Verdict,
  reason: z.string().trim().min(1).max(5000),
  /**
   * Why the verdict goes against the flag decisions. Required when it does (see
   * `verdictConflict`; otherwise 409 VERDICT_NEEDS_REASON); the student reads it with the verdict.
   */
  overrideComment: z.string().trim().min(1).max(5000).optional(),
});
export type VerdictBody = z.infer<typeof VerdictBody>;

/** How a verdict can go against the reviewer's flag decisions. */
export const VerdictConflict = z.enum([
  'clean_with_confirmed_flags',
  'violation_without_confirmed_flag',
]);
export type VerdictConflict = z.infer<typeof VerdictConflict>;

/**
 * Whether a verdict contradicts the flag decisions it is given next to: "clean" while any flag
 * is confirmed, or "violation" while no flag is confirmed (every flag dismissed, or none raised).
 * "Suspicious" never does: it says the evidence is not conclusive either way. Such a verdict
 * needs the reviewer's explicit `overrideComment`.
 */
export function verdictConflict(
  verdict: Verdict,
  decisions: readonly FlagReviewStatus[],
): VerdictConflict | null {
  const confirmed = decisions.filter((d) => d === 'confirmed').length;
  if (verdict === 'clean' && confirmed > 0) return 'clean_with_confirmed_flags';
  if (verdict === 'violation' && confirmed === 0) return 'violation_without_confirmed_flag';
  return null;
}

/** The contradiction in words, for the refusal and the verdict form. */
export function describeVerdictConflict(conflict: VerdictConflict, confirmed: number): string {
  return conflict === 'clean_with_confirmed_flags'
    ? `A clean verdict goes against ${confirmed} confirmed flag${confirmed === 1 ? '' : 's'}`
    : 'A violation verdict goes against the flag decisions: no flag is confirmed';
}

/** POST /api/sessions/:id/response: the student's one written response to a provisional verdict. */
export const ReviewResponseBody = z.strictObject({
  text: z.string().trim().min(1).max(5000),
});
export type ReviewResponseBody = z.infer<typeof ReviewResponseBody>;

/** An exam as review screens and reports name it. */
export const ExamRef = z.object({
  id: Id,
  title: z.string(),
  opensAt: Timestamp,
  closesAt: Timestamp,
});
export type ExamRef = z.infer<typeof ExamRef>;

/** A student as review screens name them. */
export const StudentRef = PersonRef.extend({ email: z.string() });
export type StudentRef = z.infer<typeof StudentRef>;

/**
 * A snapshot shown as evidence; its bytes are at
 * `/api/sessions/:sessionId/snapshots/:kind/:seq` (the student may open their own).
 */
export const EvidenceSnapshot = z.object({
  id: Id,
  kind: SnapshotKind,
  seq: z.number().int(),
  takenMs: z.number().int(),
});
export type EvidenceSnapshot = z.infer<typeof EvidenceSnapshot>;

/** One decision on a flag, as the audit log recorded it. */
export const FlagDecisionRecord = z.object({
  decision: FlagDecision,
  comment: z.string().nullable(),
  /** Null for an account deleted since. */
  decidedBy: PersonRef.nullable(),
  decidedAt: Timestamp,
});
export type FlagDecisionRecord = z.infer<typeof FlagDecisionRecord>;

/** What only staff see of a flag: where it came from and the detector's certainty. */
export const FlagDetail = z.object({
  source: FlagSource,
  confidence: z.number().min(0).max(1),
  detector: z.string(),
  model: z.string(),
  /** Who confirmed or dismissed it. */
  decidedBy: PersonRef.nullable(),
  /** Earlier decisions that a re-decision replaced, oldest first (the current one is not here). */
  history: z.array(FlagDecisionRecord),
});
export type FlagDetail = z.infer<typeof FlagDetail>;

/**
 * A call with a proctor that was connected (media flowing) while a `voice` flag was raised:
 * the voice heard may be the student talking to the proctor. It is said beside the flag,
 * never instead of it: the flag, its severity and its decision stay as they are.
 */
export const FlagDuringCall = z.object({
  /** The call: one of the review's `rtcLinks`, of kind `call`. */
  linkId: Id,
  /** The proctor on the call, as the student saw them named during it. */
  proctorName: z.string(),
});
export type FlagDuringCall = z.infer<typeof FlagDuringCall>;

/** A flag as the review shows it: what was seen, the evidence and the reviewer's decision. */
export const ReviewFlag = z.object({
  id: Id,
  type: DetectorName,
  severity: Severity,
  /** Client epoch ms (the recording's clock); `endMs` null if it never ended. */
  startMs: z.number().int(),
  endMs: z.number().int().nullable(),
  /** Offsets from the start of the attempt. */
  startOffsetMs: z.number().int().nullable(),
  endOffsetMs: z.number().int().nullable(),
  message: z.string(),
  snapshots: z.array(EvidenceSnapshot),
  recording: z.object({ fromMs: z.number().int(), toMs: z.number().int() }).nullable(),
  decision: FlagReviewStatus,
  comment: z.string().nullable(),
  decidedAt: Timestamp.nullable(),
  /**
   * `voice` flags only: the first call with a proctor that overlapped it, on the server's
   * clock (the flag's times mapped by the student's estimated clock offset); null when none
   * did, and for every other type. Absent from older servers.
   */
  duringCall: FlagDuringCall.nullable().optional(),
  /** Staff only. */
  detail: FlagDetail.optional(),
});
export type ReviewFlag = z.infer<typeof ReviewFlag>;

/** Who the student is: the identity photos taken at check-in and the identity flags. */
export const IdentityEvidence = z.object({
  snapshots: z.array(EvidenceSnapshot),
  /** Ids of `identity_mismatch` flags (listed in full among the flags). */
  flagIds: z.array(Id),
  /** Staff only: whether the server enrolled a face from the identity photo. */
  faceEnrolled: z.boolean().optional(),
});
export type IdentityEvidence = z.infer<typeof IdentityEvidence>;

/**
 * The verdict. Provisional until the student responds (then the next verdict is final) or
 * until `respondBy` passes without a response; `final` says which applies now.
 */
export const ReviewVerdict = z.object({
  verdict: Verdict,
  reason: z.string(),
  decidedAt: Timestamp,
  final: z.boolean(),
  /** Set when a verdict was given after the student's response. */
  finalAt: Timestamp.nullable(),
  /** Until when the student may respond (null once final). */
  respondBy: Timestamp.nullable(),
  /** The reviewer's explanation of a verdict that goes against the flag decisions. */
  overrideComment: z.string().nullable(),
  /** Staff only: who decided. */
  reviewer: PersonRef.nullable().optional(),
});
export type ReviewVerdict = z.infer<typeof ReviewVerdict>;

/** The student's response. */
export const ReviewResponse = z.object({ text: z.string(), respondedAt: Timestamp });
export type ReviewResponse = z.infer<typeof ReviewResponse>;

/**
 * GET /api/sessions/:id/review. Staff of the exam see everything; the student sees their
 * own once a verdict exists, without notes, reviewer identities or detector details.
 */
export const SessionReview = z.object({
  session: ExamSession,
  exam: ExamRef,
  student: StudentRef,
  identity: IdentityEvidence,
  /**
   * Staff: each flag's current decision (earlier ones in `detail.history`). The student: the
   * decisions the shown verdict was given on, so that a review reopened by their response never
   * shows a verdict beside decisions it was not given on.
   */
  flags: z.array(ReviewFlag),
  /** Flags not yet confirmed or dismissed (a verdict needs none). */
  undecided: z.number().int().min(0),
  verdict: ReviewVerdict.nullable(),
  response: ReviewResponse.nullable(),
  /** The student may send their response now. */
  canRespond: z.boolean(),
  /** Staff only: the risk score (0–100). */
  risk: z.number().int().min(0).max(100).optional(),
  /** Staff only: proctors' notes, oldest first. */
  notes: z.array(SessionNote).optional(),
  /**
   * Staff only: the session's chat and the exam's announcements made during the attempt,
   * oldest first (by `seq`).
   */
  chat: z.array(ChatMessage).optional(),
  /** Staff only: the student's raised hands, oldest first. */
  helpRequests: z.array(HelpRequest).optional(),
  /** Staff only: the live views and calls of the attempt (who, when, how long), oldest first. */
  rtcLinks: z.array(RtcLink).optional(),
});
export type SessionReview = z.infer<typeof SessionReview>;

/** How a session's flags stand. */
export const FlagCounts = z.object({
  open: z.number().int().min(0),
  confirmed: z.number().int().min(0),
  dismissed: z.number().int().min(0),
});
export type FlagCounts = z.infer<typeof FlagCounts>;

/** One row of GET /api/exams/:id/review-queue. */
export const ReviewQueueEntry = z.object({
  session: ExamSession,
  student: StudentRef,
  risk: z.number().int().min(0).max(100),
  flags: FlagCounts,
  verdict: Verdict.nullable(),
  decidedAt: Timestamp.nullable(),
  final: z.boolean(),
  /** The student responded and no verdict has been given since: re-review first. */
  awaitingReReview: z.boolean(),
  respondedAt: Timestamp.nullable(),
});
export type ReviewQueueEntry = z.infer<typeof ReviewQueueEntry>;

/** One of the student's reviewed sessions (GET /api/me/reviews). */
export const MyReview = z.object({
  sessionId: Id,
  examId: Id,
  verdict: Verdict,
  final: z.boolean(),
  canRespond: z.boolean(),
});
export type MyReview = z.infer<typeof MyReview>;

/**
 * GET /api/sessions/:id/report (and its printable HTML twin): everything a decision rests on,
 * for the record. Staff only.
 */
export const SessionReport = z.object({
  generatedAt: Timestamp,
  exam: ExamRef,
  student: StudentRef,
  session: z.object({
    id: Id,
    state: ExamSession.shape.state,
    startedAt: Timestamp.nullable(),
    endedAt: Timestamp.nullable(),
  }),
  identity: IdentityEvidence,
  flags: z.array(ReviewFlag),
  risk: z.number().int().min(0).max(100),
  verdict: ReviewVerdict.nullable(),
  response: ReviewResponse.nullable(),
  /** The session's chat and the announcements made during the attempt, oldest first. */
  chat: z.array(ChatMessage).optional(),
  /** The student's raised hands, oldest first. */
  helpRequests: z.array(HelpRequest).optional(),
  /** The live views and calls of the attempt (who, when, how long), oldest first. */
  rtcLinks: z.array(RtcLink).optional(),
});
export type SessionReport = z.infer<typeof SessionReport>;
