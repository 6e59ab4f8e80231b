import type { ErrorCode } from '@invigil/contracts';
import { AppError } from '../../errors.js';

/** Why a launch (or a login initiation, or a deep-linking choice) was refused. */
export type LtiErrorCode = Extract<
  ErrorCode,
  | 'LTI_UNKNOWN_ISSUER'
  | 'LTI_BAD_AUDIENCE'
  | 'LTI_TOKEN_EXPIRED'
  | 'LTI_BAD_SIGNATURE'
  | 'LTI_NONCE_INVALID'
  | 'LTI_STATE_INVALID'
  | 'LTI_UNKNOWN_DEPLOYMENT'
  | 'LTI_BAD_MESSAGE'
  | 'LTI_EXAM_NOT_LINKED'
  | 'LTI_ROLE_NOT_ALLOWED'
  | 'LTI_ACCOUNT_CONFLICT'
  | 'LTI_ACCOUNT_DISABLED'
  | 'LTI_DEEP_LINK_INVALID'
>;

/** Each refusal's HTTP status and the sentence the person reads on the error page. */
const REFUSALS: Record<LtiErrorCode, { status: number; message: string }> = {
  LTI_UNKNOWN_ISSUER: {
    status: 400,
    message: 'This learning platform is not registered with Invigil; ask your administrator',
  },
  LTI_BAD_AUDIENCE: {
    status: 401,
    message: 'The launch was meant for another tool (its audience is not Invigil’s client ID)',
  },
  LTI_TOKEN_EXPIRED: {
    status: 401,
    message: 'The launch took too long or the clocks differ; open the link in your course again',
  },
  LTI_BAD_SIGNATURE: {
    status: 401,
    message: 'The launch could not be verified with the learning platform’s keys',
  },
  LTI_NONCE_INVALID: {
    status: 401,
    message: 'This launch was already used or does not belong to this sign-in; open the link again',
  },
  LTI_STATE_INVALID: {
    status: 400,
    message:
      'This launch expired or was started in another browser (or cookies are blocked); open the link in your course again',
  },
  LTI_UNKNOWN_DEPLOYMENT: {
    status: 403,
    message:
      'This deployment of Invigil in the learning platform is not registered; ask your administrator',
  },
  LTI_BAD_MESSAGE: {
    status: 400,
    message: 'The learning platform sent a launch Invigil does not understand',
  },
  LTI_EXAM_NOT_LINKED: {
    status: 404,
    message:
      'This link in your course is not connected to an Invigil exam yet; ask your instructor',
  },
  LTI_ROLE_NOT_ALLOWED: {
    status: 403,
    message: 'Your role in this course cannot open this in Invigil',
  },
  LTI_ACCOUNT_CONFLICT: {
    status: 409,
    message:
      'An Invigil account with your e-mail address cannot be linked to this learning platform; ask your administrator',
  },
  LTI_ACCOUNT_DISABLED: { status: 403, message: 'Your Invigil account is disabled' },
  LTI_DEEP_LINK_INVALID: {
    status: 404,
    message:
      'This exam choice expired or was already made; add the activity again from your course',
  },
};

/**
 * A refused launch with its stable code. `cause` is for the log and the audit trail only
 * (what exactly failed); the person is told the code and the sentence.
 */
export function ltiError(code: LtiErrorCode, cause?: string): AppError {
  const { status, message } = REFUSALS[code];
  const error = new AppError(status, code, message);
  // Causes may quote claims (role lists): kept short for the log and the audit trail.
  if (cause) error.cause = cause.slice(0, 500);
  return error;
}

/** The code of a refusal made here, or undefined for any other error. */
export function ltiCodeOf(error: unknown): LtiErrorCode | undefined {
  return error instanceof AppError && error.code in REFUSALS
    ? (error.code as LtiErrorCode)
    : undefined;
}
