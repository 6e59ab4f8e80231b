import type { FastifyInstance } from 'fastify';
import {
  FacePhotoCheck,
  IdParams,
  MAX_SNAPSHOT_BYTES,
  SNAPSHOT_CONTENT_TYPES,
} from '@invigil/contracts';
import type { FacePhotoChecker } from '../../services/detection/face-photo-check.js';
import { responses, zod } from '../responses.js';
import { actorOf } from '../route-policy.js';
import { RawBodySchema } from './schema.js';
import { acceptRaw, STUDENT_UPLOAD } from './upload-routes.js';

/**
 * `POST /api/sessions/:id/face-photo-check`: the server's verdict on a face photo, nothing
 * stored — the identity step asks before queueing the photo (so the student hears the reason
 * at once), and the practice run uses it before the exam opens.
 */
export async function faceCheckRoutes(app: FastifyInstance, opts: { faces: FacePhotoChecker }) {
  acceptRaw(app, SNAPSHOT_CONTENT_TYPES, MAX_SNAPSHOT_BYTES);
  zod(app).post(
    '/api/sessions/:id/face-photo-check',
    {
      bodyLimit: MAX_SNAPSHOT_BYTES,
      config: { auth: STUDENT_UPLOAD },
      schema: {
        tags: ['recording'],
        summary: 'Check a face photo without storing it (raw JPEG or PNG bytes)',
        description:
          '200 when the photo shows exactly one face, bright and sharp enough, passing the ' +
          'identity quality gate and described (`checked: false` when the server runs no ' +
          'detectors). 422 FACE_PHOTO_REJECTED with `details.problem` (no_face, several_faces, ' +
          'too_dark, too_blurred, too_small, too_bright, too_noisy, turned_away, unclear) otherwise. ' +
          'Allowed from check-in to the end of the attempt, and before check-in when the exam ' +
          'offers a practice run (else 409 PRACTICE_NOT_OFFERED); 409 SESSION_NOT_RECORDING ' +
          'once the attempt ended; 415 CONTENT_MISMATCH for bytes that are not the declared image.',
        consumes: [...SNAPSHOT_CONTENT_TYPES],
        params: IdParams,
        body: RawBodySchema,
        response: responses({ 200: FacePhotoCheck }),
      },
    },
    async (req) =>
      opts.faces.checkForSession(actorOf(req), req.params.id, req.body.bytes, req.body.mediaType),
  );
}
