import { z } from 'zod';
import { Id, Timestamp } from './common.js';
import { ProctoringPolicy } from './policy.js';
import { LegalHold, RetentionRules } from './retention.js';

/** draft: staff only; published: students can see and register; archived: read-only history. */
export const ExamStatus = z.enum(['draft', 'published', 'archived']);
export type ExamStatus = z.infer<typeof ExamStatus>;

/** An exam as the API returns it. */
export const Exam = z.object({
  id: Id,
  title: z.string(),
  description: z.string(),
  status: ExamStatus,
  opensAt: Timestamp,
  closesAt: Timestamp,
  durationMinutes: z.number().int(),
  capacity: z.number().int(),
  registrationDeadline: Timestamp,
  policy: ProctoringPolicy,
  externalUrl: z.string().nullable(),
  /** How long its evidence is kept; null: the institution's defaults (GET /api/settings/retention). */
  retention: RetentionRules.nullable(),
  /** A legal hold on all of its sessions (admins place and lift it). */
  legalHold: LegalHold.nullable(),
  registeredCount: z.number().int(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Exam = z.infer<typeof Exam>;

const examFields = {
  title: z.string().trim().min(1).max(200),
  description: z.string().max(10_000),
  status: z.enum(['draft', 'published']),
  opensAt: Timestamp,
  closesAt: Timestamp,
  durationMinutes: z
    .number()
    .int()
    .min(1)
    .max(24 * 60),
  capacity: z.number().int().min(1).max(100_000),
  registrationDeadline: Timestamp,
  policy: ProctoringPolicy,
  externalUrl: z
    .url({ protocol: /^https?$/, message: 'Must be an http(s) URL' })
    .max(2000)
    .nullable(),
  retention: RetentionRules.nullable(),
};

/** POST /api/exams. Schedule rules (window order, duration fits, deadline) are checked on the server. */
export const CreateExamBody = z.strictObject({
  ...examFields,
  description: examFields.description.default(''),
  status: examFields.status.default('draft'),
  policy: examFields.policy.default(ProctoringPolicy.parse({})),
  externalUrl: examFields.externalUrl.default(null),
  retention: examFields.retention.default(null),
});
export type CreateExamBody = z.input<typeof CreateExamBody>;

/** PATCH /api/exams/:id — any subset of the fields; the merged exam must still be valid. */
export const UpdateExamBody = z
  .strictObject(examFields)
  .partial()
  .refine((b) => Object.keys(b).length > 0, { message: 'Nothing to update' });
export type UpdateExamBody = z.input<typeof UpdateExamBody>;

/** GET /api/exams query (staff). */
export const ListExamsQuery = z.strictObject({
  status: ExamStatus.optional(),
});

/** Per-exam staff roles. */
export const StaffRole = z.enum(['proctor', 'instructor']);
export type StaffRole = z.infer<typeof StaffRole>;

/** A staff member assigned to an exam. */
export const StaffAssignment = z.object({
  userId: Id,
  email: z.string(),
  name: z.string(),
  role: StaffRole,
  assignedAt: Timestamp,
});
export type StaffAssignment = z.infer<typeof StaffAssignment>;

/** PUT /api/exams/:id/staff/:userId — the user's account role must match. */
export const AssignStaffBody = z.strictObject({ role: StaffRole });
export const ExamStaffParams = z.strictObject({ id: Id, userId: Id });

/** GET /api/exams/:id/staff/candidates query: whose account role to list. */
export const StaffCandidatesQuery = z.strictObject({ role: StaffRole });

/**
 * An active account that may be assigned to an exam in a staff role. Only what the assign
 * form needs: instructors may call this, and they cannot list users.
 */
export const StaffCandidate = z.strictObject({ id: Id, name: z.string(), email: z.string() });
export type StaffCandidate = z.infer<typeof StaffCandidate>;

/** An exam as the student catalogue shows it, with whether they can still register. */
export const OpenExam = Exam.pick({
  id: true,
  title: true,
  description: true,
  opensAt: true,
  closesAt: true,
  durationMinutes: true,
  capacity: true,
  registrationDeadline: true,
  registeredCount: true,
}).extend({ full: z.boolean() });
export type OpenExam = z.infer<typeof OpenExam>;
