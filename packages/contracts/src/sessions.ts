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
 * Who may perform a transition: the student taking the exam, or assigned staff. Two moves
 * happen only through their own action, never through POST /transitions: `verdict` (a
 * reviewer's verdict, POST /api/sessions/:id/verdict) and `student_response` (the student's
 * one written response to a provisional verdict, POST /api/sessions/:id/response).
 */
export type TransitionActor = 'student' | 'staff' | 'verdict' | 'student_response';

/** How each kind of actor is named in error messages. */
export const TRANSITION_ACTOR_LABEL: Record<TransitionActor, string> = {
  student: 'the student',
  staff: 'the exam’s staff',
  verdict: 'a reviewer’s verdict (POST /api/sessions/:id/verdict)',
  student_response: 'the student’s response to the verdict (POST /api/sessions/:id/response)',
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
  terminated: { under_review: ['staff'] },
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

/** An exam session (one per registration). */
export const ExamSession = z.object({
  id: Id,
  registrationId: Id,
  examId: Id,
  studentId: Id,
  state: SessionState,
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
