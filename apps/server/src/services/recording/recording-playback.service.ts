import { and, eq } from 'drizzle-orm';
import type { MediaTrack, RecordingManifest, SnapshotKind } from '@invigil/contracts';
import type { Db } from '../../db/database.js';
import { mediaSegments, snapshots } from '../../db/schema.js';
import { errors } from '../../errors.js';
import type { BlobRead, BlobStore, ByteRange } from '../../ports/blob-store.port.js';
import type { Clock } from '../../ports/clock.port.js';
import type { Actor } from '../accounts/actor.js';
import { auditRecordingView, sessionForRead } from '../sessions/session-access.js';
import { buildManifest } from './recording-manifest.js';
import { ownManifest } from '../sessions/student-view.js';

/** A stored segment or snapshot located for reading. */
export interface StoredBlob {
  blobKey: string;
  contentType: string;
  sha256: string;
  size: number;
}

/**
 * Reading a recording: the manifest and the stored bytes, for the student and the exam's
 * staff only. Staff access is written to the audit log (`recording.view`).
 */
export class RecordingPlaybackService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly blobs: BlobStore,
  ) {}

  /**
   * The manifest of a session's recording; staff views are audited. Gaps and completeness
   * are for staff: the student gets what was stored (their client raises its counters from it).
   */
  async manifest(
    actor: Actor,
    sessionId: string,
    range: { fromMs?: number; toMs?: number },
  ): Promise<RecordingManifest> {
    const row = await sessionForRead(this.db, actor, sessionId);
    const manifest = await buildManifest(this.db, row, range, this.clock.now());
    await auditRecordingView(this.db, actor, row, 'manifest', this.clock.now(), {
      fromMs: range.fromMs ?? null,
      toMs: range.toMs ?? null,
    });
    return actor.role === 'student' ? ownManifest(manifest) : manifest;
  }

  /** Locate a stored segment the actor may read. */
  async findSegment(
    actor: Actor,
    sessionId: string,
    track: MediaTrack,
    seq: number,
  ): Promise<StoredBlob> {
    const row = await sessionForRead(this.db, actor, sessionId);
    const [seg] = await this.db
      .select()
      .from(mediaSegments)
      .where(
        and(
          eq(mediaSegments.sessionId, sessionId),
          eq(mediaSegments.track, track),
          eq(mediaSegments.seq, seq),
        ),
      );
    if (!seg) throw errors.notFound('Segment');
    await auditRecordingView(this.db, actor, row, 'media', this.clock.now(), { track, seq });
    return {
      blobKey: seg.blobKey,
      contentType: seg.contentType,
      sha256: seg.sha256,
      size: seg.sizeBytes,
    };
  }

  /** Locate a stored snapshot the actor may read. */
  async findSnapshot(
    actor: Actor,
    sessionId: string,
    kind: SnapshotKind,
    seq: number,
  ): Promise<StoredBlob> {
    const row = await sessionForRead(this.db, actor, sessionId);
    const [shot] = await this.db
      .select()
      .from(snapshots)
      .where(
        and(eq(snapshots.sessionId, sessionId), eq(snapshots.kind, kind), eq(snapshots.seq, seq)),
      );
    if (!shot) throw errors.notFound('Snapshot');
    await auditRecordingView(this.db, actor, row, 'snapshot', this.clock.now(), { kind, seq });
    return {
      blobKey: shot.blobKey,
      contentType: shot.contentType,
      sha256: shot.sha256,
      size: shot.sizeBytes,
    };
  }

  /** Stream a located blob, whole or one byte range. A missing blob is a server fault (500). */
  async open(blob: StoredBlob, range?: ByteRange): Promise<BlobRead> {
    const read = await this.blobs.get(blob.blobKey, range);
    if (!read) throw new Error(`Blob ${blob.blobKey} is missing from the blob store`);
    return read;
  }
}
