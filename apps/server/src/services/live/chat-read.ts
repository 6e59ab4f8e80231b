import { and, asc, eq, gte, inArray, isNull, lte, max, or, sql } from 'drizzle-orm';
import type { ChatMessage, ChatSide, ChatUnread } from '@invigil/contracts';
import type { DbOrTx } from '../../db/database.js';
import { chatMessages, chatReadMarks } from '../../db/schema.js';
import { peopleById } from '../accounts/people.js';
import type { SessionRow } from '../sessions/session-access.js';
import { iso, isoOrNull } from '../sessions/time.js';

/** A chat_messages row. */
export type ChatRow = typeof chatMessages.$inferSelect;

/** Chat rows as the API shows them, authors resolved in one query. */
export async function toChatMessages(db: DbOrTx, rows: readonly ChatRow[]): Promise<ChatMessage[]> {
  const people = await peopleById(
    db,
    rows.map((r) => r.authorId),
  );
  return rows.map((r) => ({
    id: r.id,
    seq: r.seq,
    examId: r.examId,
    sessionId: r.sessionId,
    kind: r.sessionId === null ? 'announcement' : 'message',
    from: r.side as ChatSide,
    author: r.authorId ? (people.get(r.authorId) ?? null) : null,
    body: r.body,
    createdAt: iso(r.createdAt),
  }));
}

/**
 * Which announcements belong to a session's thread: those sent before its attempt ended
 * (all of them while it runs), and for the record (`duringAttempt`) only those sent after it
 * started, i.e. what reached the student while sitting the exam.
 */
function announcementsOf(session: SessionRow, duringAttempt: boolean) {
  const until = session.endedAt ? [lte(chatMessages.createdAt, session.endedAt)] : [];
  const from = duringAttempt
    ? session.startedAt
      ? [gte(chatMessages.createdAt, session.startedAt)]
      : [sql`false`] // never started: nothing was announced during it
    : [];
  return and(
    eq(chatMessages.examId, session.examId),
    isNull(chatMessages.sessionId),
    ...until,
    ...from,
  );
}

/** A session's messages and its announcements (see `announcementsOf`), oldest first by seq. */
export async function loadSessionChat(
  db: DbOrTx,
  session: SessionRow,
  opts: { duringAttempt?: boolean } = {},
): Promise<ChatMessage[]> {
  const rows = await db
    .select()
    .from(chatMessages)
    .where(
      or(
        eq(chatMessages.sessionId, session.id),
        announcementsOf(session, opts.duringAttempt ?? false),
      ),
    )
    .orderBy(asc(chatMessages.seq));
  return toChatMessages(db, rows);
}

/** The read mark of one side of a session's chat (0: nothing read). */
export async function readMarkOf(db: DbOrTx, sessionId: string, side: ChatSide): Promise<number> {
  const [row] = await db
    .select({ seq: chatReadMarks.lastReadSeq })
    .from(chatReadMarks)
    .where(and(eq(chatReadMarks.sessionId, sessionId), eq(chatReadMarks.side, side)));
  return row?.seq ?? 0;
}

/** How many of `messages` the reader on `side` has not read: the other side's, after `mark`. */
export function countUnread(
  messages: readonly ChatMessage[],
  side: ChatSide,
  mark: number,
): number {
  return messages.filter((m) => m.from !== side && m.seq > mark).length;
}

/**
 * Staff-side unread state of each given session: student messages after the shared staff
 * read mark, and when the newest student message came. Sessions without any are left out.
 */
export async function staffUnreadBySession(
  db: DbOrTx,
  sessionIds: readonly string[],
): Promise<Map<string, ChatUnread>> {
  if (sessionIds.length === 0) return new Map();
  const rows = await db
    .select({
      sessionId: chatMessages.sessionId,
      unread:
        sql<number>`count(*) filter (where ${chatMessages.seq} > coalesce(${chatReadMarks.lastReadSeq}, 0))`.mapWith(
          Number,
        ),
      lastAt: max(chatMessages.createdAt),
    })
    .from(chatMessages)
    .leftJoin(
      chatReadMarks,
      and(eq(chatReadMarks.sessionId, chatMessages.sessionId), eq(chatReadMarks.side, 'staff')),
    )
    .where(and(inArray(chatMessages.sessionId, [...sessionIds]), eq(chatMessages.side, 'student')))
    .groupBy(chatMessages.sessionId);
  return new Map(
    rows.flatMap((r) =>
      r.sessionId
        ? [[r.sessionId, { sessionId: r.sessionId, unread: r.unread, lastAt: isoOrNull(r.lastAt) }]]
        : [],
    ),
  );
}

/** The staff-side unread state of one session (zero and null when nothing came). */
export async function staffUnreadOf(db: DbOrTx, sessionId: string): Promise<ChatUnread> {
  return (
    (await staffUnreadBySession(db, [sessionId])).get(sessionId) ?? {
      sessionId,
      unread: 0,
      lastAt: null,
    }
  );
}

/** The highest seq a side may mark read: the newest message in the session's thread. */
export async function newestSeqOf(db: DbOrTx, session: SessionRow): Promise<number> {
  const [row] = await db
    .select({ seq: max(chatMessages.seq) })
    .from(chatMessages)
    .where(or(eq(chatMessages.sessionId, session.id), announcementsOf(session, false)));
  return row?.seq ?? 0;
}
