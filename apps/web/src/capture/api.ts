import { RecordingManifest, type MeResponse } from '@invigil/contracts';
import { api, query } from '../api/client';
import type { CsrfSource } from './upload-queue';

const enc = encodeURIComponent;

/**
 * The CSRF token for raw uploads, read from /api/auth/me (the same token the rest of the app
 * uses; the uploader sends bytes, not JSON, so it makes its own requests).
 */
export function meCsrfSource(fetchFn: typeof fetch = (...a) => fetch(...a)): CsrfSource {
  let token: string | null = null;
  let inflight: Promise<string | null> | null = null;
  const load = () => {
    inflight ??= (async () => {
      try {
        const response = await fetchFn('/api/auth/me', {
          credentials: 'same-origin',
          headers: { accept: 'application/json' },
        });
        if (!response.ok) return token;
        token = ((await response.json()) as MeResponse).csrfToken;
        return token;
      } catch {
        return token;
      } finally {
        inflight = null;
      }
    })();
    return inflight;
  };
  return {
    get: async () => token ?? load(),
    refresh: load,
  };
}

/** Recorded media of a session (staff, and the student where the server allows it). */
export const recordingApi = {
  manifest: (
    sessionId: string,
    range: { fromMs?: number; toMs?: number } = {},
    signal?: AbortSignal,
  ) =>
    api(
      `/api/sessions/${enc(sessionId)}/recording${query({ fromMs: range.fromMs, toMs: range.toMs })}`,
      { schema: RecordingManifest, signal },
    ),
  mediaUrl: (sessionId: string, track: string, seq: number) =>
    `/api/sessions/${enc(sessionId)}/media/${enc(track)}/${seq}`,
  snapshotUrl: (sessionId: string, kind: string, seq: number) =>
    `/api/sessions/${enc(sessionId)}/snapshots/${enc(kind)}/${seq}`,
};
