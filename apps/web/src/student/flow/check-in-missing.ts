import { CheckInStep } from '@invigil/contracts';
import { ApiError } from '../../api/errors';
import type { ItemMeta } from '../../capture/capture-store';
import type { QueueStatus } from '../../capture/upload-queue';

/** Check-in steps the page can send the student back to. */
export type RedoStep = 'check' | 'identity' | 'room';

/** What each step the server lacks means to the student. */
export const MISSING_TEXT: Record<CheckInStep, string> = {
  system_check: 'the system check has not passed',
  identity_face: 'the photo of your face has not arrived',
  identity_document: 'the photo of your identity document has not arrived',
  room_scan: 'the room scan has not arrived',
};

const REDO: Record<CheckInStep, RedoStep> = {
  system_check: 'check',
  identity_face: 'identity',
  identity_document: 'identity',
  room_scan: 'room',
};

/**
 * The steps the server says are missing, from its 409 CHECK_IN_INCOMPLETE answer to Start;
 * null for any other error. Unknown step names are left out, never guessed at.
 */
export function missingSteps(error: unknown): CheckInStep[] | null {
  if (!(error instanceof ApiError) || error.code !== 'CHECK_IN_INCOMPLETE') return null;
  const raw = (error.details as { missing?: unknown } | undefined)?.missing;
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((s) => {
    const step = CheckInStep.safeParse(s);
    return step.success ? [step.data] : [];
  });
}

/** The page steps to do again for what is missing, in check-in order, each once. */
export function stepsToRedo(missing: readonly CheckInStep[]): RedoStep[] {
  const wanted = new Set(missing.map((s) => REDO[s]));
  return (['check', 'identity', 'room'] as const).filter((s) => wanted.has(s));
}

/**
 * An identity photo (face or ID document) in the upload queue. The server fixes identity
 * photos once the attempt starts (a later one is refused, 409 IDENTITY_LOCKED), so Start
 * waits until every one of them, retakes included, has reached the server.
 */
export function isIdentityPhoto(item: Pick<ItemMeta, 'kind' | 'name'>): boolean {
  return item.kind === 'snapshot' && (item.name === 'id_face' || item.name === 'id_document');
}

/** Start's answer when identity photos are still on their way after the wait. */
export const IDENTITY_PHOTOS_PENDING =
  'Your identity photos have not reached the server yet, and they cannot be sent once the ' +
  'exam has started. Check your connection, then press Start exam again.';

/**
 * What Start shows while it waits for the check-in to reach the server (the photos, the room
 * scan and the system check result go through the upload queue like every recording).
 */
export function uploadProgress(status: Pick<QueueStatus, 'pending' | 'offline'>): string {
  if (status.offline) {
    return 'Waiting for the connection. Your check-in is saved on this computer and is sent as soon as you are back online.';
  }
  if (status.pending === 0) return 'Check-in received. Starting…';
  return `Sending your check-in to the server: ${status.pending} item${status.pending === 1 ? '' : 's'} left.`;
}
