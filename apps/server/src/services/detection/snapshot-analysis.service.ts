import { buffer } from 'node:stream/consumers';
import { eq } from 'drizzle-orm';
import {
  SERVER_DETECT_EVENTS,
  type DetectAnalysisData,
  type DetectFailedData,
} from '@invigil/contracts';
import type { NodeAnalysis } from '@invigil/detection/node';
import type { Db } from '../../db/database.js';
import { examSessions, snapshots } from '../../db/schema.js';
import type { BlobStore } from '../../ports/blob-store.port.js';
import type { Clock } from '../../ports/clock.port.js';
import { isUnreadableImage, type Detector } from '../../ports/detector.port.js';
import { modelName, round } from './analysis-format.js';
import { LeaseLostError, type AnalysisQueue, type LeasedJob } from './analysis-queue.js';
import { IdentityAnalysis } from './identity-analysis.js';
import { openEmbedding } from './sealed-embedding.js';
import type { Keyring } from '../../crypto/master-keys.js';
import { appendServerEvents } from '../recording/session-events.service.js';

/**
 * What happened to a run, for the worker: after `analysed` (a result the flag rules read was
 * written: a webcam analysis, or an identity photo's enrolment or comparison) and `failed`
 * (given up: a `detect.failed` event) it re-judges flags; `retry` is a failed attempt the job
 * queue retries; `skipped`, nothing written (a later run took over, or the snapshot is gone).
 */
export type AnalysisOutcome = 'analysed' | 'skipped' | 'retry' | 'failed';

/** A run's outcome and, for a failed one, why. */
export interface AnalysisResult {
  outcome: AnalysisOutcome;
  error?: string;
  /**
   * Given up for a reason people should see in the dead letters (it kept failing); an
   * unreadable image is not one: it is evidence, shown as a flag.
   */
  deadLetter?: boolean;
}

/** The server's reading of a webcam snapshot, as stored in a `detect.analysis` event. */
function toAnalysisData(
  snapshot: { id: string; seq: number },
  a: NodeAnalysis,
): DetectAnalysisData {
  const main = a.faces[0];
  return {
    snapshotId: snapshot.id,
    snapshotSeq: snapshot.seq,
    faces: a.faces.length,
    faceScore: round(Math.max(0, ...a.faces.map((f) => f.score))),
    headTurned: main?.headTurned ?? false,
    headYaw: main?.headPose ? round(main.headPose.yaw) : null,
    objects: a.objects.map((o) => ({ label: o.label, score: round(o.score) })),
    identity: a.identity
      ? {
          similarity: round(a.identity.similarity),
          match: a.identity.match,
          status: a.identity.status,
          ...(a.identity.quality && { quality: a.identity.quality }),
        }
      : null,
    ...(main?.real !== undefined && { real: round(main.real) }),
    ...(main?.live !== undefined && { live: round(main.live) }),
    model: modelName(a),
    width: a.width,
    height: a.height,
    ms: Math.round(a.timings.total ?? 0),
  };
}

/**
 * Runs one analysis job: reads the snapshot, runs the detectors (in the Detector's
 * workers, never on the API's thread) and stores the result as a server event in the same
 * transaction that completes the job. Identity photos go to IdentityAnalysis: the face
 * photo's embedding becomes the session's reference for later snapshots, and the ID
 * document's face is compared with it.
 */
export class SnapshotAnalysisService {
  private readonly identity: IdentityAnalysis;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly blobs: BlobStore,
    private readonly detector: Detector,
    private readonly queue: AnalysisQueue,
    private readonly keyring: Keyring,
  ) {
    this.identity = new IdentityAnalysis(db, clock, blobs, detector, queue, keyring);
  }

  /** Run one begun analysis; `lastAttempt`: a failure now is given up, not retried. */
  async run(job: LeasedJob, lastAttempt: boolean): Promise<AnalysisResult> {
    const [row] = await this.db
      .select({ s: snapshots, enrolled: examSessions.enrolledEmbedding })
      .from(snapshots)
      .innerJoin(examSessions, eq(examSessions.id, snapshots.sessionId))
      .where(eq(snapshots.id, job.snapshotId));
    if (!row) {
      await this.queue.complete(job, this.clock.now(), async () => undefined);
      return { outcome: 'skipped' };
    }
    const snap = row.s;
    try {
      const blob = await this.blobs.get(snap.blobKey);
      if (!blob) throw new Error(`The snapshot's bytes are missing (${snap.blobKey})`);
      const bytes = await buffer(blob.stream);
      if (snap.kind === 'id_face' || snap.kind === 'id_document') {
        if (snap.kind === 'id_face') await this.identity.face(job, snap, bytes);
        else await this.identity.document(job, snap, bytes);
        return { outcome: 'analysed' };
      }
      const enrolled = openEmbedding(this.keyring, row.enrolled);
      const a = await this.detector.analyze(bytes, enrolled ? { enrolled } : {});
      await this.queue.complete(job, this.clock.now(), async (tx) => {
        await appendServerEvents(tx, snap.sessionId, [
          {
            type: SERVER_DETECT_EVENTS.analysis,
            clientMs: snap.takenMs,
            data: toAnalysisData(snap, a),
          },
        ]);
      });
      return { outcome: 'analysed' };
    } catch (error) {
      if (error instanceof LeaseLostError) return { outcome: 'skipped' };
      // Anything else is retried: a worker crash, or a race between two identity photos.
      const permanent = isUnreadableImage(error);
      const message = error instanceof Error ? error.message : String(error);
      const giveUp = permanent || lastAttempt;
      const data: DetectFailedData = {
        snapshotId: snap.id,
        snapshotKind: snap.kind,
        snapshotSeq: snap.seq,
        reason: permanent ? 'not a readable image' : `analysis kept failing: ${message}`,
      };
      const recorded = await this.queue.fail(job, message, this.clock.now(), giveUp, (tx) =>
        appendServerEvents(tx, snap.sessionId, [
          { type: SERVER_DETECT_EVENTS.failed, clientMs: snap.takenMs, data },
        ]).then(() => undefined),
      );
      if (!recorded) return { outcome: 'skipped' };
      if (!giveUp) return { outcome: 'retry', error: message };
      return { outcome: 'failed', error: message, deadLetter: !permanent };
    }
  }
}
