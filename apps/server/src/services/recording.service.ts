import { createHash, randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import type { MediaTrack, SnapshotKind, UploadAck } from '@invigil/contracts';
import type { Db, DbOrTx, Tx } from '../db/database.js';
import { mediaSegments, snapshots } from '../db/schema.js';
import { AppError, errors } from '../errors.js';
import type { BlobStore } from '../ports/blob-store.port.js';
import type { Clock } from '../ports/clock.port.js';
import type { Actor } from './actor.js';
import { assertRecording, sessionForUpload } from './recording-access.js';

/** The bytes of an upload and what the client declared about them. */
interface UploadBase {
  sessionId: string;
  seq: number;
  /** Hex SHA-256 the client computed (lower case). */
  sha256: string;
  /** The media type the body was sent as (allowed by the route). */
  contentType: string;
  bytes: Buffer;
}

/** `PUT /api/sessions/:id/media/:track/:seq`. */
export interface SegmentUpload extends UploadBase {
  track: MediaTrack;
  startMs: number;
  endMs: number;
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

/** How one kind of upload finds and inserts its row (segments and snapshots differ only here). */
interface Slot {
  /** The SHA-256 already stored for this (session, track|kind, seq), if any. */
  stored(db: DbOrTx): Promise<string | undefined>;
  /** Insert the row unless the slot is taken; true when this call inserted it. */
  insert(tx: Tx, blobKey: string): Promise<boolean>;
  /** Whether a row references `blobKey`. */
  references(db: DbOrTx, blobKey: string): Promise<boolean>;
}

const EXTENSIONS: Record<string, string> = {
  'video/webm': 'webm',
  'video/mp4': 'mp4',
  'audio/webm': 'webm',
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/webp': 'webp',
};

const sha256Hex = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/**
 * Recording ingest: segments and snapshots go to the blob store, then their rows to the
 * database, idempotently. Reading them back is RecordingPlaybackService.
 */
export class RecordingService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly blobs: BlobStore,
    /** Told of each snapshot newly stored (server analysis scheduling); must not throw. */
    private readonly onSnapshotStored?: (snapshot: StoredSnapshotInfo) => Promise<void>,
    /** Told of every new segment or snapshot (upload health on the live dashboard); must not throw. */
    private readonly onUploaded?: (session: { id: string; examId: string }) => void,
  ) {}

  /** Store one recording segment; idempotent by (session, track, seq) and hash. */
  async storeSegment(actor: Actor, u: SegmentUpload): Promise<UploadResult> {
    const slot = and(
      eq(mediaSegments.sessionId, u.sessionId),
      eq(mediaSegments.track, u.track),
      eq(mediaSegments.seq, u.seq),
    );
    return this.ingest(actor, u, `media/${u.track}`, {
      stored: async (db) =>
        (await db.select({ sha256: mediaSegments.sha256 }).from(mediaSegments).where(slot))[0]
          ?.sha256,
      insert: async (tx, blobKey) => {
        const rows = await tx
          .insert(mediaSegments)
          .values({
            sessionId: u.sessionId,
            track: u.track,
            seq: u.seq,
            startMs: u.startMs,
            endMs: u.endMs,
            sizeBytes: u.bytes.length,
            sha256: u.sha256,
            contentType: u.contentType,
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
    });
  }

  /** Store one snapshot; idempotent by (session, kind, seq) and hash. */
  async storeSnapshot(actor: Actor, u: SnapshotUpload): Promise<UploadResult> {
    const slot = and(
      eq(snapshots.sessionId, u.sessionId),
      eq(snapshots.kind, u.kind),
      eq(snapshots.seq, u.seq),
    );
    // The id of the row this call inserted, if it did: what onSnapshotStored hears of.
    let insertedId: string | undefined;
    const result = await this.ingest(actor, u, `snapshots/${u.kind}`, {
      stored: async (db) =>
        (await db.select({ sha256: snapshots.sha256 }).from(snapshots).where(slot))[0]?.sha256,
      insert: async (tx, blobKey) => {
        const rows = await tx
          .insert(snapshots)
          .values({
            sessionId: u.sessionId,
            kind: u.kind,
            seq: u.seq,
            takenMs: u.takenMs,
            sizeBytes: u.bytes.length,
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
    });
    if (insertedId !== undefined) {
      const { sessionId, kind, seq, takenMs } = u;
      await this.onSnapshotStored?.({ id: insertedId, sessionId, kind, seq, takenMs });
    }
    return result;
  }

  /**
   * The shared upload flow. Checks (owner, hash, already stored, state) run before any
   * byte is written. The blob is stored before its row, under a key unique to this attempt
   * (`<seq>-<sha256>-<nonce>`), so cleaning up after a lost race or a failed insert can
   * never remove bytes another request's row points to.
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
    assertRecording(session);

    const ext = EXTENSIONS[u.contentType.split(';')[0] ?? ''] ?? 'bin';
    const blobKey = `sessions/${u.sessionId}/${folder}/${u.seq}-${u.sha256}-${randomUUID().slice(0, 8)}.${ext}`;
    await this.blobs.put(blobKey, u.bytes, { contentType: u.contentType, sha256: u.sha256 });
    let inserted: boolean;
    try {
      inserted = await this.db.transaction(async (tx) => {
        // The state may have changed while the bytes were written.
        await sessionForUpload(tx, actor, u.sessionId, { lock: true });
        return slot.insert(tx, blobKey);
      });
    } catch (err) {
      await this.discard(blobKey, slot);
      throw err;
    }
    if (inserted) {
      this.onUploaded?.(session);
      return { ack: { stored: true, duplicate: false, sha256: u.sha256 }, created: true };
    }
    // A concurrent request filled the slot first; its row points to its own blob.
    await this.discard(blobKey, slot);
    return settle((await slot.stored(this.db)) ?? '', u.sha256);
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
