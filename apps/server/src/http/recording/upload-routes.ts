import type { FastifyInstance } from 'fastify';
import {
  MAX_SEGMENT_BYTES,
  MAX_SNAPSHOT_BYTES,
  MEDIA_CONTENT_TYPES,
  MediaParams,
  SNAPSHOT_CONTENT_TYPES,
  SnapshotParams,
  UploadAck,
} from '@invigil/contracts';
import { AppError } from '../../errors.js';
import type { RecordingService } from '../../services/recording.service.js';
import { responses, zod } from '../responses.js';
import { actorOf, type RoutePolicy } from '../route-policy.js';
import { MediaUploadHeaders, RawBody, RawBodySchema, SnapshotUploadHeaders } from './schema.js';

/** Uploads come from the student's browser session only (no API tokens). */
export const STUDENT_UPLOAD: RoutePolicy = { roles: ['student'], scope: null };

const tags = ['recording'];
const MAX_STORED_CONTENT_TYPE = 200;

/**
 * In this (encapsulated) plugin, accept exactly `types` as raw bytes up to `bodyLimit`;
 * parameters such as `;codecs=vp8,opus` are allowed. Any other body is 415.
 */
export function acceptRaw(app: FastifyInstance, types: readonly string[], bodyLimit: number): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser([...types], { parseAs: 'buffer', bodyLimit }, (req, body, done) => {
    const header = (req.headers['content-type'] ?? '').trim();
    const semi = header.indexOf(';');
    const mediaType = (semi < 0 ? header : header.slice(0, semi)).trim().toLowerCase();
    const params = semi < 0 ? '' : header.slice(semi);
    const full = `${mediaType}${params}`;
    const stored = full.length <= MAX_STORED_CONTENT_TYPE ? full : mediaType;
    done(null, new RawBody(body as Buffer, mediaType, stored));
  });
  app.addContentTypeParser('*', (_req, _payload, done) => {
    done(
      new AppError(
        415,
        'UNSUPPORTED_MEDIA_TYPE',
        `Send the raw bytes as one of: ${types.join(', ')}`,
        { accepted: types },
      ),
      undefined,
    );
  });
}

/** `PUT /api/sessions/:id/media/:track/:seq`: one recording segment. */
async function mediaUpload(app: FastifyInstance, opts: { recording: RecordingService }) {
  acceptRaw(app, MEDIA_CONTENT_TYPES, MAX_SEGMENT_BYTES);
  zod(app).put(
    '/api/sessions/:id/media/:track/:seq',
    {
      bodyLimit: MAX_SEGMENT_BYTES,
      config: { auth: STUDENT_UPLOAD },
      schema: {
        tags,
        summary: 'Upload one recording segment (raw bytes; idempotent by track, seq and hash)',
        description:
          '201 when stored now, 200 when the same bytes were already stored. 400 HASH_MISMATCH ' +
          'when the body does not hash to x-sha256, 409 UPLOAD_CONFLICT when different bytes ' +
          'hold this seq, 409 SESSION_NOT_RECORDING outside check-in…terminated, 413 above ' +
          `${MAX_SEGMENT_BYTES} bytes, 415 for other content types.`,
        consumes: [...MEDIA_CONTENT_TYPES],
        params: MediaParams,
        headers: MediaUploadHeaders,
        body: RawBodySchema,
        response: responses({ 200: UploadAck, 201: UploadAck }),
      },
    },
    async (req, reply) => {
      const result = await opts.recording.storeSegment(actorOf(req), {
        sessionId: req.params.id,
        track: req.params.track,
        seq: req.params.seq,
        startMs: req.headers['x-start-ms'],
        endMs: req.headers['x-end-ms'],
        sha256: req.headers['x-sha256'],
        contentType: req.body.contentType,
        bytes: req.body.bytes,
      });
      return reply.code(result.created ? 201 : 200).send(result.ack);
    },
  );
}

/** `PUT /api/sessions/:id/snapshots/:kind/:seq`: one still image. */
async function snapshotUpload(app: FastifyInstance, opts: { recording: RecordingService }) {
  acceptRaw(app, SNAPSHOT_CONTENT_TYPES, MAX_SNAPSHOT_BYTES);
  zod(app).put(
    '/api/sessions/:id/snapshots/:kind/:seq',
    {
      bodyLimit: MAX_SNAPSHOT_BYTES,
      config: { auth: STUDENT_UPLOAD },
      schema: {
        tags,
        summary: 'Upload one snapshot (raw image bytes; idempotent by kind, seq and hash)',
        description:
          'Same rules as segment uploads, with x-taken-ms instead of x-start-ms/x-end-ms ' +
          `and a limit of ${MAX_SNAPSHOT_BYTES} bytes.`,
        consumes: [...SNAPSHOT_CONTENT_TYPES],
        params: SnapshotParams,
        headers: SnapshotUploadHeaders,
        body: RawBodySchema,
        response: responses({ 200: UploadAck, 201: UploadAck }),
      },
    },
    async (req, reply) => {
      const result = await opts.recording.storeSnapshot(actorOf(req), {
        sessionId: req.params.id,
        kind: req.params.kind,
        seq: req.params.seq,
        takenMs: req.headers['x-taken-ms'],
        sha256: req.headers['x-sha256'],
        contentType: req.body.contentType,
        bytes: req.body.bytes,
      });
      return reply.code(result.created ? 201 : 200).send(result.ack);
    },
  );
}

/** The two raw-body upload routes, each in its own context with its own body parsers. */
export async function uploadRoutes(app: FastifyInstance, opts: { recording: RecordingService }) {
  await app.register(mediaUpload, opts);
  await app.register(snapshotUpload, opts);
}
