import { createHash } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import {
  FACE_PHOTO_PROBLEM_TEXT,
  ProctoringPolicy,
  type FacePhotoCheck,
  type FacePhotoRejection,
} from '@invigil/contracts';
import { judgeFacePhoto } from '@invigil/detection';
import type { Db } from '../../db/database.js';
import { exams, registrations } from '../../db/schema.js';
import { AppError, errors } from '../../errors.js';
import type { Clock } from '../../ports/clock.port.js';
import { isUnreadableImage, type Detector } from '../../ports/detector.port.js';
import type { Actor } from '../accounts/actor.js';
import { inspectSnapshot } from '../recording/media-signature.js';
import { contentError } from '../recording/upload-admission.js';
import { sessionForUpload, type SessionRow } from '../sessions/session-access.js';

/** How long a photo the server found usable is remembered (its upload is not analysed again). */
const PASSED_TTL_MS = 10 * 60_000;
/** Photos remembered at most (oldest forgotten first). */
const PASSED_MAX = 1000;

/**
 * Faces, the face's box measured (with the mesh, so the quality gate judges pose), and the
 * recognition network's descriptor: nothing else.
 */
const PARTS = { pose: true, embedding: true, objects: false, liveness: false };

const round = (v: number) => Math.round(v * 10) / 10;

/** Whether an exam's policy asks for the face photo check (identity photos on, check on). */
export const checksFacePhoto = (policy: ProctoringPolicy): boolean =>
  policy.identityCheck && policy.facePhotoCheck;

/**
 * The server's check of a check-in face photo (the browser checks first, but can be
 * bypassed): exactly one face, bright and sharp enough, passing the identity quality gate
 * (size, brightness, noise, blur, pose) and described by the recognition network
 * (`judgeFacePhoto`, the rule the browser uses). Runs on the Detector port (worker threads),
 * synchronously in the request, in its interactive lane (a student is waiting). A photo
 * found usable is remembered by session and SHA-256 for a few minutes in this process, so the
 * upload that follows a pre-check is not analysed twice. Without a detector
 * (DETECTION_ENABLED=false) the server cannot judge and accepts.
 */
export class FacePhotoChecker {
  private readonly passed = new Map<string, number>();

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly detector: Detector | undefined,
  ) {}

  /**
   * `POST /api/sessions/:id/face-photo-check`: judge a photo for the student's own session,
   * storing nothing. Allowed during check-in and the attempt (a proctor's re-enrolment), and
   * before it (`registered`) when the exam offers a practice run (else 409
   * PRACTICE_NOT_OFFERED); ended attempts are 409 SESSION_NOT_RECORDING.
   */
  async checkForSession(actor: Actor, sessionId: string, bytes: Buffer, contentType: string) {
    const session = await sessionForUpload(this.db, actor, sessionId, { anyState: true });
    const { policy, active } = await this.examOf(session);
    if (!active) throw errors.notFound('Session');
    if (session.state === 'registered') {
      if (!policy.practiceRun) {
        throw errors.conflict(
          'PRACTICE_NOT_OFFERED',
          'This exam does not offer a practice check-in; start the check-in when the exam opens',
        );
      }
    } else if (!['checking_in', 'in_progress', 'paused'].includes(session.state)) {
      throw errors.conflict(
        'SESSION_NOT_RECORDING',
        `A ${session.state} session takes no more photos`,
        { state: session.state },
      );
    }
    const verdict = inspectSnapshot(bytes, contentType);
    if (!verdict.ok) throw contentError(verdict, contentType);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const result = await this.judge(bytes);
    // Practice photos are never uploaded: nothing to remember them for.
    if (session.state !== 'registered') this.remember(`${sessionId}:${sha256}`);
    return result;
  }

  /**
   * Before an `id_face` upload is stored: 422 FACE_PHOTO_REJECTED unless the photo is usable
   * (or the exam does not ask for the check, or the same bytes passed moments ago).
   */
  async assertUpload(session: SessionRow, sha256: string, bytes: Buffer): Promise<void> {
    if (!checksFacePhoto((await this.examOf(session)).policy)) return;
    const key = `${session.id}:${sha256}`;
    if ((this.passed.get(key) ?? 0) > this.clock.now().getTime()) return;
    await this.judge(bytes);
    this.remember(key);
  }

  /** Analyse and judge; throws 422 with the problem, or 415 for bytes that are no image. */
  private async judge(bytes: Buffer): Promise<FacePhotoCheck> {
    if (!this.detector) {
      return { ok: true, checked: false, faces: 0, luminance: null, sharpness: null };
    }
    let analysis;
    try {
      // A student is waiting at check-in: not behind the queue's routine analyses.
      analysis = await this.detector.analyze(bytes, { parts: PARTS, quality: true }, 'interactive');
    } catch (err) {
      if (isUnreadableImage(err)) {
        throw new AppError(415, 'CONTENT_MISMATCH', 'The photo could not be read as an image');
      }
      throw err;
    }
    // An adapter that does not measure quality (a remote worker of an older version) is
    // judged on faces alone, one without the gate's measurements without the gate.
    const { quality } = analysis;
    const problem = judgeFacePhoto({
      faces: analysis.faces.length,
      frame: quality?.frame,
      face: quality?.face,
      gate: quality?.gate,
      described: (analysis.embedding?.length ?? 0) > 0,
    });
    const measured = quality?.face ?? quality?.frame;
    const luminance = measured ? round(measured.luminance) : null;
    const sharpness = measured ? round(measured.sharpness) : null;
    if (problem) {
      const details: FacePhotoRejection = {
        problem,
        faces: analysis.faces.length,
        luminance,
        sharpness,
      };
      throw new AppError(422, 'FACE_PHOTO_REJECTED', FACE_PHOTO_PROBLEM_TEXT[problem], details);
    }
    return {
      ok: true,
      checked: true,
      faces: analysis.faces.length,
      luminance,
      sharpness,
    };
  }

  private remember(key: string): void {
    this.passed.delete(key);
    this.passed.set(key, this.clock.now().getTime() + PASSED_TTL_MS);
    // A Map iterates in insertion order: the first keys are the oldest.
    for (const old of this.passed.keys()) {
      if (this.passed.size <= PASSED_MAX) break;
      this.passed.delete(old);
    }
  }

  /** The exam's policy, and whether the session's registration is still active. */
  private async examOf(
    session: SessionRow,
  ): Promise<{ policy: ProctoringPolicy; active: boolean }> {
    const [row] = await this.db
      .select({ policy: exams.policy, status: registrations.status })
      .from(exams)
      .innerJoin(registrations, eq(registrations.examId, exams.id))
      .where(and(eq(exams.id, session.examId), eq(registrations.id, session.registrationId)));
    if (!row) throw errors.notFound('Session');
    return { policy: ProctoringPolicy.parse(row.policy ?? {}), active: row.status === 'active' };
  }
}
