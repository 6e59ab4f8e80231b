import { z } from 'zod';

/** A reason staff give for an action the student and reviewers will read. */
const Reason = z.string().trim().min(1).max(1000);

/**
 * POST /api/sessions/:id/interventions/:interventionId/cancel: withdraw a room scan or
 * new-identity-photo request the student has not completed. The note is optional.
 */
// nullish: a POST without a body reaches validation as null.
export const CancelRequestBody = z
  .strictObject({ reason: z.string().trim().max(1000).optional() })
  .nullish();
export type CancelRequestBody = z.infer<typeof CancelRequestBody>;

/** POST /api/sessions/:id/extend-time: minutes added to this attempt's deadline only. */
export const ExtendTimeBody = z.strictObject({
  minutes: z.number().int().min(1).max(600),
  reason: Reason,
});
export type ExtendTimeBody = z.infer<typeof ExtendTimeBody>;

/**
 * POST /api/sessions/:id/reopen (a terminated attempt) and POST /api/sessions/:id/new-attempt
 * (a fresh attempt on the same registration): both need the reason, which is audited.
 */
export const StaffReasonBody = z.strictObject({ reason: Reason });
export type StaffReasonBody = z.infer<typeof StaffReasonBody>;
