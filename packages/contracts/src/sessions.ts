import { z } from 'zod';
import { Id, Timestamp } from './common.js';

/** The life of one exam attempt. */
export const SessionState = z.enum([
  'registered',
  'checking_in',
  'in_progress',
  'paused',
  'submitted',
  'terminated',
  'under_review',
  'reviewed',
]);
export type SessionState = z.infer<typeof SessionState>;

/**
 * Who may perform a transition: the student taking the exam, or assigned staff. Three moves
 * happen only through their own action, never through POST /transitions: `verdict` (a
 * reviewer's verdict, POST /api/sessions/:id/verdict), `student_response` (the student's
 * one written response to a provisional verdict, POST /api/sessions/:id/response) and
 * `reopen` (staff reopening a terminated attempt, POST /api/sessions/:id/reopen).
 */
export type TransitionActor = 'student' | 'staff' | 'verdict' | 'student_response' | 'reopen';

/** How each kind of actor is named in error messages. */
export const TRANSITION_ACTOR_LABEL: Record<TransitionActor, string> = {
  student: 'the student',
  staff: 'the exam’s staff',
  verdict: 'a reviewer’s verdict (POST /api/sessions/:id/verdict)',
  student_response: 'the student’s response to the verdict (POST /api/sessions/:id/response)',
  reopen: 'staff reopening the attempt (POST /api/sessions/:id/reopen)',
};

/**
 * The one transition table. Anything not listed is illegal (HTTP 409 ILLEGAL_TRANSITION).
 * Keys are `from`, values map each legal `to` to who may trigger it.
 */
export const SESSION_TRANSITIONS: Readonly<
  Record<SessionState, Partial<Record<SessionState, readonly TransitionActor[]>>>
> = {
  registered: { checking_in: ['student'] },
  checking_in: { in_progress: ['student'], terminated: ['staff'] },
  in_progress: { paused: ['staff'], submitted: ['student', 'staff'], terminated: ['staff'] },
  paused: { in_progress: ['staff'], terminated: ['staff'] },
  submitted: { under_review: ['staff'] },
  // Reopened paused: the clock stays stopped until a proctor resumes with the student there.
  terminated: { under_review: ['staff'], paused: ['reopen'] },
  under_review: { reviewed: ['verdict'] },
  // The student's response to a provisional verdict reopens the review.
  reviewed: { under_review: ['student_response'] },
};

/** True when `to` can follow `from` for this actor. */
export function canTransition(
  from: SessionState,
  to: SessionState,
  actor: TransitionActor,
): boolean {
  return SESSION_TRANSITIONS[from][to]?.includes(actor) ?? false;
}

/**
 * A check-in step the server requires before `checking_in → in_progress`, as named in the
 * `details.missing` of a 409 CHECK_IN_INCOMPLETE: the identity photos (when the policy has
 * `identityCheck`), a room scan segment (`roomScan`) and a passed system check (always).
 */
export const CheckInStep = z.enum([
  'identity_face',
  'identity_document',
  'room_scan',
  'system_check',
]);
export type CheckInStep = z.infer<typeof CheckInStep>;

/** An exam session: one attempt of a registration (one current, earlier ones superseded). */
export const ExamSession = z.object({
  id: Id,
  registrationId: Id,
  examId: Id,
  studentId: Id,
  state: SessionState,
  /** 1 for the first attempt, 2, 3… for attempts staff granted after it. */
  attempt: z.number().int().min(1),
  /** When staff granted a new attempt in this one's place; null for the current attempt. */
  supersededAt: Timestamp.nullable(),
  consentedAt: Timestamp.nullable(),
  startedAt: Timestamp.nullable(),
  deadlineAt: Timestamp.nullable(),
  endedAt: Timestamp.nullable(),
  updatedAt: Timestamp,
});
export type ExamSession = z.infer<typeof ExamSession>;

/** POST /api/sessions/:id/transitions */
export const TransitionBody = z.strictObject({
  to: SessionState,
  reason: z.string().trim().max(1000).optional(),
});
export type TransitionBody = z.infer<typeof TransitionBody>;
