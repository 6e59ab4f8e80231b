import { asc, eq } from 'drizzle-orm';
import type { SessionNote } from '@invigil/contracts';
import type { Db } from '../../db/database.js';
import { sessionNotes } from '../../db/schema.js';
import { errors } from '../../errors.js';
import type { Clock } from '../../ports/clock.port.js';
import type { Actor } from '../accounts/actor.js';
import { peopleById } from '../accounts/people.js';
import { appendAudit } from '../audit/audit.service.js';
import { sessionForRead } from '../sessions/session-access.js';
import { iso } from '../sessions/time.js';

type NoteRow = typeof sessionNotes.$inferSelect;

/**
 * Proctors' and reviewers' notes on a session: the exam's staff and admins read and add
 * them; students never see them (their own session answers 404 like anyone else's, so a
 * student cannot even learn that notes exist). Adding a note is audited.
 */
export class NoteService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  /** A session's notes, oldest first. */
  async list(actor: Actor, sessionId: string): Promise<SessionNote[]> {
    await this.staffSession(actor, sessionId);
    const rows = await this.db
      .select()
      .from(sessionNotes)
      .where(eq(sessionNotes.sessionId, sessionId))
      .orderBy(asc(sessionNotes.createdAt), asc(sessionNotes.id));
    const people = await peopleById(
      this.db,
      rows.map((r) => r.authorId),
    );
    return rows.map((r) => toNote(r, people));
  }

  /** Add a note to a session, audited in the same transaction. */
  async add(actor: Actor, sessionId: string, body: string): Promise<SessionNote> {
    return this.db.transaction(async (tx) => {
      const session = await this.staffSession(actor, sessionId, tx);
      const [row] = await tx
        .insert(sessionNotes)
        .values({ sessionId, authorId: actor.userId, body, createdAt: this.clock.now() })
        .returning();
      if (!row) throw new Error('insert returned no row');
      await appendAudit(tx, {
        actorId: actor.userId,
        action: 'session.note',
        entityType: 'session',
        entityId: sessionId,
        examId: session.examId,
        // The text stays in session_notes; the audit log records that a note was written.
        data: { noteId: row.id, length: body.length },
      });
      return toNote(row, await peopleById(tx, [actor.userId]));
    });
  }

  private async staffSession(
    actor: Actor,
    sessionId: string,
    db: Parameters<typeof sessionForRead>[0] = this.db,
  ) {
    if (actor.role === 'student') throw errors.notFound('Session');
    return sessionForRead(db, actor, sessionId);
  }
}

function toNote(r: NoteRow, people: Map<string, { id: string; name: string }>): SessionNote {
  return {
    id: r.id,
    sessionId: r.sessionId,
    author: r.authorId === null ? null : (people.get(r.authorId) ?? null),
    body: r.body,
    createdAt: iso(r.createdAt),
  };
}
