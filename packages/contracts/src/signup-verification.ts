import { z } from 'zod';

/**
 * Why a self-signed-up account may not take exams yet: its e-mail address is not verified
 * (a link was mailed), or it waits for an admin's approval (no e-mail configured). Null on
 * a user means neither.
 */
export const SignupPending = z.enum(['email', 'approval']);
export type SignupPending = z.infer<typeof SignupPending>;

/** POST /api/auth/verify-email: the secret of a verification link as the e-mail carries it. */
export const VerifyEmailBody = z.strictObject({ token: z.string().min(1).max(200) });
export type VerifyEmailBody = z.infer<typeof VerifyEmailBody>;

/**
 * POST /api/auth/verify-email/resend: what the account waits for now. 'email': a new link was
 * sent; 'approval': no e-mail can be sent (e-mail is no longer configured), so the account
 * now waits for an admin's approval instead.
 */
export const ResendVerificationResponse = z.object({ signupPending: SignupPending });
export type ResendVerificationResponse = z.infer<typeof ResendVerificationResponse>;
