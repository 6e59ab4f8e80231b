import { PASSWORD_MIN_LENGTH } from '@invigil/contracts';
import { ApiError, describeError, fieldErrors } from '../api/errors';

/**
 * What the "forgot password" page says once a link was asked for. The same words whether or
 * not the account exists: the server does not say, and neither does the page.
 */
export function resetRequestedText(linkMinutes: number | undefined): string {
  const within = linkMinutes ? `, within ${linkMinutes} minutes` : '';
  return (
    'If an account exists for that address, we have sent it a link to choose a new password. ' +
    `The link works once${within}. If nothing arrives, check your spam folder or ask again.`
  );
}

/** Field errors of a new password the browser can see before sending it. */
export function newPasswordProblems(password: string, repeat: string): Record<string, string> {
  const problems: Record<string, string> = {};
  if (password.length < PASSWORD_MIN_LENGTH) {
    problems.password = `Use at least ${PASSWORD_MIN_LENGTH} characters.`;
  }
  if (repeat !== password) problems.repeat = 'The two passwords do not match.';
  return problems;
}

/** What the reset page shows when setting the new password failed. */
export interface ResetFailure {
  /** Errors beside the fields, by field name (`password`). */
  fields: Record<string, string>;
  /** The message in the page's status region. */
  message: string;
  /** The link cannot be used (expired, used, replaced, unknown): offer a new one. */
  linkUnusable: boolean;
}

/** Turns a failed POST /api/auth/password-reset/confirm into what the page shows. */
export function resetFailure(error: unknown): ResetFailure {
  const code = error instanceof ApiError ? error.code : undefined;
  if (code === 'RESET_TOKEN_INVALID') {
    return {
      fields: {},
      message:
        'This link can no longer be used: it has expired, was used already, or a newer link was sent. Ask for a new link.',
      linkUnusable: true,
    };
  }
  const fields = fieldErrors(error);
  if (code === 'WEAK_PASSWORD') {
    return {
      fields: { password: describeError(error) },
      message: 'Choose another password: this one does not meet the rules.',
      linkUnusable: false,
    };
  }
  // A link cut short when copied fails validation of its token: it is unusable too.
  if ('token' in fields) {
    return {
      fields: {},
      message: 'This link is incomplete. Ask for a new link.',
      linkUnusable: true,
    };
  }
  return {
    fields,
    message: `Password not changed: ${describeError(error)}`,
    linkUnusable: false,
  };
}
