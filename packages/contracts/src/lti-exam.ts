import { z } from 'zod';
import { Id, Timestamp } from './common.js';

/** What a review verdict of "violation" sends to the platform's gradebook (exam policy). */
export const LtiViolationGrade = z.enum(['withhold', 'zero', 'score_with_comment']);
export type LtiViolationGrade = z.infer<typeof LtiViolationGrade>;

/** A course placement (resource link) of an exam in a learning platform. */
export const ExamLtiLink = z.object({
  id: Id,
  platformId: Id,
  platformName: z.string(),
  contextId: z.string().nullable(),
  contextTitle: z.string().nullable(),
  /** The link's title in the course. */
  title: z.string().nullable(),
  lastLaunchAt: Timestamp,
  /** Scores can be sent: the platform granted the score scope and a line item is known or can be made. */
  agsAvailable: z.boolean(),
  /** The roster can be synchronised: the platform gave a memberships URL. */
  nrpsAvailable: z.boolean(),
});
export type ExamLtiLink = z.infer<typeof ExamLtiLink>;

/** State of a roster synchronisation. */
export const LtiRosterSyncStatus = z.enum(['running', 'done', 'failed']);
export type LtiRosterSyncStatus = z.infer<typeof LtiRosterSyncStatus>;

/**
 * One roster synchronisation of a link's course into the exam's registrations. `members` is
 * everyone the platform listed; `added` learners newly registered, `existing` learners already
 * registered, `skipped` members left alone (not learners, inactive, or an account that cannot
 * be matched or is disabled).
 */
export const LtiRosterSync = z.object({
  id: Id,
  linkId: Id,
  trigger: z.enum(['manual', 'schedule']),
  status: LtiRosterSyncStatus,
  members: z.number().int(),
  added: z.number().int(),
  existing: z.number().int(),
  skipped: z.number().int(),
  error: z.string().nullable(),
  startedAt: Timestamp,
  finishedAt: Timestamp.nullable(),
});
export type LtiRosterSync = z.infer<typeof LtiRosterSync>;

/** State of a score sent to the platform's gradebook. */
export const LtiGradeStatus = z.enum(['pending', 'sent', 'withheld', 'failed']);
export type LtiGradeStatus = z.infer<typeof LtiGradeStatus>;

/** The score of one attempt (session) for the platform's gradebook. */
export const LtiGradeSubmission = z.object({
  sessionId: Id,
  linkId: Id,
  studentId: Id,
  studentName: z.string(),
  status: LtiGradeStatus,
  scoreGiven: z.number().nullable(),
  scoreMaximum: z.number().nullable(),
  comment: z.string().nullable(),
  attempts: z.number().int(),
  lastError: z.string().nullable(),
  sentAt: Timestamp.nullable(),
  updatedAt: Timestamp,
});
export type LtiGradeSubmission = z.infer<typeof LtiGradeSubmission>;

/**
 * GET /api/exams/:id/lti (staff of the exam): the exam's course placements, the newest roster
 * synchronisations (up to 20) and the score of each attempt reached through a placement.
 */
export const ExamLti = z.object({
  links: z.array(ExamLtiLink),
  rosterSyncs: z.array(LtiRosterSync),
  grades: z.array(LtiGradeSubmission),
});
export type ExamLti = z.infer<typeof ExamLti>;

/** POST /api/exams/:id/lti/roster-sync (instructor/admin of the exam): one sync per link with a roster. */
export const LtiRosterSyncResult = z.object({ syncs: z.array(LtiRosterSync) });
export type LtiRosterSyncResult = z.infer<typeof LtiRosterSyncResult>;

/** POST /api/exams/:id/lti/grades/retry (instructor/admin of the exam): failed sends queued again. */
export const LtiGradeRetryResult = z.object({ queued: z.number().int() });
export type LtiGradeRetryResult = z.infer<typeof LtiGradeRetryResult>;
