import { ERROR_CODES } from '@invigil/contracts';

/**
 * Refusals a student must hear about: the server will never take this item, and the reason
 * is something only the proctor can sort out. The item is dropped (logged as for every
 * refusal below); nothing else is.
 */
const REFUSAL_MESSAGES: Record<string, string> = {
  QUOTA_EXCEEDED:
    'Your recording exceeded this exam’s upload allowance, so the server refused part of it. ' +
    'Tell your proctor; everything else keeps uploading.',
  SESSION_CLOSED:
    'This exam no longer accepts uploads, so recordings still on this computer could not be ' +
    'sent. Tell your proctor.',
  CONTENT_MISMATCH:
    'The server refused a recording file that was not valid. Tell your proctor; everything ' +
    'else keeps uploading.',
  IMAGE_TOO_LARGE:
    'The server refused a picture that was too large. Tell your proctor; everything else ' +
    'keeps uploading.',
  IDENTITY_LOCKED:
    'The server no longer accepts new identity photos for this exam (they are fixed once it ' +
    'has started, and a request for new ones takes one set within 15 minutes). Tell your ' +
    'proctor if they still need them; everything else keeps uploading.',
  FACE_PHOTO_REJECTED:
    'The server refused your face photo because it does not clearly show exactly one face ' +
    '(no face, several faces, too dark or too blurred). Tell your proctor so they can ask ' +
    'for a new photo; everything else keeps uploading.',
  SESSION_NOT_RECORDING:
    'This exam session is not recording, so the server refused an upload. Tell your proctor; ' +
    'everything else keeps uploading.',
};

/** Refusals of our own making that retrying can never fix and the student cannot act on. */
const SILENT_DROP_CODES = new Set([
  'UPLOAD_CONFLICT',
  'HASH_MISMATCH',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'VALIDATION_FAILED',
  'INVALID_JSON',
]);

/**
 * Refusals (4xx) that depend on the moment or on who is signed in in this browser, not on the
 * item: signed out, a stale CSRF token, rate limited, another account signed in (forbidden,
 * not found), a change that raced. The item is kept and sent again.
 */
const RETRY_CODES = new Set([
  'UNAUTHENTICATED',
  'CSRF_FAILED',
  'RATE_LIMITED',
  'FORBIDDEN',
  'INSUFFICIENT_SCOPE',
  'NOT_FOUND',
  'ROUTE_NOT_FOUND',
  'METHOD_NOT_ALLOWED',
  'ACCOUNT_LOCKED',
  'SIGN_IN_THROTTLED',
  'ACCOUNT_DISABLED',
  'CONFLICT',
  'UPGRADE_REQUIRED',
]);

const KNOWN_CODES: ReadonlySet<string> = new Set(ERROR_CODES);

/**
 * Whether the server refused an item for good: any 4xx with one of the API's own error
 * codes, except those in RETRY_CODES (and 408/429). A 4xx without our error body (a proxy's
 * page) is not the server's verdict on the item: it is kept and retried.
 */
export function isPermanentRefusal(status: number, code: string): boolean {
  if (status < 400 || status >= 500 || status === 408 || status === 429) return false;
  return KNOWN_CODES.has(code) && !RETRY_CODES.has(code);
}

/** What to tell the student about a permanent refusal with `code`, or null if nothing. */
export function refusalMessage(code: string): string | null {
  if (SILENT_DROP_CODES.has(code)) return null;
  return (
    REFUSAL_MESSAGES[code] ??
    `The server refused part of your recording for good (${code}). Tell your proctor; ` +
      'everything else keeps uploading.'
  );
}
