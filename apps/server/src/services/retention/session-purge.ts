import { and, asc, eq, inArray, isNull } from 'drizzle-orm';
import type { DeletedCounts, RetentionRule } from '@invigil/contracts';
import type { Db, Tx } from '../../db/database.js';
import { deletionRecords, examSessions, exams, mediaSegments, snapshots } from '../../db/schema.js';
import type { BlobStore } from '../../ports/blob-store.port.js';
import type { Clock } from '../../ports/clock.port.js';
import { appendAudit } from '../audit/audit.service.js';
import type { SessionRow } from '../sessions/sessions.service.js';

/**
 * What a purge removes. `media`: recording segments (webcam, screen, room scan) and webcam and
 * screen snapshots; `identity`: identity and ID document photos and the face descriptor;
 * `all`: both.
 */
export type EvidenceScope = 'media' | 'identity' | 'all';

/** Snapshot kinds that are media; the others (id_face, id_document) are identity evidence. */
export const MEDIA_SNAPSHOT_KINDS = ['webcam', 'screen'] as const;
/** Snapshot kinds that are identity evidence. */
export const IDENTITY_SNAPSHOT_KINDS = ['id_face', 'id_document'] as const;

/** What the purge needs. */
export interface PurgeDeps {
  db: Db;
  blobs: BlobStore;
  clock: Clock;
}

/** One session's purge: what, why, and on whose behalf. */
export interface PurgeRequest {
  sessionId: string;
  scope: EvidenceScope;
  rule: RetentionRule;
  trigger: 'job' | 'admin';
  actorId: string | null;
  runId: string;
  /**
   * Re-checked under the session's row lock, so a session whose state changed since it was
   * chosen (a review reopened) is left alone: false skips it.
   */
  stillDue?(tx: Tx, session: SessionRow): Promise<boolean>;
}

/** How a purge ended. */
export type PurgeOutcome =
  | { status: 'deleted'; recordId: string; counts: DeletedCounts }
  | { status: 'held' | 'not_due' | 'nothing' | 'missing' };

/** Counts of nothing deleted, to add to. */
export function noDeletions(): DeletedCounts {
  return { segments: 0, snapshots: 0, identityPhotos: 0, faceDescriptors: 0, bytes: 0 };
}

/** Add `b` into `a`. */
export function addCounts(a: DeletedCounts, b: DeletedCounts): void {
  a.segments += b.segments;
  a.snapshots += b.snapshots;
  a.identityPhotos += b.identityPhotos;
  a.faceDescriptors += b.faceDescriptors;
  a.bytes += b.bytes;
}

/**
 * Delete a session's evidence in `scope`, unless it or its exam is under a legal hold.
 * Rows go first, in one transaction with the deletion record (which lists the blobs still to
 * remove) and the `retention.delete` audit entry; the blobs go after it commits. A purge cut
 * off in between is finished by `finishPendingDeletions`; a rerun finds no rows and does
 * nothing, and a blob already missing is not an error.
 */
export async function purgeSession(deps: PurgeDeps, req: PurgeRequest): Promise<PurgeOutcome> {
  const now = deps.clock.now();
  const outcome = await deps.db.transaction(async (tx): Promise<PurgeOutcome> => {
    const [session] = await tx
      .select()
      .from(examSessions)
      .where(eq(examSessions.id, req.sessionId))
      .for('update');
    if (!session) return { status: 'missing' };
    const [exam] = await tx
      .select({ heldAt: exams.legalHoldAt })
      .from(exams)
      .where(eq(exams.id, session.examId));
    if (session.legalHoldAt || exam?.heldAt) return { status: 'held' };
    if (req.stillDue && !(await req.stillDue(tx, session))) return { status: 'not_due' };

    const counts = noDeletions();
    const keys: string[] = [];
    const kinds: Record<string, number> = {};
    const note = (kind: string, bytes: number, key: string) => {
      kinds[kind] = (kinds[kind] ?? 0) + 1;
      counts.bytes += bytes;
      keys.push(key);
    };
    const media = req.scope !== 'identity';
    const identity = req.scope !== 'media';
    if (media) {
      const segs = await tx
        .delete(mediaSegments)
        .where(eq(mediaSegments.sessionId, session.id))
        .returning({
          track: mediaSegments.track,
          bytes: mediaSegments.sizeBytes,
          key: mediaSegments.blobKey,
        });
      for (const s of segs) note(`segments.${s.track}`, s.bytes, s.key);
      counts.segments = segs.length;
    }
    const shotKinds = [
      ...(media ? MEDIA_SNAPSHOT_KINDS : []),
      ...(identity ? IDENTITY_SNAPSHOT_KINDS : []),
    ];
    const shots = await tx
      .delete(snapshots)
      .where(and(eq(snapshots.sessionId, session.id), inArray(snapshots.kind, shotKinds)))
      .returning({ kind: snapshots.kind, bytes: snapshots.sizeBytes, key: snapshots.blobKey });
    for (const s of shots) {
      note(`snapshots.${s.kind}`, s.bytes, s.key);
      if ((IDENTITY_SNAPSHOT_KINDS as readonly string[]).includes(s.kind))
        counts.identityPhotos += 1;
      else counts.snapshots += 1;
    }
    if (identity && session.enrolledEmbedding !== null) {
      await tx
        .update(examSessions)
        .set({ enrolledEmbedding: null, updatedAt: now })
        .where(eq(examSessions.id, session.id));
      counts.faceDescriptors = 1;
      kinds.faceDescriptor = 1;
    }
    const items = keys.length + counts.faceDescriptors;
    if (items === 0) return { status: 'nothing' };
    const [record] = await tx
      .insert(deletionRecords)
      .values({
        runId: req.runId,
        sessionId: session.id,
        examId: session.examId,
        rule: req.rule,
        trigger: req.trigger,
        actorId: req.actorId,
        kinds,
        items,
        bytes: counts.bytes,
        pendingKeys: keys,
        createdAt: now,
        completedAt: keys.length === 0 ? now : null,
      })
      .returning({ id: deletionRecords.id });
    if (!record) throw new Error('insert returned nothing');
    await appendAudit(tx, {
      actorId: req.actorId,
      action: 'retention.delete',
      entityType: 'session',
      entityId: session.id,
      examId: session.examId,
      data: {
        rule: req.rule,
        trigger: req.trigger,
        runId: req.runId,
        recordId: record.id,
        kinds,
        ...counts,
      },
    });
    return { status: 'deleted', recordId: record.id, counts };
  });
  if (outcome.status === 'deleted') await completeRecord(deps, outcome.recordId);
  return outcome;
}

/** Remove a record's pending blobs (a few at a time), then mark it complete. */
async function completeRecord(deps: PurgeDeps, recordId: string): Promise<void> {
  const [row] = await deps.db
    .select({ keys: deletionRecords.pendingKeys })
    .from(deletionRecords)
    .where(eq(deletionRecords.id, recordId));
  const keys = Array.isArray(row?.keys) ? (row.keys as string[]) : [];
  for (let i = 0; i < keys.length; i += 8) {
    await Promise.all(keys.slice(i, i + 8).map((k) => deps.blobs.delete(k)));
  }
  await deps.db
    .update(deletionRecords)
    .set({ pendingKeys: [], completedAt: deps.clock.now() })
    .where(eq(deletionRecords.id, recordId));
}

/**
 * Finish deletions an earlier run committed but did not complete (the process stopped
 * between the rows and the blobs). Returns how many records it completed.
 */
export async function finishPendingDeletions(deps: PurgeDeps): Promise<number> {
  let done = 0;
  for (;;) {
    const pending = await deps.db
      .select({ id: deletionRecords.id })
      .from(deletionRecords)
      .where(isNull(deletionRecords.completedAt))
      .orderBy(asc(deletionRecords.createdAt))
      .limit(100);
    for (const p of pending) {
      await completeRecord(deps, p.id);
      done += 1;
    }
    if (pending.length < 100) return done;
  }
}
