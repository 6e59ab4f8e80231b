import type { FastifyInstance } from 'fastify';
import {
  MAX_IMAGE_PIXELS,
  MAX_IMAGE_SIDE,
  MAX_SEGMENT_BYTES,
  MAX_SNAPSHOT_BYTES,
  MEDIA_CONTENT_TYPES,
  MediaParams,
  SNAPSHOT_CONTENT_TYPES,
  SnapshotParams,
  UploadAck,
} from '@invigil/contracts';
import { AppError } from '../../errors.js';
import type { RecordingService } from '../../services/recording/recording.service.js';
import { RE_ENROL_WINDOW_MS } from '../../services/recording/upload-admission.js';
import { responses, zod } from '../responses.js';
import { actorOf, type RoutePolicy } from '../route-policy.js';
import { parseUploadType } from './content-type.js';
import { MediaUploadHeaders, RawBody, RawBodySchema, SnapshotUploadHeaders } from './schema.js';

/** Uploads come from the student's browser session only (no API tokens). */
export const STUDENT_UPLOAD: RoutePolicy = { roles: ['student'], scope: null };

const tags = ['recording'];

/**
 * In this (encapsulated) plugin, accept exactly `types` as raw bytes up to `bodyLimit`. The
 * Content-Type is parsed strictly (parseUploadType): only the allow-listed bare type is kept,
 * plus allow-listed codecs when `withCodecs`; every other parameter is dropped, so nothing a
 * client writes in the header is stored or served. Any other type is 415.
 */
export function acceptRaw(
  app: FastifyInstance,
  types: readonly string[],
  bodyLimit: number,
  withCodecs = false,
): void {
  const unsupported = () =>
    new AppError(
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      `Send the raw bytes as one of: ${types.join(', ')}`,
      {
        accepted: types,
      },
    );
  app.removeAllContentTypeParsers();
  app.addContentTypeParser([...types], { parseAs: 'buffer', bodyLimit }, (req, body, done) => {
    const parsed = parseUploadType(req.headers['content-type'], types, withCodecs);
    if (!parsed) return done(unsupported(), undefined);
    done(null, new RawBody(body as Buffer, parsed.mediaType, parsed.codecs));
  });
  app.addContentTypeParser('*', (_req, _payload, done) => done(unsupported(), undefined));
}

/** `PUT /api/sessions/:id/media/:track/:seq`: one recording segment. */
async function mediaUpload(app: FastifyInstance, opts: { recording: RecordingService }) {
  acceptRaw(app, MEDIA_CONTENT_TYPES, MAX_SEGMENT_BYTES, true);
  zod(app).put(
    '/api/sessions/:id/media/:track/:seq',
    {
      bodyLimit: MAX_SEGMENT_BYTES,
      config: { auth: STUDENT_UPLOAD },
      schema: {
        tags,
        summary: 'Upload one recording segment (raw bytes; idempotent by track, seq and hash)',
        description:
          '201 when stored now, 200 when the same bytes were already stored (even after the ' +
          'session closed). 400 HASH_MISMATCH when the body does not hash to x-sha256, ' +
          '409 UPLOAD_CONFLICT when different bytes hold this seq, 409 SESSION_NOT_RECORDING ' +
          'outside check-in…terminated, 409 SESSION_CLOSED for anything new once the grace ' +
          'period after the end is over, 413 PAYLOAD_TOO_LARGE above ' +
          `${MAX_SEGMENT_BYTES} bytes, 413 QUOTA_EXCEEDED past the session's allowance for the ` +
          'track (bytes or seq), 415 UNSUPPORTED_MEDIA_TYPE for other content types (parameters ' +
          'other than allow-listed codecs are dropped), 415 CONTENT_MISMATCH when the bytes ' +
          'are not WebM (EBML) or MP4 (ftyp) as declared.',
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
        contentType: req.body.mediaType,
        codecs: req.body.codecs,
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
          `and a limit of ${MAX_SNAPSHOT_BYTES} bytes. The bytes must be a JPEG or PNG ` +
          'of the declared type with a readable header (else 415 CONTENT_MISMATCH) within ' +
          `${MAX_IMAGE_SIDE} px a side and ${MAX_IMAGE_PIXELS} pixels (else 413 IMAGE_TOO_LARGE). ` +
          'A new id_face or id_document photo once the attempt started is 409 IDENTITY_LOCKED ' +
          'unless a re_enrol request is open: not completed, sent at most ' +
          `${RE_ENROL_WINDOW_MS / 60_000} minutes ago, and not yet answered by a face and a ` +
          'document photo received after it.',
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
        contentType: req.body.mediaType,
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
