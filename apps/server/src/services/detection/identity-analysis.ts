import { buffer } from 'node:stream/consumers';
import { and, asc, desc, eq, inArray, lte } from 'drizzle-orm';
import {
  type CheckInFaceComparison,
  DetectEnrolmentData,
  DetectIdDocumentData,
  SERVER_DETECT_EVENTS,
} from '@invigil/contracts';
import { DEFAULT_THRESHOLDS, descriptorSimilarity } from '@invigil/detection';
import type { NodeAnalysis } from '@invigil/detection/node';
import type { Db, DbOrTx, Tx } from '../../db/database.js';
import { examSessions, sessionEvents, snapshots } from '../../db/schema.js';
import type { BlobStore } from '../../ports/blob-store.port.js';
import type { Clock } from '../../ports/clock.port.js';
import type { Detector } from '../../ports/detector.port.js';
import { modelName, round } from './analysis-format.js';
import type { Keyring } from '../../crypto/master-keys.js';
import type { AnalysisQueue, LeasedJob } from './analysis-queue.js';
import { openEmbedding, sealEmbedding } from './sealed-embedding.js';
import { appendServerEvents } from '../recording/session-events.service.js';

type SnapshotRow = typeof snapshots.$inferSelect;

/**
 * Identity photos need faces and their descriptors only: no pose, objects or liveness. Their
 * analysis runs from the analysis queue after the upload was accepted (nobody waits for it),
 * so it stays in the detector's background lane; the verdict a student waits for at check-in
 * is the face photo check's (`face-photo-check.ts`, interactive).
 */
const IDENTITY_PARTS = { parts: { pose: false, objects: false, liveness: false } } as const;

/**
 * Thrown when another identity photo's analysis committed while this one ran, so what this
 * one would write is out of date; the job is retried and sees the new state.
 */
export class IdentityRaceError extends Error {
  override name = 'IdentityRaceError';
}

/** A photo as the identity rules name it. */
interface PhotoRef {
  id: string;
  seq: number;
}

/** An ID document photo analysed earlier whose face waits for a comparison with a newer face. */
interface WaitingDocument extends PhotoRef {
  blobKey: string;
  takenMs: number;
}

/** The identity events of a session, parsed, in the order written. */
async function identityEvents(db: DbOrTx, sessionId: string) {
  const rows = await db
    .select({ type: sessionEvents.type, data: sessionEvents.data })
    .from(sessionEvents)
    .where(
      and(
        eq(sessionEvents.sessionId, sessionId),
        eq(sessionEvents.source, 'server'),
        inArray(sessionEvents.type, [
          SERVER_DETECT_EVENTS.enrolment,
          SERVER_DETECT_EVENTS.idDocument,
        ]),
      ),
    )
    .orderBy(asc(sessionEvents.seq));
  const enrolments: DetectEnrolmentData[] = [];
  const documents: DetectIdDocumentData[] = [];
  for (const r of rows) {
    if (r.type === SERVER_DETECT_EVENTS.enrolment) {
      const parsed = DetectEnrolmentData.safeParse(r.data);
      if (parsed.success) enrolments.push(parsed.data);
    } else {
      const parsed = DetectIdDocumentData.safeParse(r.data);
      if (parsed.success) documents.push(parsed.data);
    }
  }
  return { enrolments, documents };
}

/** The reference face: the newest identity photo whose analysis enrolled exactly one face. */
function referenceOf(enrolments: readonly DetectEnrolmentData[]): PhotoRef | null {
  let best: PhotoRef | null = null;
  for (const e of enrolments) {
    if (e.enrolled && (!best || e.snapshotSeq > best.seq)) {
      best = { id: e.snapshotId, seq: e.snapshotSeq };
    }
  }
  return best;
}

/**
 * The newest analysed ID document, if its face (it has one) was last compared with a face
 * photo older than `faceSeq`, or with none: a newer reference face must be compared with it.
 */
async function documentWaitingFor(
  db: DbOrTx,
  sessionId: string,
  faceSeq: number,
): Promise<WaitingDocument | null> {
  const { documents } = await identityEvents(db, sessionId);
  const latest = new Map<string, DetectIdDocumentData>();
  for (const d of documents) latest.set(d.snapshotId, d);
  const newest = [...latest.values()].sort((a, b) => b.snapshotSeq - a.snapshotSeq)[0];
  if (!newest || newest.faces === 0) return null;
  if (newest.faceSnapshotSeq !== null && newest.faceSnapshotSeq >= faceSeq) return null;
  const [row] = await db
    .select({ blobKey: snapshots.blobKey, takenMs: snapshots.takenMs })
    .from(snapshots)
    .where(eq(snapshots.id, newest.snapshotId));
  return row ? { id: newest.snapshotId, seq: newest.snapshotSeq, ...row } : null;
}

/** Holds the session row until the transaction ends: identity results are written one at a time. */
async function lockSession(tx: Tx, sessionId: string, keyring: Keyring) {
  const [row] = await tx
    .select({ enrolled: examSessions.enrolledEmbedding })
    .from(examSessions)
    .where(eq(examSessions.id, sessionId))
    .for('update');
  return openEmbedding(keyring, row?.enrolled);
}

const comparison = (
  doc: PhotoRef & { faces: number },
  face: PhotoRef | null,
  similarity: number | null,
  model: string,
): DetectIdDocumentData => ({
  snapshotId: doc.id,
  snapshotSeq: doc.seq,
  faces: doc.faces,
  faceSnapshotId: face?.id ?? null,
  faceSnapshotSeq: face?.seq ?? null,
  similarity: similarity === null ? null : round(similarity),
  match: similarity === null ? null : similarity >= DEFAULT_THRESHOLDS.identityMatch,
  model,
});

/**
 * The identity photos on the server: the face photo (`id_face`) becomes the session's
 * reference face, and the face on the ID document (`id_document`) is compared with it.
 * A face photo received after the attempt started (only a proctor's re-enrolment request
 * lets one in) is first compared with the check-in face photo, analysed again for this: it
 * becomes the reference only if it matches, and a mismatch is recorded for the rules to
 * flag (`identity_mismatch`), so a stand-in cannot enrol their own face mid-exam.
 * Whichever of the two is analysed second writes the comparison (`detect.id_document`): the
 * document's analysis compares with the reference enrolled by then; a newer reference face
 * compares with the newest document analysed before it. Both write under a lock on the
 * session row and re-check what the other wrote meanwhile, so a comparison is never lost.
 * Embeddings stay on the server (the reference in `exam_sessions.enrolled_embedding`).
 */
export class IdentityAnalysis {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly blobs: BlobStore,
    private readonly detector: Detector,
    private readonly queue: AnalysisQueue,
    private readonly keyring: Keyring,
  ) {}

  /**
   * Analyse a face photo. With exactly one face it becomes the reference unless a newer face
   * photo already is (photos taken after the start are only accepted for a proctor's
   * re-enrolment request, so a reference is replaced only then) or, for a photo received
   * after the start, unless it does not match the check-in face photo.
   */
  async face(job: LeasedJob, snap: SnapshotRow, bytes: Buffer): Promise<void> {
    const a = await this.detector.analyze(bytes, IDENTITY_PARTS);
    const embedding = a.faces.length === 1 ? a.embedding : undefined;
    const checkIn = await this.checkInComparison(snap, embedding);
    const eligible = !!embedding && checkIn?.match !== false;
    const waiting = eligible ? await documentWaitingFor(this.db, snap.sessionId, snap.seq) : null;
    const compared = waiting && embedding ? await this.compare(waiting, embedding) : null;
    await this.queue.complete(job, this.clock.now(), async (tx) => {
      await lockSession(tx, snap.sessionId, this.keyring);
      const reference = referenceOf((await identityEvents(tx, snap.sessionId)).enrolments);
      const becomesReference = eligible && (!reference || reference.seq <= snap.seq);
      const events: { type: string; clientMs: number; data: Record<string, unknown> }[] = [];
      const data: DetectEnrolmentData = {
        snapshotId: snap.id,
        snapshotSeq: snap.seq,
        faces: a.faces.length,
        enrolled: becomesReference,
        model: modelName(a),
        ...(checkIn && { checkIn }),
      };
      events.push({ type: SERVER_DETECT_EVENTS.enrolment, clientMs: snap.takenMs, data });
      if (becomesReference) {
        await tx
          .update(examSessions)
          .set({ enrolledEmbedding: sealEmbedding(this.keyring, embedding) })
          .where(eq(examSessions.id, snap.sessionId));
        const now = await documentWaitingFor(tx, snap.sessionId, snap.seq);
        if ((now?.id ?? null) !== (waiting?.id ?? null)) {
          throw new IdentityRaceError('An ID document was analysed meanwhile');
        }
        if (now && compared) {
          events.push({
            type: SERVER_DETECT_EVENTS.idDocument,
            clientMs: now.takenMs,
            data: comparison(
              { ...now, faces: compared.faces },
              { id: snap.id, seq: snap.seq },
              compared.similarity,
              compared.model,
            ),
          });
        }
      }
      await appendServerEvents(tx, snap.sessionId, events);
    });
  }

  /** Analyse an ID document photo and compare its face with the reference face, if any yet. */
  async document(job: LeasedJob, snap: SnapshotRow, bytes: Buffer): Promise<void> {
    const a = await this.detector.analyze(bytes, IDENTITY_PARTS);
    await this.queue.complete(job, this.clock.now(), async (tx) => {
      const enrolled = await lockSession(tx, snap.sessionId, this.keyring);
      const reference = referenceOf((await identityEvents(tx, snap.sessionId)).enrolments);
      const face = reference && enrolled ? reference : null;
      const similarity = face && enrolled ? similarityOf(a, enrolled) : null;
      await appendServerEvents(tx, snap.sessionId, [
        {
          type: SERVER_DETECT_EVENTS.idDocument,
          clientMs: snap.takenMs,
          data: comparison(
            { id: snap.id, seq: snap.seq, faces: a.faces.length },
            face,
            a.faces.length === 0 ? null : similarity,
            modelName(a),
          ),
        },
      ]);
    });
  }

  /**
   * For a face photo received after the attempt started: the check-in face photo (the
   * newest face photo received before the start), analysed again, and how the new face
   * compares with it. Undefined for check-in photos, and when no face photo came before the
   * start (nothing was enrolled that could be swapped).
   */
  private async checkInComparison(
    snap: SnapshotRow,
    embedding: readonly number[] | undefined,
  ): Promise<CheckInFaceComparison | undefined> {
    const [session] = await this.db
      .select({ startedAt: examSessions.startedAt })
      .from(examSessions)
      .where(eq(examSessions.id, snap.sessionId));
    const startedAt = session?.startedAt;
    if (!startedAt || snap.receivedAt.getTime() <= startedAt.getTime()) return undefined;
    const [original] = await this.db
      .select({ id: snapshots.id, seq: snapshots.seq, blobKey: snapshots.blobKey })
      .from(snapshots)
      .where(
        and(
          eq(snapshots.sessionId, snap.sessionId),
          eq(snapshots.kind, 'id_face'),
          lte(snapshots.receivedAt, startedAt),
        ),
      )
      .orderBy(desc(snapshots.seq))
      .limit(1);
    if (!original) return undefined;
    const blob = await this.blobs.get(original.blobKey);
    if (!blob) throw new Error(`The check-in face photo's bytes are missing (${original.blobKey})`);
    const o = await this.detector.analyze(await buffer(blob.stream), IDENTITY_PARTS);
    const reference = o.faces.length === 1 ? o.embedding : undefined;
    const similarity = reference && embedding ? descriptorSimilarity(embedding, reference) : null;
    return {
      snapshotId: original.id,
      snapshotSeq: original.seq,
      faces: o.faces.length,
      similarity: similarity === null ? null : round(similarity),
      match: similarity === null ? null : similarity >= DEFAULT_THRESHOLDS.identityMatch,
    };
  }

  /** Analyse a document photo again to compare its face with a new reference face. */
  private async compare(doc: WaitingDocument, reference: readonly number[]) {
    const blob = await this.blobs.get(doc.blobKey);
    if (!blob) throw new Error(`The ID document's bytes are missing (${doc.blobKey})`);
    const a = await this.detector.analyze(await buffer(blob.stream), IDENTITY_PARTS);
    return { faces: a.faces.length, similarity: similarityOf(a, reference), model: modelName(a) };
  }
}

/**
 * The similarity of an analysed photo's main face with a reference embedding; 0 when a face
 * was found but could not be described (it cannot be shown to match), null without a face.
 */
function similarityOf(a: NodeAnalysis, reference: readonly number[]): number | null {
  if (a.faces.length === 0) return null;
  return a.embedding ? descriptorSimilarity(a.embedding, reference) : 0;
}
