import { and, asc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type {
  ChatMessage,
  ChatReadState,
  ChatSide,
  ChatThread,
  SessionState,
} from '@invigil/contracts';
import type { Db } from '../../db/database.js';
import { chatMessages, chatReadMarks, examSessions } from '../../db/schema.js';
import { errors } from '../../errors.js';
import type { Clock } from '../../ports/clock.port.js';
import type { Actor } from '../accounts/actor.js';
import { appendAudit } from '../audit/audit.service.js';
import {
  countUnread,
  loadSessionChat,
  newestSeqOf,
  readMarkOf,
  staffUnreadOf,
  toChatMessages,
} from './chat-read.js';
import type { ChatRateLimiter } from './chat-rate-limit.js';
import {
  examForAnnouncer,
  policyOf,
  requireNotEnded,
  requireState,
  sessionForStaffWrite,
} from './communication-access.js';
import { loadExamFor } from '../exams/exam-access.js';
import type { EmitLive, LiveInput } from './live-feed.service.js';
import { type SessionRow, sessionForRead } from '../sessions/session-access.js';
import { expireIfDue } from '../sessions/sessions.service.js';

/** Sessions an announcement reaches live: those whose student has the exam page open. */
const RUNNING: SessionState[] = ['checking_in', 'in_progress', 'paused'];

/** How chat changes go out: stored live messages, and transient staff-only unread counts. */
export interface ChatLive {
  emit: EmitLive;
  /** Publish without storing (never fails the caller). */
  transient: (inputs: LiveInput | readonly LiveInput[]) => Promise<void>;
}

const sideOf = (actor: Actor): ChatSide => (actor.role === 'student' ? 'student' : 'staff');

/**
 * Chat between a session's student and the exam's staff, and announcements to every
 * student of an exam. Plain text, stored as written (trimmed). The student writes while the
 * attempt runs (in_progress or paused) if the exam's policy allows chat; the exam's proctors
 * and admins write until the attempt ends, and announce at any time. Staff writes are audited;
 * every message goes out live after it commits.
 */
export class ChatService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly limiter: ChatRateLimiter,
    private readonly live: ChatLive,
  ) {}

  /** The session's thread with the caller's side's read mark (student: own; staff of the exam). */
  async thread(actor: Actor, sessionId: string): Promise<ChatThread> {
    const session = await sessionForRead(this.db, actor, sessionId);
    const side = sideOf(actor);
    const [messages, readUpTo] = await Promise.all([
      loadSessionChat(this.db, session),
      readMarkOf(this.db, session.id, side),
    ]);
    return {
      sessionId: session.id,
      messages,
      readUpTo,
      unread: countUnread(messages, side, readUpTo),
    };
  }

  /** Post a message to a session's chat (see the class comment for who and when). */
  async post(actor: Actor, sessionId: string, body: string): Promise<ChatMessage> {
    const { session, actingAs } = await this.writable(actor, sessionId);
    await this.limiter.take(actor.userId);
    const side = sideOf(actor);
    const [row] = await this.db.transaction(async (tx) => {
      const inserted = await tx
        .insert(chatMessages)
        .values({
          examId: session.examId,
          sessionId: session.id,
          authorId: actor.userId,
          side,
          body,
          createdAt: this.clock.now(),
        })
        .returning();
      const message = inserted[0];
      if (message && side === 'staff') {
        await appendAudit(
          tx,
          {
            actorId: actor.userId,
            action: 'chat.message',
            entityType: 'session',
            entityId: session.id,
            examId: session.examId,
            data: { messageId: message.id, seq: message.seq, length: body.length, actingAs },
          },
          message.createdAt,
        );
      }
      return inserted;
    });
    if (!row) throw new Error('chat message was not written');
    const [message] = await toChatMessages(this.db, [row]);
    if (!message) throw new Error('chat message was not read back');
    await this.live.emit({
      topic: 'chat.message',
      data: message,
      examId: session.examId,
      sessionId: session.id,
      audience: 'student',
    });
    if (side === 'student') await this.publishUnread(session);
    return message;
  }

  /**
   * Mark the caller's side read up to `seq` (capped at the thread's newest message; the mark
   * never moves back). Staff share one mark: the exam's dashboards hear the new count.
   */
  async markRead(actor: Actor, sessionId: string, seq: number): Promise<ChatReadState> {
    const session =
      actor.role === 'student'
        ? await sessionForRead(this.db, actor, sessionId)
        : (await sessionForStaffWrite(this.db, actor, sessionId)).row;
    const side = sideOf(actor);
    const target = Math.min(seq, await newestSeqOf(this.db, session));
    await this.db
      .insert(chatReadMarks)
      .values({ sessionId: session.id, side, lastReadSeq: target, updatedAt: this.clock.now() })
      .onConflictDoUpdate({
        target: [chatReadMarks.sessionId, chatReadMarks.side],
        set: {
          lastReadSeq: sql`greatest(${chatReadMarks.lastReadSeq}, ${target})`,
          updatedAt: this.clock.now(),
        },
      });
    const thread = await this.thread(actor, sessionId);
    if (side === 'staff') await this.publishUnread(session);
    return { sessionId: thread.sessionId, readUpTo: thread.readUpTo, unread: thread.unread };
  }

  /** The exam's announcements, oldest first (its staff and admins). */
  async announcements(actor: Actor, examId: string): Promise<ChatMessage[]> {
    await loadExamFor(this.db, actor, examId, 'read');
    const rows = await this.db
      .select()
      .from(chatMessages)
      .where(and(eq(chatMessages.examId, examId), isNull(chatMessages.sessionId)))
      .orderBy(asc(chatMessages.seq));
    return toChatMessages(this.db, rows);
  }

  /**
   * Announce to every student of the exam (its proctors and admins). Stored once; sent live
   * once to the exam's staff, and to each running session's student (one `student_only` live
   * copy per session, so each student gets it on replay); the others read it in their thread.
   */
  async announce(actor: Actor, examId: string, body: string): Promise<ChatMessage> {
    const { actingAs } = await examForAnnouncer(this.db, actor, examId);
    await this.limiter.take(actor.userId);
    const now = this.clock.now();
    const { row, sessionIds } = await this.db.transaction(async (tx) => {
      const [inserted] = await tx
        .insert(chatMessages)
        .values({
          examId,
          sessionId: null,
          authorId: actor.userId,
          side: 'staff',
          body,
          createdAt: now,
        })
        .returning();
      if (!inserted) throw new Error('announcement was not written');
      const running = await tx
        .select({ id: examSessions.id })
        .from(examSessions)
        .where(and(eq(examSessions.examId, examId), inArray(examSessions.state, RUNNING)));
      await appendAudit(
        tx,
        {
          actorId: actor.userId,
          action: 'chat.announcement',
          entityType: 'exam',
          entityId: examId,
          examId,
          data: {
            messageId: inserted.id,
            seq: inserted.seq,
            body,
            sessions: running.length,
            actingAs,
          },
        },
        now,
      );
      return { row: inserted, sessionIds: running.map((r) => r.id) };
    });
    const [message] = await toChatMessages(this.db, [row]);
    if (!message) throw new Error('announcement was not read back');
    // Staff get one copy (exam-wide); each running session's student gets their own numbered
    // copy that staff sockets never receive, so 700 students do not mean 700 staff messages.
    await this.live.emit([
      { topic: 'chat.message', data: message, examId, sessionId: null, audience: 'staff' },
      ...sessionIds.map((sessionId) => ({
        topic: 'chat.message' as const,
        data: message,
        examId,
        sessionId,
        audience: 'student_only' as const,
      })),
    ]);
    return message;
  }

  /** The session a message goes to, after the rules for the caller's side. */
  private async writable(
    actor: Actor,
    sessionId: string,
  ): Promise<{ session: SessionRow; actingAs: 'student' | 'proctor' | 'admin' }> {
    if (actor.role !== 'student') {
      const { row, actingAs } = await sessionForStaffWrite(this.db, actor, sessionId);
      requireNotEnded(row, 'A chat message');
      return { session: row, actingAs };
    }
    const found = await sessionForRead(this.db, actor, sessionId);
    if (!(await policyOf(this.db, found.examId)).chat) {
      throw errors.conflict('CHAT_DISABLED', 'Chat with the proctors is turned off for this exam');
    }
    // An attempt past its time is submitted first: nobody writes into an attempt that is over.
    const session = await expireIfDue(this.db, found, this.clock.now(), this.live.emit);
    requireState(session, ['in_progress', 'paused'], 'A chat message');
    return { session, actingAs: 'student' };
  }

  /** Tell the exam's staff a session's unread count (transient: the snapshot carries it too). */
  private async publishUnread(session: SessionRow): Promise<void> {
    await this.live.transient({
      topic: 'chat.unread',
      data: await staffUnreadOf(this.db, session.id),
      examId: session.examId,
      sessionId: session.id,
      audience: 'staff',
    });
  }
}
