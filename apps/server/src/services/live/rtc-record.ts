import { and, asc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { RtcEndReason, RtcKind, RtcLink, RtcLinkState } from '@invigil/contracts';
import type { DbOrTx } from '../../db/database.js';
import { rtcLinks } from '../../db/schema.js';
import { appendAudit } from '../audit/audit.service.js';
import { peopleById } from '../accounts/people.js';
import { iso, isoOrNull } from '../sessions/time.js';

/** An rtc_links row. */
export type RtcLinkRow = typeof rtcLinks.$inferSelect;

/** A proctor account that no longer exists, as links of theirs name them. */
const GONE = { id: '00000000-0000-0000-0000-000000000000', name: 'Deleted user' };

/** API view of link rows, with the proctors' names (one query). */
export async function toRtcLinks(db: DbOrTx, rows: readonly RtcLinkRow[]): Promise<RtcLink[]> {
  const people = await peopleById(
    db,
    rows.map((r) => r.proctorId),
  );
  return rows.map((r) => ({
    id: r.id,
    sessionId: r.sessionId,
    examId: r.examId,
    kind: r.kind as RtcKind,
    proctor: (r.proctorId && people.get(r.proctorId)) || GONE,
    proctorCamera: r.proctorCamera,
    state: r.state as RtcLinkState,
    startedAt: iso(r.startedAt),
    connectedAt: isoOrNull(r.connectedAt),
    endedAt: isoOrNull(r.endedAt),
    endReason: (r.endReason as RtcEndReason | null) ?? null,
    detail: r.detail,
  }));
}

/** Whole seconds between two times (0 when either is missing). */
export function secondsBetween(from: Date | null, to: Date | null): number {
  if (!from || !to) return 0;
  return Math.max(0, Math.round((to.getTime() - from.getTime()) / 1000));
}

/** Open links matching `where`, oldest first. */
export async function openLinks(
  db: DbOrTx,
  by: { sessionId: string } | { examId: string },
): Promise<RtcLinkRow[]> {
  const key =
    'sessionId' in by ? eq(rtcLinks.sessionId, by.sessionId) : eq(rtcLinks.examId, by.examId);
  return db
    .select()
    .from(rtcLinks)
    .where(and(key, isNull(rtcLinks.endedAt)))
    .orderBy(asc(rtcLinks.startedAt), asc(rtcLinks.id));
}

/** Every link of a session, ended ones too, oldest first (the session's record). */
export async function sessionLinks(db: DbOrTx, sessionId: string): Promise<RtcLink[]> {
  const rows = await db
    .select()
    .from(rtcLinks)
    .where(eq(rtcLinks.sessionId, sessionId))
    .orderBy(asc(rtcLinks.startedAt), asc(rtcLinks.id));
  return toRtcLinks(db, rows);
}

/** Who ends a link (null: the server, e.g. a timeout), and why. */
export interface LinkEnding {
  ids: readonly string[];
  reason: RtcEndReason;
  detail?: string | null;
  actorId: string | null;
  at: Date;
}

/**
 * End the links among `ids` that are still open, auditing each (`rtc.ended` with how long it
 * lasted) in the same transaction; returns the rows it ended. Links another request or
 * process ended first are left alone, so ending twice is harmless and audited once.
 */
export async function endLinks(db: DbOrTx, ending: LinkEnding): Promise<RtcLinkRow[]> {
  if (ending.ids.length === 0) return [];
  return db.transaction(async (tx) => {
    const ended = await tx
      .update(rtcLinks)
      .set({
        state: 'ended',
        stateAt: ending.at,
        endedAt: ending.at,
        endReason: ending.reason,
        detail: ending.detail ?? sql`${rtcLinks.detail}`,
      })
      .where(and(inArray(rtcLinks.id, [...ending.ids]), isNull(rtcLinks.endedAt)))
      .returning();
    for (const row of ended) {
      await appendAudit(
        tx,
        {
          actorId: ending.actorId,
          action: 'rtc.ended',
          entityType: 'rtc_link',
          entityId: row.id,
          examId: row.examId,
          data: {
            sessionId: row.sessionId,
            kind: row.kind,
            proctorId: row.proctorId,
            reason: ending.reason,
            durationSeconds: secondsBetween(row.startedAt, row.endedAt),
            connectedSeconds: secondsBetween(row.connectedAt, row.endedAt),
            ...(row.detail !== null && { detail: row.detail }),
          },
        },
        ending.at,
      );
    }
    return ended;
  });
}

/** The open links of an exam, oldest first (the dashboard snapshot's `rtcLinks`). */
export async function openExamLinks(db: DbOrTx, examId: string): Promise<RtcLink[]> {
  return toRtcLinks(db, await openLinks(db, { examId }));
}
