import { createHash, randomUUID } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
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
} from '../db/advisory-locks.js';
import type { Db, DbOrTx, Tx } from '../db/database.js';
import { mediaSegments, snapshots } from '../db/schema.js';
import { AppError, errors } from '../errors.js';
import type { BlobStore } from '../ports/blob-store.port.js';
import type { Clock } from '../ports/clock.port.js';
import type { Actor } from './actor.js';
import { inspectSegment, inspectSnapshot, type ContentVerdict } from './media-signature.js';
import {
  assertIngestOpen,
  DEFAULT_INGEST_GRACE_MS,
  sessionForUpload,
  type SessionRow,
} from './recording-access.js';
import {
  assertIdentityOpen,
  contentError,
  type ExamAllowance,
  loadExamAllowance,
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
  /** The SHA-256 already stored for this (session, track|kind, seq), if any. */
  stored(db: DbOrTx): Promise<string | undefined>;
  /**
   * Insert the row unless the slot is taken; true when this call inserted it. `totalBytes`:
   * the track's or kind's bytes with this upload, stored on the row as its running total.
   */
  insert(tx: Tx, blobKey: string, totalBytes: number): Promise<boolean>;
  /** Whether a row references `blobKey`. */
  references(db: DbOrTx, blobKey: string): Promise<boolean>;
  /**
   * Bytes already stored under this track or kind of the session: the highest running total
   * (one index lookup, however long the session).
   */
  usedBytes(db: DbOrTx): Promise<number>;
  /** The allowance of this track or kind at `now`. */
  quota(inputs: QuotaInputs, now: Date): Quota;
  /** What the bytes are, judged against the declared type. */
  inspect(): ContentVerdict;
  /**
   * A rule of this kind of upload beyond state and quota (identity photos); throws. Checked
   * before the bytes are written, and again in the insert's transaction under
   * IDENTITY_PHOTOS_LOCK, so concurrent uploads are admitted one after the other.
   */
  admit?(db: DbOrTx, session: SessionRow, now: Date): Promise<void>;
  /** A check of the bytes themselves (the face photo check); throws. Once, before writing. */
  check?(session: SessionRow): Promise<void>;
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
    upload: { target: UploadRefusedData['target']; name: MediaTrack | SnapshotKind },
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

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly blobs: BlobStore,
    private readonly options: RecordingOptions = {},
  ) {
    this.graceMs = options.ingestGraceMs ?? DEFAULT_INGEST_GRACE_MS;
    this.refusals = new RefusalLog(db, clock);
  }

  /** Store one recording segment; idempotent by (session, track, seq) and hash. */
  async storeSegment(actor: Actor, u: SegmentUpload): Promise<UploadResult> {
    const ofTrack = and(eq(mediaSegments.sessionId, u.sessionId), eq(mediaSegments.track, u.track));
    const slot = and(ofTrack, eq(mediaSegments.seq, u.seq));
    return this.ingest(actor, u, `media/${u.track}`, {
      target: 'media',
      name: u.track,
      stored: async (db) =>
        (await db.select({ sha256: mediaSegments.sha256 }).from(mediaSegments).where(slot))[0]
          ?.sha256,
      insert: async (tx, blobKey, totalBytes) => {
        const rows = await tx
          .insert(mediaSegments)
          .values({
            sessionId: u.sessionId,
            track: u.track,
            seq: u.seq,
            startMs: u.startMs,
            endMs: u.endMs,
            sizeBytes: u.bytes.length,
            trackBytes: totalBytes,
            sha256: u.sha256,
            contentType: u.contentType,
            codecs: u.codecs ?? null,
            blobKey,
            receivedAt: this.clock.now(),
          })
          .onConflictDoNothing({
            target: [mediaSegments.sessionId, mediaSegments.track, mediaSegments.seq],
          })
          .returning({ id: mediaSegments.id });
        return rows.length > 0;
      },
      references: async (db, blobKey) =>
        (
          await db
            .select({ id: mediaSegments.id })
            .from(mediaSegments)
            .where(and(slot, eq(mediaSegments.blobKey, blobKey)))
        ).length > 0,
      usedBytes: async (db) =>
        Number(
          (
            await db
              .select({ n: sql<string>`coalesce(max(${mediaSegments.trackBytes}), 0)` })
              .from(mediaSegments)
              .where(ofTrack)
          )[0]?.n ?? 0,
        ),
      quota: (inputs, now) => segmentQuota(inputs, u.track, now),
      inspect: () => inspectSegment(u.bytes, u.contentType),
    });
  }

  /** Store one snapshot; idempotent by (session, kind, seq) and hash. */
  async storeSnapshot(actor: Actor, u: SnapshotUpload): Promise<UploadResult> {
    const ofKind = and(eq(snapshots.sessionId, u.sessionId), eq(snapshots.kind, u.kind));
    const slot = and(ofKind, eq(snapshots.seq, u.seq));
    // The id of the row this call inserted, if it did: what onSnapshotStored hears of.
    let insertedId: string | undefined;
    const result = await this.ingest(actor, u, `snapshots/${u.kind}`, {
      target: 'snapshot',
      name: u.kind,
      stored: async (db) =>
        (await db.select({ sha256: snapshots.sha256 }).from(snapshots).where(slot))[0]?.sha256,
      insert: async (tx, blobKey, totalBytes) => {
        const rows = await tx
          .insert(snapshots)
          .values({
            sessionId: u.sessionId,
            kind: u.kind,
            seq: u.seq,
            takenMs: u.takenMs,
            sizeBytes: u.bytes.length,
            kindBytes: totalBytes,
            sha256: u.sha256,
            contentType: u.contentType,
            blobKey,
            receivedAt: this.clock.now(),
          })
          .onConflictDoNothing({ target: [snapshots.sessionId, snapshots.kind, snapshots.seq] })
          .returning({ id: snapshots.id });
        insertedId = rows[0]?.id;
        return rows.length > 0;
      },
      references: async (db, blobKey) =>
        (
          await db
            .select({ id: snapshots.id })
            .from(snapshots)
            .where(and(slot, eq(snapshots.blobKey, blobKey)))
        ).length > 0,
      usedBytes: async (db) =>
        Number(
          (
            await db
              .select({ n: sql<string>`coalesce(max(${snapshots.kindBytes}), 0)` })
              .from(snapshots)
              .where(ofKind)
          )[0]?.n ?? 0,
        ),
      quota: (inputs, now) => snapshotQuota(inputs, u.kind, now),
      inspect: () => inspectSnapshot(u.bytes, u.contentType),
      admit:
        u.kind === 'id_face' || u.kind === 'id_document'
          ? (db, session, now) => assertIdentityOpen(db, session, now)
          : undefined,
      check:
        u.kind === 'id_face' && this.options.checkFacePhoto
          ? (session) => this.options.checkFacePhoto!(session, u.sha256, u.bytes)
          : undefined,
    });
    if (insertedId !== undefined) {
      const { sessionId, kind, seq, takenMs } = u;
      await this.options.onSnapshotStored?.({ id: insertedId, sessionId, kind, seq, takenMs });
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
    const session = await sessionForUpload(this.db, actor, u.sessionId, { anyState: true });
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
    const before = await slot.stored(this.db);
    if (before !== undefined) return settle(before, u.sha256);
    try {
      return await this.admitAndStore(actor, session, u, folder, slot);
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
    session: SessionRow,
    u: UploadBase,
    folder: string,
    slot: Slot,
  ): Promise<UploadResult> {
    assertIngestOpen(session, this.clock.now(), this.graceMs);
    const verdict = slot.inspect();
    if (!verdict.ok) throw contentError(verdict, u.contentType);
    await slot.admit?.(this.db, session, this.clock.now());
    const exam = await loadExamAllowance(this.db, session);
    // Checked before writing (a refused upload costs no disk) and again under the lock.
    await this.assertQuota(this.db, session, u, slot, exam);
    // The costly check last: what cheaper rules refuse never reaches the detector.
    await slot.check?.(session);

    const ext = contentTypeExtension(u.contentType);
    const blobKey = `sessions/${u.sessionId}/${folder}/${u.seq}-${u.sha256}-${randomUUID().slice(0, 8)}.${ext}`;
    await this.blobs.put(blobKey, u.bytes, { contentType: u.contentType, sha256: u.sha256 });
    let inserted: boolean;
    try {
      inserted = await this.db.transaction(async (tx) => {
        // The state may have changed while the bytes were written.
        const locked = await sessionForUpload(tx, actor, u.sessionId, { lock: true });
        assertIngestOpen(locked, this.clock.now(), this.graceMs);
        if (slot.admit) {
          // Identity photos one at a time: each sees whether the one before closed the window.
          await lockInTransaction(tx, IDENTITY_PHOTOS_LOCK, u.sessionId);
          await slot.admit(tx, locked, this.clock.now());
        }
        // One upload per track or kind at a time is judged against what is stored, and its
        // running total written, so the totals never skip or count an upload twice.
        await lockInTransaction(tx, UPLOAD_QUOTA_LOCK, `${u.sessionId}/${folder}`);
        const used = await this.assertQuota(tx, locked, u, slot, exam);
        return slot.insert(tx, blobKey, used + u.bytes.length);
      });
    } catch (err) {
      await this.discard(blobKey, slot);
      throw err;
    }
    if (inserted) {
      this.options.onUploaded?.(session, { target: slot.target, name: slot.name });
      return { ack: { stored: true, duplicate: false, sha256: u.sha256 }, created: true };
    }
    // A concurrent request filled the slot first; its row points to its own blob.
    await this.discard(blobKey, slot);
    return settle((await slot.stored(this.db)) ?? '', u.sha256);
  }

  /**
   * 413 QUOTA_EXCEEDED when this upload passes the session's allowance for its track or kind;
   * otherwise the bytes already stored there.
   */
  private async assertQuota(
    db: DbOrTx,
    session: SessionRow,
    u: UploadBase,
    slot: Slot,
    exam: ExamAllowance,
  ): Promise<number> {
    const quota = slot.quota(quotaInputs(exam, session), this.clock.now());
    const usedBytes = await slot.usedBytes(db);
    const verdict = judgeUpload(quota, { seq: u.seq, sizeBytes: u.bytes.length, usedBytes });
    if (verdict.ok) return usedBytes;
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
