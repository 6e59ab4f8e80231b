import { and, desc, eq, gte, inArray, isNull } from 'drizzle-orm';
import type { CheckInStep } from '@invigil/contracts';
import type { DbOrTx } from '../../db/database.js';
import { mediaSegments, sessionEvents, snapshots } from '../../db/schema.js';
import { errors } from '../../errors.js';

/**
 * How much earlier than the request (on the browser's clock, as estimated) a recording may
 * say it started: the estimate is only as good as the upload delay of the browser's latest
 * events and snapshots, and a segment recorder starts a moment before it is asked to.
 */
export const RECORDED_AFTER_TOLERANCE_MS = 30_000;

/**
 * Whether something the browser says it recorded at `clientMs` (its clock) was recorded after
 * a request made at `requestMs` (the server's clock), given the browser's clock offset
 * (`clientOffsetMs`: how far its clock is ahead of the server's).
 */
export function recordedAfter(
  clientMs: number,
  requestMs: number,
  clientOffsetMs: number,
): boolean {
  return clientMs >= requestMs + clientOffsetMs - RECORDED_AFTER_TOLERANCE_MS;
}

/**
 * How far the browser's clock is ahead of the server's (ms, negative when behind), from its
 * latest trusted events and webcam snapshots: each was dated by the browser and received by
 * the server, so `client time − receipt` is the offset minus the upload delay; the largest
 * (the promptest upload) is the best estimate. The delay only ever lowers it, which makes
 * the checks below more lenient, never stricter. 0 without evidence.
 */
export async function clientClockOffsetMs(db: DbOrTx, sessionId: string): Promise<number> {
  const events = await db
    .select({ clientMs: sessionEvents.clientMs, at: sessionEvents.serverAt })
    .from(sessionEvents)
    .where(
      and(
        eq(sessionEvents.sessionId, sessionId),
        eq(sessionEvents.source, 'client'),
        isNull(sessionEvents.untrustedReason),
      ),
    )
    .orderBy(desc(sessionEvents.seq))
    .limit(20);
  const stills = await db
    .select({ clientMs: snapshots.takenMs, at: snapshots.receivedAt })
    .from(snapshots)
    .where(and(eq(snapshots.sessionId, sessionId), eq(snapshots.kind, 'webcam')))
    .orderBy(desc(snapshots.seq))
    .limit(10);
  const offsets = [...events, ...stills]
    .filter((r): r is { clientMs: number; at: Date } => r.clientMs !== null)
    .map((r) => r.clientMs - r.at.getTime());
  return offsets.length > 0 ? Math.max(...offsets) : 0;
}

/**
 * 409 ROOM_SCAN_MISSING unless a room_scan segment reached the server at or after `since`
 * and says it started recording after it: a scan recorded earlier and held back does not
 * answer the request.
 */
export async function requireRoomScanSince(
  db: DbOrTx,
  sessionId: string,
  since: Date,
): Promise<void> {
  const segments = await db
    .select({ startMs: mediaSegments.startMs })
    .from(mediaSegments)
    .where(
      and(
        eq(mediaSegments.sessionId, sessionId),
        eq(mediaSegments.track, 'room_scan'),
        gte(mediaSegments.receivedAt, since),
      ),
    );
  const offset = segments.length > 0 ? await clientClockOffsetMs(db, sessionId) : 0;
  if (segments.some((s) => recordedAfter(s.startMs, since.getTime(), offset))) return;
  throw errors.conflict(
    'ROOM_SCAN_MISSING',
    segments.length > 0
      ? 'The room scan uploaded was recorded before it was requested; record a new one, then try again'
      : 'No room scan has been uploaded since it was requested; record it, then try again',
  );
}

/** The newest identity photos received and taken after a request, by kind. */
export interface NewIdentityPhotos {
  id_face: { id: string; seq: number } | null;
  id_document: { id: string; seq: number } | null;
}

/**
 * 409 IDENTITY_PHOTOS_MISSING (with `details.missing`: identity_face and/or identity_document)
 * unless a new face photo and a new ID document photo both reached the server at or after
 * `since` and say they were taken after it. Returns the newest of each.
 */
export async function requireIdentityPhotosSince(
  db: DbOrTx,
  sessionId: string,
  since: Date,
): Promise<{ id_face: { id: string; seq: number }; id_document: { id: string; seq: number } }> {
  const rows = await db
    .select({
      id: snapshots.id,
      kind: snapshots.kind,
      seq: snapshots.seq,
      takenMs: snapshots.takenMs,
    })
    .from(snapshots)
    .where(
      and(
        eq(snapshots.sessionId, sessionId),
        inArray(snapshots.kind, ['id_face', 'id_document']),
        gte(snapshots.receivedAt, since),
      ),
    );
  const offset = rows.length > 0 ? await clientClockOffsetMs(db, sessionId) : 0;
  const found: NewIdentityPhotos = { id_face: null, id_document: null };
  for (const r of rows) {
    if (!recordedAfter(r.takenMs, since.getTime(), offset)) continue;
    const kind = r.kind as keyof NewIdentityPhotos;
    const known = found[kind];
    if (!known || r.seq > known.seq) found[kind] = { id: r.id, seq: r.seq };
  }
  const { id_face: face, id_document: document } = found;
  if (face && document) return { id_face: face, id_document: document };
  const missing: CheckInStep[] = [
    ...(face ? [] : (['identity_face'] as const)),
    ...(document ? [] : (['identity_document'] as const)),
  ];
  throw errors.conflict(
    'IDENTITY_PHOTOS_MISSING',
    missing.length === 2
      ? 'No new identity photos have been uploaded since they were requested; take them, then try again'
      : `The new ${face ? 'photo of the identity document' : 'face photo'} has not been uploaded yet; take it, then try again`,
    { missing },
  );
}
