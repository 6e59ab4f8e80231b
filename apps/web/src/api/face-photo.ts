import type { FacePhotoProblem } from '@invigil/contracts';
import { FacePhotoCheck, FacePhotoRejection } from '@invigil/contracts';
import { ApiError, api } from './client';

/** The server's verdict on a face photo: usable (`problem` null) or why not. */
export interface ServerFaceVerdict {
  problem: FacePhotoProblem | null;
  /** False when the server runs no detectors and so could not judge a usable-looking photo. */
  checked: boolean;
}

/**
 * `POST /api/sessions/:id/face-photo-check`: the server judges the photo and stores nothing.
 * A rejection (422 FACE_PHOTO_REJECTED) is an answer, not an error: its problem is returned.
 * Anything else that fails (unreachable, the attempt ended, a bad image) throws ApiError.
 */
export async function checkFacePhotoOnServer(
  sessionId: string,
  blob: Blob,
  signal?: AbortSignal,
): Promise<ServerFaceVerdict> {
  try {
    const ok = await api(`/api/sessions/${encodeURIComponent(sessionId)}/face-photo-check`, {
      schema: FacePhotoCheck,
      method: 'POST',
      raw: { data: blob, contentType: blob.type || 'image/jpeg' },
      signal,
    });
    return { problem: null, checked: ok.checked };
  } catch (e) {
    if (e instanceof ApiError && e.status === 422 && e.code === 'FACE_PHOTO_REJECTED') {
      const details = FacePhotoRejection.safeParse(e.details);
      if (details.success) return { problem: details.data.problem, checked: true };
    }
    throw e;
  }
}
