import { and, desc, eq, inArray } from 'drizzle-orm';
import type { CheckInStep, ProctoringPolicy } from '@invigil/contracts';
import type { DbOrTx } from '../../db/database.js';
import { mediaSegments, sessionEvents, snapshots } from '../../db/schema.js';
import { errors } from '../../errors.js';

/** What the server holds of one session's check-in. */
export interface CheckInEvidence {
  idFace: boolean;
  idDocument: boolean;
  roomScan: boolean;
  /** The browser's newest system check result (by event sequence), null before any. */
  systemCheck: 'passed' | 'failed' | null;
}

/** How each step is named to the student. */
const STEP_WORDS: Record<CheckInStep, string> = {
  system_check: 'a passed system check',
  identity_face: 'the photo of your face',
  identity_document: 'the photo of your identity document',
  room_scan: 'the room scan',
};

/**
 * The check-in steps a policy requires that the server has no evidence of, in check-in
 * order. The system check is always required and counts only while its newest result is a
 * pass: a failure reported after a pass (the check run again on a reload) undoes it.
 */
export function missingCheckInSteps(
  policy: Pick<ProctoringPolicy, 'identityCheck' | 'roomScan'>,
  e: CheckInEvidence,
): CheckInStep[] {
  const missing: CheckInStep[] = [];
  if (e.systemCheck !== 'passed') missing.push('system_check');
  if (policy.identityCheck && !e.idFace) missing.push('identity_face');
  if (policy.identityCheck && !e.idDocument) missing.push('identity_document');
  if (policy.roomScan && !e.roomScan) missing.push('room_scan');
  return missing;
}

/** Read what the server stored of a session's check-in. */
export async function checkInEvidence(db: DbOrTx, sessionId: string): Promise<CheckInEvidence> {
  const photos = await db
    .selectDistinct({ kind: snapshots.kind })
    .from(snapshots)
    .where(
      and(eq(snapshots.sessionId, sessionId), inArray(snapshots.kind, ['id_face', 'id_document'])),
    );
  const [scan] = await db
    .select({ id: mediaSegments.id })
    .from(mediaSegments)
    .where(and(eq(mediaSegments.sessionId, sessionId), eq(mediaSegments.track, 'room_scan')))
    .limit(1);
  const [check] = await db
    .select({ type: sessionEvents.type })
    .from(sessionEvents)
    .where(
      and(
        eq(sessionEvents.sessionId, sessionId),
        eq(sessionEvents.source, 'client'),
        inArray(sessionEvents.type, ['system_check.passed', 'system_check.failed']),
      ),
    )
    .orderBy(desc(sessionEvents.seq))
    .limit(1);
  const kinds = new Set(photos.map((p) => p.kind));
  return {
    idFace: kinds.has('id_face'),
    idDocument: kinds.has('id_document'),
    roomScan: scan !== undefined,
    systemCheck: check ? (check.type === 'system_check.passed' ? 'passed' : 'failed') : null,
  };
}

/**
 * 409 CHECK_IN_INCOMPLETE unless every check-in step the policy requires reached the server;
 * `details.missing` names the steps (CheckInStep), so the browser can send the student back
 * to them.
 */
export async function requireCheckIn(
  db: DbOrTx,
  sessionId: string,
  policy: Pick<ProctoringPolicy, 'identityCheck' | 'roomScan'>,
): Promise<void> {
  const missing = missingCheckInSteps(policy, await checkInEvidence(db, sessionId));
  if (missing.length === 0) return;
  const words = missing.map((s) => STEP_WORDS[s]);
  const list =
    words.length === 1 ? words[0] : `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`;
  throw errors.conflict(
    'CHECK_IN_INCOMPLETE',
    `Check-in is not complete: the server has not received ${list}. Do ${missing.length === 1 ? 'this step' : 'these steps'} again, then start.`,
    { missing },
  );
}
