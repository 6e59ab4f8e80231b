import { z } from 'zod';
import { Email } from './users.js';
import { Id, Timestamp } from './common.js';

/** Days something is kept; null keeps it (no automatic deletion). */
export const RetentionDays = z.number().int().min(1).max(36_500).nullable();
export type RetentionDays = z.infer<typeof RetentionDays>;

/**
 * How long a session's evidence is kept. `media`: recording segments and webcam/screen
 * snapshots, counted from the verdict; `identity`: identity and ID document photos and the
 * face descriptor, counted from the end of the attempt; `undecided`: every piece of evidence
 * of an attempt that never got a verdict (and awaits no decision), counted from its end.
 * Verdicts, flag decisions, answers, scores and the audit trail are always kept.
 */
export const RetentionRules = z.strictObject({
  mediaDaysAfterVerdict: RetentionDays,
  identityDays: RetentionDays,
  undecidedDays: RetentionDays,
});
export type RetentionRules = z.infer<typeof RetentionRules>;

/** The institution's defaults until an admin changes them (docs/data-protection.md). */
export const DEFAULT_RETENTION: RetentionRules = {
  mediaDaysAfterVerdict: 365,
  identityDays: 90,
  undecidedDays: 730,
};

/** A legal hold: while set, nothing of the session (or exam) is deleted. */
export const LegalHold = z.object({
  placedAt: Timestamp,
  placedBy: Id.nullable(),
  reason: z.string(),
});
export type LegalHold = z.infer<typeof LegalHold>;

/** PUT /api/sessions/:id/hold and /api/exams/:id/hold (admin). */
export const PlaceLegalHoldBody = z.strictObject({
  reason: z.string().trim().min(1, { message: 'Say why the data must be kept' }).max(1000),
});
export type PlaceLegalHoldBody = z.infer<typeof PlaceLegalHoldBody>;

/** GET /api/sessions/:id/hold: the session's own hold and its exam's (either one keeps it). */
export const SessionLegalHolds = z.object({
  session: LegalHold.nullable(),
  exam: LegalHold.nullable(),
});
export type SessionLegalHolds = z.infer<typeof SessionLegalHolds>;

/** The retention rules that delete evidence. */
export const RetentionRule = z.enum(['media_after_verdict', 'identity', 'undecided', 'erasure']);
export type RetentionRule = z.infer<typeof RetentionRule>;

/** What one purge removed: counts per kind, and the bytes of the blobs. */
export const DeletedCounts = z.object({
  segments: z.number().int(),
  snapshots: z.number().int(),
  identityPhotos: z.number().int(),
  faceDescriptors: z.number().int(),
  bytes: z.number().int(),
});
export type DeletedCounts = z.infer<typeof DeletedCounts>;

/** POST /api/retention/run: what a retention sweep did. */
export const RetentionRunReport = z.object({
  runId: Id,
  startedAt: Timestamp,
  finishedAt: Timestamp,
  /** Sessions something was deleted from, per rule. */
  sessions: z.record(RetentionRule, z.number().int()),
  deleted: DeletedCounts,
  /** Expired sessions left alone: under a legal hold, or awaiting a review decision. */
  skipped: z.object({ legalHold: z.number().int(), undecidedReview: z.number().int() }),
  /** Deletions of an interrupted earlier run finished by this one. */
  resumed: z.number().int(),
});
export type RetentionRunReport = z.infer<typeof RetentionRunReport>;

/** POST /api/users/:id/erasure: the admin types the user's e-mail again to confirm. */
export const ErasureBody = z.strictObject({ confirmEmail: Email });
export type ErasureBody = z.infer<typeof ErasureBody>;

/** Why erasure left a session's evidence in place. */
export const ErasureKeptReason = z.enum(['legal_hold', 'undecided_review', 'attempt_running']);

/** The receipt of an erasure, also recorded as the `user.erase` audit entry. */
export const ErasureReceipt = z.object({
  userId: Id,
  erasedAt: Timestamp,
  /** Sessions whose evidence was deleted. */
  sessionsErased: z.number().int(),
  deleted: DeletedCounts.extend({
    chatMessages: z.number().int(),
    helpRequests: z.number().int(),
    responses: z.number().int(),
    signInSessions: z.number().int(),
    /** Data exports (zips of the student's data) whose files were deleted. */
    dataExports: z.number().int(),
  }),
  /** Sessions whose evidence was kept, and why. */
  kept: z.array(z.object({ sessionId: Id, examId: Id, reason: ErasureKeptReason })),
  /** What stays by design: verdicts, flag decisions, answers and scores, the audit trail. */
  retained: z.array(z.string()),
  auditEntryId: z.number().int(),
});
export type ErasureReceipt = z.infer<typeof ErasureReceipt>;
