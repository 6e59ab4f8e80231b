import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import {
  ClientEventBatch,
  EventBatchAck,
  IdParams,
  MEDIA_CONTENT_TYPES,
  MediaParams,
  RecordingManifest,
  RecordingQuery,
  SessionEvent,
  SNAPSHOT_CONTENT_TYPES,
  SnapshotParams,
} from '@invigil/contracts';
import type {
  RecordingPlaybackService,
  StoredBlob,
} from '../../services/recording/recording-playback.service.js';
import type { RecordingService } from '../../services/recording/recording.service.js';
import type { SessionEventService } from '../../services/recording/session-events.service.js';
import { EVENT_DATA_MAX_BYTES } from '../../services/recording/upload-quota.js';
import { responses, zod } from '../responses.js';
import { SESSION_READ, actorOf } from '../route-policy.js';
import { blobHeaders } from './blob-headers.js';
import { parseByteRange } from './byte-range.js';
import { downloadResponses } from './schema.js';
import { STUDENT_UPLOAD, uploadRoutes } from './upload-routes.js';

const tags = ['recording'];

/**
 * Serve stored bytes with fixed headers (blobHeaders: allow-listed type, nosniff, a sandbox
 * CSP, same-origin CORP, inline with a fixed name), a strong ETag (the SHA-256) and
 * single-range support. The fixed headers go on 200, 206 and 304 alike.
 */
async function sendBlob(
  req: FastifyRequest,
  reply: FastifyReply,
  playback: RecordingPlaybackService,
  blob: StoredBlob,
  served: { allowed: readonly string[]; basename: 'segment' | 'snapshot' },
) {
  const etag = `"${blob.sha256}"`;
  void reply
    .headers(blobHeaders(blob.contentType, served.allowed, served.basename))
    .header('etag', etag)
    .header('cache-control', 'private')
    .header('accept-ranges', 'bytes');
  const match = req.headers['if-none-match'];
  // If-None-Match compares weakly: W/"x" matches "x".
  const offered = match?.split(',').map((t) => t.trim().replace(/^W\//, '')) ?? [];
  if (offered.includes(etag) || offered.includes('*')) {
    return reply.code(304).send();
  }
  const range = parseByteRange(req.headers.range, blob.size);
  const read = await playback.open(blob, range);
  if (!range) return reply.code(200).header('content-length', read.size).send(read.stream);
  return reply
    .code(206)
    .header('content-range', `bytes ${range.start}-${range.end}/${read.size}`)
    .header('content-length', range.end - range.start + 1)
    .send(read.stream);
}

/**
 * Recording ingest and playback: raw segment and snapshot uploads, client event batches,
 * the manifest, the stored bytes and the event timeline. Reads: the student's own session,
 * staff of the exam (audited), tokens with sessions:read.
 */
export async function recordingRoutes(
  app: FastifyInstance,
  opts: {
    recording: RecordingService;
    playback: RecordingPlaybackService;
    events: SessionEventService;
    /** Which half this process serves: uploads (role `ingest`), reads (role `api`). */
    serve: { ingest: boolean; read: boolean };
  },
) {
  const r = zod(app);
  if (opts.serve.ingest) {
    await app.register(uploadRoutes, { recording: opts.recording });
    registerEventIngest(r, opts.events);
  }
  if (opts.serve.read) registerReads(r, opts.playback, opts.events);
}

type Routes = ReturnType<typeof zod>;

/** Client event batches: part of ingest, with the uploads. */
function registerEventIngest(r: Routes, events: SessionEventService) {
  r.post(
    '/api/sessions/:id/events',
    {
      config: { auth: STUDENT_UPLOAD },
      schema: {
        tags,
        summary: 'Report integrity events from the browser (idempotent by seq; first write wins)',
        description:
          "413 QUOTA_EXCEEDED when the batch passes the session's event allowance (a sequence " +
          "number beyond what the attempt's time allows so far, or an event carrying more " +
          `than ${EVENT_DATA_MAX_BYTES} bytes of data): nothing of the batch is stored. ` +
          '409 SESSION_CLOSED for new events once the grace period after the end is over.',
        params: IdParams,
        body: ClientEventBatch,
        response: responses({ 200: EventBatchAck }),
      },
    },
    async (req) => events.recordClientEvents(actorOf(req), req.params.id, req.body),
  );
}

/** The event timeline, the manifest and the stored bytes. */
function registerReads(r: Routes, playback: RecordingPlaybackService, events: SessionEventService) {
  r.get(
    '/api/sessions/:id/events',
    {
      config: { auth: SESSION_READ },
      schema: {
        tags,
        summary:
          'The event timeline of a session: client events, then server events, by seq ' +
          "(students do not see the server's detector analysis)",
        params: IdParams,
        response: responses({ 200: z.array(SessionEvent) }),
      },
    },
    async (req) => events.list(actorOf(req), req.params.id),
  );

  r.get(
    '/api/sessions/:id/recording',
    {
      config: { auth: SESSION_READ },
      schema: {
        tags,
        summary: 'Recording manifest: segments, snapshots and gaps, optionally within a time range',
        description:
          'fromMs/toMs are client-clock epoch ms. `complete` is judged over the whole session: ' +
          'a webcam or screen track exists and no track has a missing seq, a pause over 2 s ' +
          'between segments, or (once ended) stops over 10 s before the end.',
        params: IdParams,
        querystring: RecordingQuery,
        response: responses({ 200: RecordingManifest }),
      },
    },
    async (req) => playback.manifest(actorOf(req), req.params.id, req.query),
  );

  r.get(
    '/api/sessions/:id/media/:track/:seq',
    {
      config: { auth: SESSION_READ },
      schema: {
        tags,
        summary: 'The bytes of one segment (supports a single Range and If-None-Match)',
        params: MediaParams,
        response: downloadResponses(MEDIA_CONTENT_TYPES),
      },
    },
    async (req, reply) => {
      const { id, track, seq } = req.params;
      const blob = await playback.findSegment(actorOf(req), id, track, seq);
      return sendBlob(req, reply, playback, blob, {
        allowed: MEDIA_CONTENT_TYPES,
        basename: 'segment',
      });
    },
  );

  r.get(
    '/api/sessions/:id/snapshots/:kind/:seq',
    {
      config: { auth: SESSION_READ },
      schema: {
        tags,
        summary: 'The bytes of one snapshot (supports a single Range and If-None-Match)',
        params: SnapshotParams,
        response: downloadResponses(SNAPSHOT_CONTENT_TYPES),
      },
    },
    async (req, reply) => {
      const { id, kind, seq } = req.params;
      const blob = await playback.findSnapshot(actorOf(req), id, kind, seq);
      return sendBlob(req, reply, playback, blob, {
        allowed: SNAPSHOT_CONTENT_TYPES,
        basename: 'snapshot',
      });
    },
  );
}
