import { z } from 'zod';
import { Id, Timestamp } from './common.js';
import { DetectorAccommodations } from './detection.js';
import { Exam } from './exams.js';
import { StudentPolicy } from './policy.js';
import { SessionState } from './sessions.js';

/** active until cancelled; a cancelled registration can be re-activated by registering again. */
export const RegistrationStatus = z.enum(['active', 'cancelled']);

/** A student's registration for an exam, with its session. */
export const Registration = z.object({
  id: Id,
  examId: Id,
  studentId: Id,
  status: RegistrationStatus,
  createdAt: Timestamp,
  cancelledAt: Timestamp.nullable(),
  sessionId: Id,
  sessionState: SessionState,
  /** Accommodation: minutes added to the exam duration for this student (0 for none). */
  extraTimeMinutes: z.number().int(),
  /**
   * Accommodation: per-detector changes for this student only ({} for none). The student
   * sees only those of the detectors their browser runs, and only `enabled` and `threshold`.
   */
  detectors: DetectorAccommodations,
});
export type Registration = z.infer<typeof Registration>;

/**
 * PUT /api/registrations/:id/accommodations (admins and the exam's instructors). Each field
 * given replaces that accommodation (`detectors` as a whole: `{}` clears them); a field
 * left out stays as it is. At least one is required.
 */
export const AccommodationsBody = z
  .strictObject({
    extraTimeMinutes: z.number().int().min(0).max(600).optional(),
    detectors: DetectorAccommodations.optional(),
  })
  .refine((b) => b.extraTimeMinutes !== undefined || b.detectors !== undefined, {
    message: 'Give extraTimeMinutes, detectors or both',
  });
export type AccommodationsBody = z.infer<typeof AccommodationsBody>;

/**
 * A registration as the student sees it in "My exams", with the policy as their browser
 * needs it (`StudentPolicy`: capture settings and the browser detectors' rules after their
 * accommodations), never the exam's full policy.
 */
export const MyRegistration = Registration.extend({
  exam: Exam.pick({
    id: true,
    title: true,
    description: true,
    opensAt: true,
    closesAt: true,
    durationMinutes: true,
    registrationDeadline: true,
    status: true,
  }).extend({ policy: StudentPolicy }),
});
export type MyRegistration = z.infer<typeof MyRegistration>;

/** A registration as staff see it in an exam's roster. */
export const RosterEntry = Registration.extend({
  studentEmail: z.string(),
  studentName: z.string(),
  /**
   * Auto-scored result once the attempt is submitted (null before, or without questions).
   * Null for proctors: only instructors and admins see scores (they reveal the answer key).
   */
  score: z.number().int().nullable(),
  maxScore: z.number().int().nullable(),
});
export type RosterEntry = z.infer<typeof RosterEntry>;
