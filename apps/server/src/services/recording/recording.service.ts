import { createHash, randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import {
  contentTypeExtension,
  type MediaTrack,
  type SnapshotKind,
  type UploadAck,
  type UploadRefusedData,
} from '@invigil/contracts';
import {
  IDENTITY_PHOTOS_LOCK,
  lockInTransaction,
  UPLOAD_QUOTA_LOCK,
} from '../../db/advisory-locks.js';
import type { Db, DbOrTx } from '../../db/database.js';
import { mediaSegments, snapshots } from '../../db/schema.js';
import { AppError, errors } from '../../errors.js';
import type { BlobStore } from '../../ports/blob-store.port.js';
import type { Clock } from '../../ports/clock.port.js';
import type { Actor } from '../accounts/actor.js';
import { inspectSegment, inspectSnapshot, type ContentVerdict } from './media-signature.js';
import {
  assertIngestOpen,
  DEFAULT_INGEST_GRACE_MS,
  sessionForUpload,
  type SessionRow,
} from '../sessions/session-access.js';
import {
  assertIdentityOpen,
  contentError,
  type ExamAllowance,
  examAllowance,
  quotaError,
  quotaInputs,
} from './upload-admission.js';
import {
  judgeUpload,
  segmentQuota,
  snapshotQuota,
  type Quota,
  type QuotaInputs,
} from './upload-quota.js';
import { REFUSED_FOR_CONTENT, RefusalLog } from './upload-refusals.js';
import { type InsertOutcome, type UploadSession, UploadStatements } from './upload-statements.js';

/** The bytes of an upload and what the client declared about them. */
interface UploadBase {
  sessionId: string;
  seq: number;
  /** Hex SHA-256 the client computed (lower case). */
  sha256: string;
  /** The bare allow-listed media type the body was declared as (the route parsed it). */
  contentType: string;
  bytes: Buffer;
}

/** `PUT /api/sessions/:id/media/:track/:seq`. */
export interface SegmentUpload extends UploadBase {
  track: MediaTrack;
  startMs: number;
  endMs: number;
  /** Allow-listed codecs from the Content-Type (e.g. `vp8,opus`), if any. */
  codecs?: string | null;
}

/** `PUT /api/sessions/:id/snapshots/:kind/:seq`. */
export interface SnapshotUpload extends UploadBase {
  kind: SnapshotKind;
  takenMs: number;
}

/** A snapshot just stored, as `onSnapshotStored` hears of it. */
export interface StoredSnapshotInfo {
  id: string;
  sessionId: string;
  kind: SnapshotKind;
  seq: number;
  takenMs: number;
  /** Server time the row was stored (its `received_at`); absent: read it from the row. */
  receivedAt?: Date;
}

/** The ack, and whether this request stored it (201) or it was already stored (200). */
export interface UploadResult {
  ack: UploadAck;
  created: boolean;
}

/** How one kind of upload finds, judges and inserts its row (segments and snapshots differ here). */
interface Slot {
  target: UploadRefusedData['target'];
  /** The track or kind. */
  name: MediaTrack | SnapshotKind;
  /**
   * In the transaction holding the track's or kind's UPLOAD_QUOTA_LOCK: read the bytes
   * stored there and insert the row with its running total, unless that passes `maxBytes`
   * or the slot is taken (see UploadStatements.insertSegment).
   */
  insert(tx: DbOrTx, blobKey: string, maxBytes: number, receivedAt: Date): Promise<InsertOutcome>;
  /** Whether a row references `blobKey`. */
  references(db: DbOrTx, blobKey: string): Promise<boolean>;
  /** The allowance of this track or kind at `now`. */
  quota(inputs: QuotaInputs, now: Date): Quota;
  /** What the bytes are, judged against the declared type. */
  inspect(): ContentVerdict;
  /**
   * A rule of this kind of upload beyond state and quota (identity photos); throws. Checked
   * before the bytes are written, and again in the insert's transaction under
   * IDENTITY_PHOTOS_LOCK, so concurrent uploads are admitted one after the other.
   */
  admit?(db: DbOrTx, session: UploadSession, now: Date): Promise<void>;
  /** A check of the bytes themselves (the face photo check); throws. Once, before writing. */
  check?(actor: Actor): Promise<void>;
}

/** Options of the recording service. */
export interface RecordingOptions {
  /** How long after a session ended new uploads are still taken (default 15 minutes). */
  ingestGraceMs?: number;
  /** Told of each snapshot newly stored (server analysis scheduling); must not throw. */
  onSnapshotStored?: (snapshot: StoredSnapshotInfo) => Promise<void>;
  /** Told when a refused upload was recorded as an `upload.refused` event; must not throw. */
  onRefused?: (sessionId: string) => Promise<void>;
  /**
   * Judges an `id_face` photo before it is stored (FacePhotoChecker.assertUpload): throws 422
   * FACE_PHOTO_REJECTED for a photo without exactly one usable face, so nothing is enrolled.
   */
  checkFacePhoto?: (session: SessionRow, sha256: string, bytes: Buffer) => Promise<void>;
  /**
   * Told of every new segment or snapshot and what it was (upload health on the live
   * dashboard: video is a webcam or screen segment); must not throw.
   */
  onUploaded?: (
    session: { id: string; examId: string },
    upload: { target: UploadRefusedData['target']; name: MediaTrack | SnapshotKind; bytes: number },
  ) => void;
}

const sha256Hex = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/**
 * Recording ingest: segments and snapshots go to the blob store, then their rows to the
 * database, idempotently. Before any byte is written the server judges the upload: its
 * content against the declared type, the session's allowance, and (identity photos) whether
 * the attempt has started. Reading them back is RecordingPlaybackService.
 */
export class RecordingService {
  private readonly graceMs: number;
  private readonly refusals: RefusalLog;
  private readonly statements: UploadStatements;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly blobs: BlobStore,
    private readonly options: RecordingOptions = {},
  ) {
    this.graceMs = options.ingestGraceMs ?? DEFAULT_INGEST_GRACE_MS;
    this.refusals = new RefusalLog(db, clock);
    this.statements = new UploadStatements(db);
  }

  /** Store one recording segment; idempotent by (session, track, seq) and hash. */
  async storeSegment(actor: Actor, u: SegmentUpload): Promise<UploadResult> {
    return this.ingest(actor, u, `media/${u.track}`, {
      target: 'media',
      name: u.track,
      insert: (tx, blobKey, maxBytes, receivedAt) =>
        this.statements.insertSegment(
          tx,
          {
            sessionId: u.sessionId,
            track: u.track,
            seq: u.seq,
            startMs: u.startMs,
            endMs: u.endMs,
            sizeBytes: u.bytes.length,
            sha256: u.sha256,
            contentType: u.contentType,
            codecs: u.codecs ?? null,
            blobKey,
            receivedAt,
          },
          maxBytes,
        ),
      references: async (db, blobKey) =>
        (
          await db
            .select({ id: mediaSegments.id })
            .from(mediaSegments)
            .where(
              and(
                eq(mediaSegments.sessionId, u.sessionId),
                eq(mediaSegments.track, u.track),
                eq(mediaSegments.seq, u.seq),
                eq(mediaSegments.blobKey, blobKey),
              ),
            )
        ).length > 0,
      quota: (inputs, now) => segmentQuota(inputs, u.track, now),
      inspect: () => inspectSegment(u.bytes, u.contentType),
    });
  }

  /** Store one snapshot; idempotent by (session, kind, seq) and hash. */
  async storeSnapshot(actor: Actor, u: SnapshotUpload): Promise<UploadResult> {
    // The row this call inserted, if it did: what onSnapshotStored hears of.
    let inserted: { id: string; receivedAt: Date } | undefined;
    const checkFacePhoto = u.kind === 'id_face' ? this.options.checkFacePhoto : undefined;
    const result = await this.ingest(actor, u, `snapshots/${u.kind}`, {
      target: 'snapshot',
      name: u.kind,
      insert: async (tx, blobKey, maxBytes, receivedAt) => {
        const outcome = await this.statements.insertSnapshot(
          tx,
          {
            sessionId: u.sessionId,
            kind: u.kind,
            seq: u.seq,
            takenMs: u.takenMs,
            sizeBytes: u.bytes.length,
            sha256: u.sha256,
            contentType: u.contentType,
            blobKey,
            receivedAt,
          },
          maxBytes,
        );
        if (outcome.id !== undefined) inserted = { id: outcome.id, receivedAt };
        return outcome;
      },
      references: async (db, blobKey) =>
        (
          await db
            .select({ id: snapshots.id })
            .from(snapshots)
            .where(
              and(
                eq(snapshots.sessionId, u.sessionId),
                eq(snapshots.kind, u.kind),
                eq(snapshots.seq, u.seq),
                eq(snapshots.blobKey, blobKey),
              ),
            )
        ).length > 0,
      quota: (inputs, now) => snapshotQuota(inputs, u.kind, now),
      inspect: () => inspectSnapshot(u.bytes, u.contentType),
      admit:
        u.kind === 'id_face' || u.kind === 'id_document'
          ? (db, session, now) => assertIdentityOpen(db, session, now)
          : undefined,
      // The face check wants the whole row; identity photos are rare, so it is read here.
      check: checkFacePhoto
        ? async (a) =>
            checkFacePhoto(
              await sessionForUpload(this.db, a, u.sessionId, { anyState: true }),
              u.sha256,
              u.bytes,
            )
        : undefined,
    });
    if (inserted !== undefined) {
      const { sessionId, kind, seq, takenMs } = u;
      await this.options.onSnapshotStored?.({ ...inserted, sessionId, kind, seq, takenMs });
    }
    return result;
  }

  /**
   * The shared upload flow. Checks (owner, hash, already stored, state, content, quota) run
   * before any byte is written. The blob is stored before its row, under a key unique to
   * this attempt (`<seq>-<sha256>-<nonce>`), so cleaning up after a lost race or a failed
   * insert can never remove bytes another request's row points to.
   */
  private async ingest(
    actor: Actor,
    u: UploadBase,
    folder: string,
    slot: Slot,
  ): Promise<UploadResult> {
    if (actor.role !== 'student') {
      throw errors.forbidden('Only the student taking the exam uploads');
    }
    // One read: the session, its allowance, what the slot holds and what the track used.
    const ctx = await this.statements.context(slot.target, {
      sessionId: u.sessionId,
      name: slot.name,
      seq: u.seq,
    });
    if (!ctx || ctx.session.studentId !== actor.userId) throw errors.notFound('Session');
    if (u.bytes.length === 0) {
      throw errors.validation('The body is empty', [
        { path: 'body', message: 'Must not be empty' },
      ]);
    }
    const actual = sha256Hex(u.bytes);
    if (actual !== u.sha256) {
      throw errors.badRequest('HASH_MISMATCH', 'The body does not match x-sha256', {
        expected: u.sha256,
        actual,
      });
    }
    // A retry of something already stored is acknowledged even after the session closed.
    if (ctx.stored !== undefined) return settle(ctx.stored, u.sha256);
    try {
      return await this.admitAndStore(actor, ctx, u, folder, slot);
    } catch (err) {
      if (err instanceof AppError && REFUSED_FOR_CONTENT.has(err.code)) {
        const recorded = await this.refusals.record(u.sessionId, {
          target: slot.target,
          ...(slot.target === 'media'
            ? { track: slot.name as MediaTrack }
            : { kind: slot.name as SnapshotKind }),
          seq: u.seq,
          code: err.code as UploadRefusedData['code'],
          sizeBytes: u.bytes.length,
          declaredType: u.contentType,
        });
        // A refusal is evidence: the session's flags are judged again (never throws).
        if (recorded) await this.options.onRefused?.(u.sessionId);
      }
      throw err;
    }
  }

  private async admitAndStore(
    actor: Actor,
    ctx: { session: UploadSession; exam: Parameters<typeof examAllowance>[0]; usedBytes: number },
    u: UploadBase,
    folder: string,
    slot: Slot,
  ): Promise<UploadResult> {
    const { session } = ctx;
    assertIngestOpen(session, this.clock.now(), this.graceMs);
    const verdict = slot.inspect();
    if (!verdict.ok) throw contentError(verdict, u.contentType);
    await slot.admit?.(this.db, session, this.clock.now());
    const exam = examAllowance(ctx.exam);
    // Checked before writing (a refused upload costs no disk) and again under the lock.
    this.assertQuota(slot, u, this.quotaOf(slot, exam, session), ctx.usedBytes);
    // The costly check last: what cheaper rules refuse never reaches the detector.
    await slot.check?.(actor);

    const ext = contentTypeExtension(u.contentType);
    const blobKey = `sessions/${u.sessionId}/${folder}/${u.seq}-${u.sha256}-${randomUUID().slice(0, 8)}.${ext}`;
    await this.blobs.put(blobKey, u.bytes, { contentType: u.contentType, sha256: u.sha256 });
    const quotaKey = `${u.sessionId}/${folder}`;
    let inserted: boolean;
    try {
      inserted = await this.db.transaction(async (tx) => {
        // The state may have changed while the bytes were written. One upload per track or
        // kind at a time is judged against what is stored and its running total written, so
        // the totals never skip or count an upload twice: the row lock and that lock are
        // taken in one statement, the total read in the next (which sees every commit made
        // while this one waited). Identity photos first take IDENTITY_PHOTOS_LOCK instead,
        // so each sees whether the one before closed the window, then the quota lock.
        const locked = await this.statements.lockSession(tx, {
          sessionId: u.sessionId,
          lockClass: slot.admit ? IDENTITY_PHOTOS_LOCK : UPLOAD_QUOTA_LOCK,
          lockKey: slot.admit ? u.sessionId : quotaKey,
        });
        if (!locked || locked.studentId !== actor.userId) throw errors.notFound('Session');
        assertIngestOpen(locked, this.clock.now(), this.graceMs);
        if (slot.admit) {
          await slot.admit(tx, locked, this.clock.now());
          await lockInTransaction(tx, UPLOAD_QUOTA_LOCK, quotaKey);
        }
        const quota = this.quotaOf(slot, exam, locked);
        // The sequence rule needs no read; the byte rule is applied by the insert itself.
        this.assertQuota(slot, u, quota, 0, 0);
        const outcome = await slot.insert(tx, blobKey, quota.maxBytes, this.clock.now());
        if (outcome.id !== undefined) return true;
        // Not inserted: over the allowance (as judged now), or the slot is taken.
        this.assertQuota(slot, u, quota, outcome.usedBytes);
        return false;
      });
    } catch (err) {
      await this.discard(blobKey, slot);
      throw err;
    }
    if (inserted) {
      this.options.onUploaded?.(session, {
        target: slot.target,
        name: slot.name,
        bytes: u.bytes.length,
      });
      return { ack: { stored: true, duplicate: false, sha256: u.sha256 }, created: true };
    }
    // A concurrent request filled the slot first; its row points to its own blob.
    await this.discard(blobKey, slot);
    const stored = await this.statements.stored(slot.target, {
      sessionId: u.sessionId,
      name: slot.name,
      seq: u.seq,
    });
    return settle(stored ?? '', u.sha256);
  }

  /** The allowance of the upload's track or kind, for the session as it is now. */
  private quotaOf(
    slot: Slot,
    exam: ExamAllowance,
    session: Pick<SessionRow, 'startedAt' | 'endedAt' | 'pausedMs'>,
  ): Quota {
    return slot.quota(quotaInputs(exam, session), this.clock.now());
  }

  /**
   * 413 QUOTA_EXCEEDED when this upload (`sizeBytes`, default its length) on top of
   * `usedBytes` passes the allowance of its track or kind, or its seq is past it.
   */
  private assertQuota(
    slot: Slot,
    u: UploadBase,
    quota: Quota,
    usedBytes: number,
    sizeBytes = u.bytes.length,
  ): void {
    const verdict = judgeUpload(quota, { seq: u.seq, sizeBytes, usedBytes });
    if (verdict.ok) return;
    const name = slot.name.replace('_', ' ');
    throw quotaError(verdict, slot.target === 'media' ? `${name} recording` : `${name} snapshots`);
  }

  /**
   * Remove a blob no row points to. If the database cannot confirm that (it is down), the
   * blob stays: an unreferenced blob is never served and only costs space.
   */
  private async discard(blobKey: string, slot: Slot): Promise<void> {
    try {
      if (!(await slot.references(this.db, blobKey))) await this.blobs.delete(blobKey);
    } catch {
      // Leave the orphan; see above.
    }
  }
}

/** Same hash: an idempotent retry (200). Different hash: the slot holds other bytes (409). */
function settle(stored: string, sha256: string): UploadResult {
  if (stored === sha256) return { ack: { stored: true, duplicate: true, sha256 }, created: false };
  throw new AppError(
    409,
    'UPLOAD_CONFLICT',
    'Different bytes are already stored under this sequence number',
    {
      storedSha256: stored,
    },
  );
}
