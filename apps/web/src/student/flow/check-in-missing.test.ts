import { describe, expect, it } from 'vitest';
import { ApiError } from '../../api/errors';
import type { QueueStatus } from '../../capture/upload-queue';
import {
  IDENTITY_PHOTOS_PENDING,
  isIdentityPhoto,
  MISSING_TEXT,
  missingSteps,
  stepsToRedo,
  uploadProgress,
} from './check-in-missing';

const incomplete = (missing: unknown) =>
  new ApiError({
    status: 409,
    code: 'CHECK_IN_INCOMPLETE',
    message: 'Check-in is not complete',
    details: { missing },
  });

describe('a check-in the server found incomplete', () => {
  it('reads the missing steps from the error, ignoring names it does not know', () => {
    expect(missingSteps(incomplete(['identity_document', 'room_scan']))).toEqual([
      'identity_document',
      'room_scan',
    ]);
    expect(missingSteps(incomplete(['system_check', 'teleport']))).toEqual(['system_check']);
    expect(missingSteps(incomplete(undefined))).toEqual([]);
    const other = new ApiError({ status: 409, code: 'CONSENT_REQUIRED', message: 'x' });
    expect(missingSteps(other)).toBeNull();
    expect(missingSteps(new Error('offline'))).toBeNull();
  });

  it('sends the student back to each page step once, in check-in order', () => {
    expect(stepsToRedo(['room_scan', 'identity_face', 'identity_document'])).toEqual([
      'identity',
      'room',
    ]);
    expect(stepsToRedo(['room_scan', 'system_check'])).toEqual(['check', 'room']);
    expect(stepsToRedo([])).toEqual([]);
  });

  it('names every step in words', () => {
    expect(MISSING_TEXT.identity_face).toMatch(/photo of your face/);
    expect(MISSING_TEXT.system_check).toMatch(/system check/);
  });
});

describe('upload progress before the start', () => {
  const status = (over: Partial<Pick<QueueStatus, 'pending' | 'offline'>>) => ({
    pending: 0,
    offline: false,
    ...over,
  });

  it('counts what is left, and says when it waits for the connection', () => {
    expect(uploadProgress(status({ pending: 3 }))).toMatch(/3 items left/);
    expect(uploadProgress(status({ pending: 1 }))).toMatch(/1 item left/);
    expect(uploadProgress(status({ pending: 2, offline: true }))).toMatch(
      /Waiting for the connection/,
    );
  });
});

describe('identity photos before the start', () => {
  it('are the face and document snapshots in the queue, nothing else', () => {
    expect(isIdentityPhoto({ kind: 'snapshot', name: 'id_face' })).toBe(true);
    expect(isIdentityPhoto({ kind: 'snapshot', name: 'id_document' })).toBe(true);
    expect(isIdentityPhoto({ kind: 'snapshot', name: 'webcam' })).toBe(false);
    expect(isIdentityPhoto({ kind: 'media', name: 'room_scan' })).toBe(false);
    expect(isIdentityPhoto({ kind: 'events', name: '' })).toBe(false);
    expect(IDENTITY_PHOTOS_PENDING).toMatch(/identity photos.*Start exam again/);
  });
});
