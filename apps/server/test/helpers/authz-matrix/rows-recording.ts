import { rawUpload, recordingSession } from './attempts.js';
import type { MatrixFixture } from './fixture.js';
import type { Row } from './row.js';

/** Uploads, events, recordings, flags and risk, and the bandwidth probe. */
export function recordingRows(f: MatrixFixture): Row[] {
  return [
    // callers an st os pA pX iA iX ad pT aT (letters: see outcomes.ts)
    {
      op: 'PUT /api/sessions/{id}/media/{track}/{seq}',
      expect: 'U  A  H  F  F  F  F  F  F  F',
      prepare: async () => rawUpload(await recordingSession(f), 'media'),
    },
    {
      op: 'PUT /api/sessions/{id}/snapshots/{kind}/{seq}',
      expect: 'U  A  H  F  F  F  F  F  F  F',
      prepare: async () => rawUpload(await recordingSession(f), 'snapshots'),
    },
    {
      op: 'POST /api/sessions/{id}/face-photo-check',
      expect: 'U  A  H  F  F  F  F  F  F  F',
      prepare: async () => {
        const { body, headers } = rawUpload(await recordingSession(f), 'snapshots');
        const path = `/api/sessions/${await recordingSession(f)}/face-photo-check`;
        return { path, body, headers: { 'content-type': headers?.['content-type'] ?? '' } };
      },
    },
    {
      op: 'POST /api/sessions/{id}/events',
      expect: 'U  A  H  F  F  F  F  F  F  F',
      prepare: async () => ({
        path: `/api/sessions/${await recordingSession(f)}/events`,
        body: { events: [{ seq: 1, type: 'page.visible', at: Date.now() }] },
      }),
    },
    {
      op: 'GET /api/sessions/{id}/events',
      expect: 'U  A  H  A  H  A  H  A  S  A',
      prepare: async () => ({ path: `/api/sessions/${await recordingSession(f)}/events` }),
    },
    {
      op: 'GET /api/sessions/{id}/recording',
      expect: 'U  A  H  A  H  A  H  A  S  A',
      prepare: async () => ({ path: `/api/sessions/${await recordingSession(f)}/recording` }),
    },
    {
      op: 'GET /api/sessions/{id}/media/{track}/{seq}',
      expect: 'U  A  H  A  H  A  H  A  S  A',
      prepare: async () => ({ path: `/api/sessions/${await recordingSession(f)}/media/webcam/0` }),
    },
    {
      op: 'GET /api/sessions/{id}/snapshots/{kind}/{seq}',
      expect: 'U  A  H  A  H  A  H  A  S  A',
      prepare: async () => ({
        path: `/api/sessions/${await recordingSession(f)}/snapshots/webcam/0`,
      }),
    },
    {
      // Students do not see flags or risk yet: their own session answers 404 too.
      op: 'GET /api/sessions/{id}/flags',
      expect: 'U  H  H  A  H  A  H  A  S  A',
      prepare: async () => ({ path: `/api/sessions/${await recordingSession(f)}/flags` }),
    },
    {
      op: 'GET /api/sessions/{id}/risk',
      expect: 'U  H  H  A  H  A  H  A  S  A',
      prepare: async () => ({ path: `/api/sessions/${await recordingSession(f)}/risk` }),
    },
    {
      op: 'POST /api/bandwidth-probe',
      expect: 'U  A  A  A  A  A  A  A  F  F',
      prepare: async () => ({
        path: '/api/bandwidth-probe',
        body: 'probe bytes',
        headers: { 'content-type': 'application/octet-stream' },
      }),
    },
  ];
}
