import { z } from 'zod';
import { ErrorBody } from '@invigil/contracts';

/** Client timestamps must fall in this window (epoch ms); anything else is a broken clock. */
export const EARLIEST_CLIENT_MS = Date.UTC(2000, 0, 1);
export const LATEST_CLIENT_MS = Date.UTC(2100, 0, 1);
/** Longest segment accepted (end − start); segments are seconds long, this is headroom. */
export const MAX_SEGMENT_DURATION_MS = 15 * 60_000;

/**
 * A raw upload body. The bytes sit in a private field so that generic walkers over
 * `request.body` (the NUL input guard) see no enumerable properties and never iterate
 * megabytes of bytes one by one.
 */
export class RawBody {
  readonly #bytes: Buffer;
  constructor(
    bytes: Buffer,
    /** The allow-listed media type without parameters (e.g. `video/webm`). */
    readonly mediaType: string,
    /** Allow-listed codecs of a segment (e.g. `vp8,opus`), or null. */
    readonly codecs: string | null = null,
  ) {
    this.#bytes = bytes;
  }
  get bytes(): Buffer {
    return this.#bytes;
  }
}

/** Body schema of the upload routes: validates that the raw parser ran; documented as binary. */
export const RawBodySchema = z
  .custom<RawBody>((v) => v instanceof RawBody && v.bytes.length > 0, {
    message: 'Send the raw bytes as the body; it must not be empty',
  })
  .meta({ type: 'string', format: 'binary', description: 'The raw bytes of the file' });

const Sha256Header = z
  .string()
  .regex(/^[0-9a-fA-F]{64}$/, 'Must be the SHA-256 of the body as 64 hex digits')
  .transform((v) => v.toLowerCase());

const EpochMsHeader = z
  .string()
  .regex(/^\d{1,15}$/, 'Must be epoch milliseconds (digits only)')
  .transform(Number)
  .pipe(z.number().int().min(EARLIEST_CLIENT_MS).max(LATEST_CLIENT_MS));

/** Headers of `PUT /api/sessions/:id/media/:track/:seq` (other headers pass through). */
export const MediaUploadHeaders = z
  .looseObject({
    'x-sha256': Sha256Header.describe('SHA-256 of the body, 64 hex digits'),
    'x-start-ms': EpochMsHeader.describe('Capture start, epoch ms by the client clock'),
    'x-end-ms': EpochMsHeader.describe('Capture end, epoch ms by the client clock'),
  })
  .refine((h) => h['x-end-ms'] >= h['x-start-ms'], {
    path: ['x-end-ms'],
    message: 'Must not be before x-start-ms',
  })
  .refine((h) => h['x-end-ms'] - h['x-start-ms'] <= MAX_SEGMENT_DURATION_MS, {
    path: ['x-end-ms'],
    message: `A segment lasts at most ${MAX_SEGMENT_DURATION_MS / 60_000} minutes`,
  });

/** Headers of `PUT /api/sessions/:id/snapshots/:kind/:seq`. */
export const SnapshotUploadHeaders = z.looseObject({
  'x-sha256': Sha256Header.describe('SHA-256 of the body, 64 hex digits'),
  'x-taken-ms': EpochMsHeader.describe('When it was taken, epoch ms by the client clock'),
});

const Binary = z.string().meta({ format: 'binary' });

/** A binary response documented once per content type (served as a stream, never serialised). */
export function binaryResponse(types: readonly string[], description: string) {
  return {
    description,
    content: Object.fromEntries(types.map((t) => [t, { schema: Binary }])),
  };
}

/** Response schemas of the blob download routes: whole (200), one range (206), errors. */
export function downloadResponses(types: readonly string[]) {
  return {
    200: binaryResponse(
      types,
      'The stored bytes as their allow-listed type, with fixed nosniff, sandbox CSP and CORP headers',
    ),
    206: binaryResponse(types, 'One byte range of the stored bytes'),
    400: ErrorBody,
    401: ErrorBody,
    403: ErrorBody,
    404: ErrorBody,
    416: ErrorBody,
  };
}
