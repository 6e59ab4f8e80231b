import type { ErrorCode, LiveClientMessage, LiveMessage, RtcSignal } from '@invigil/contracts';
import type { Db } from '../../db/database.js';
import { AppError } from '../../errors.js';
import type { Clock } from '../../ports/clock.port.js';
import type { DirectTarget, EventBus } from '../../ports/event-bus.port.js';
import type { Actor } from '../accounts/actor.js';
import { appendAudit } from '../audit/audit.service.js';
import { loadExamFor } from '../exams/exam-access.js';
import type { RtcLinkRow } from './rtc-record.js';
import type { RtcLinkService } from './rtc-links.service.js';
import { iso } from '../sessions/time.js';

/** One live socket as signalling sees it: who is behind it and what it subscribed to. */
export interface RtcPeer {
  /** Random per socket: link ownership names it. */
  socketId: string;
  actor: Actor;
  examId: string;
  /** The student's own session; null for a staff socket (exam scope). */
  sessionId: string | null;
}

/** A refused client message: sent back to the socket as `rtc.error`, audited (rate-limited). */
export class RtcRefusal extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly linkId: string | null,
  ) {
    super(message);
  }
}

/** How long a staff socket's exam access check is trusted before it is made again. */
const ACCESS_RECHECK_MS = 10_000;

/** What each side may send: the proctor offers, the student answers; both trickle candidates. */
const SIGNALS: Record<'student' | 'proctor', readonly RtcSignal['kind'][]> = {
  proctor: ['offer', 'candidate'],
  student: ['answer', 'candidate'],
};

/**
 * Browser → server messages of the live WebSocket (`LiveClientMessage`), checked against the
 * socket's user and scope before anything happens: a student's socket acts only on its own
 * session's links and only answers (accept, decline, signal, state; ending a call where the
 * policy allows), a staff socket only on links its user opened, on an exam they still have
 * access to, and only from the socket that first signalled the link (its owner). Signals are
 * relayed to the other side only, through the bus (`live.direct`), never stored.
 */
export class RtcSignalling {
  /** When each staff socket's exam access was last confirmed. */
  private readonly accessCheckedAt = new Map<string, number>();

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly bus: EventBus,
    private readonly links: RtcLinkService,
  ) {}

  /** Act on one valid message, or throw RtcRefusal (AppErrors from services become one). */
  async handle(peer: RtcPeer, msg: LiveClientMessage): Promise<void> {
    try {
      await this.dispatch(peer, msg);
    } catch (err) {
      if (err instanceof AppError) throw new RtcRefusal(err.code, err.message, msg.linkId);
      throw err;
    }
  }

  /** Forget a closed socket's cached access check. */
  forget(socketId: string): void {
    this.accessCheckedAt.delete(socketId);
  }

  /**
   * Audit a refusal as `rtc.signal_refused`; the caller rate-limits per socket so a hostile
   * client cannot flood the log.
   */
  async audit(peer: RtcPeer, refusal: RtcRefusal, type: string | null): Promise<void> {
    await this.db.transaction((tx) =>
      appendAudit(
        tx,
        {
          actorId: peer.actor.userId,
          action: 'rtc.signal_refused',
          entityType: refusal.linkId ? 'rtc_link' : 'session',
          entityId: refusal.linkId ?? peer.sessionId,
          examId: peer.examId,
          data: {
            code: refusal.code,
            type,
            ...(peer.sessionId !== null && { sessionId: peer.sessionId }),
          },
        },
        this.clock.now(),
      ),
    );
  }

  private async dispatch(peer: RtcPeer, msg: LiveClientMessage): Promise<void> {
    const row = await this.links.find(msg.linkId);
    const refuse = (code: ErrorCode, message: string) => new RtcRefusal(code, message, msg.linkId);
    // Another session's or exam's link does not exist for this socket.
    const visible =
      row &&
      (peer.sessionId !== null ? row.sessionId === peer.sessionId : row.examId === peer.examId);
    if (!row || !visible) throw refuse('NOT_FOUND', 'Live link not found');
    if (peer.sessionId !== null) await this.fromStudent(peer, row, msg);
    else await this.fromProctor(peer, row, msg);
  }

  private async fromStudent(peer: RtcPeer, row: RtcLinkRow, msg: LiveClientMessage) {
    const refuse = (code: ErrorCode, message: string) => new RtcRefusal(code, message, row.id);
    if (msg.type === 'rtc.end' || msg.type === 'rtc.decline') {
      const reason = await this.links.mayEnd(peer.actor, row);
      if (row.endedAt) throw refuse('RTC_LINK_ENDED', 'This live view or call has already ended');
      await this.links.endAndPublish({ ids: [row.id], reason, actorId: peer.actor.userId });
      return;
    }
    if (row.endedAt) throw refuse('RTC_LINK_ENDED', 'This live view or call has already ended');
    switch (msg.type) {
      case 'rtc.accept':
        if (row.kind !== 'call') throw refuse('RTC_NOT_ALLOWED', 'Only a call is accepted');
        await this.links.accept(row);
        return;
      case 'rtc.state':
        // `failed` ends the link: the student may end only what they may decline.
        if (msg.state === 'failed' && !(await this.links.studentMayDecline(row))) {
          throw refuse(
            'RTC_NOT_ALLOWED',
            'Only the proctor ends this link when it fails (the proctor’s page reports it)',
          );
        }
        await this.links.reportState(row, msg.state, msg.reason, peer.actor.userId);
        return;
      case 'rtc.signal':
        if (row.state === 'ringing') {
          throw refuse('RTC_NOT_ALLOWED', 'Accept the call before answering it');
        }
        this.allowedSignal('student', msg.signal, row.id);
        await this.relay(row, 'student', msg.signal, {
          kind: 'user',
          userId: row.proctorId ?? '',
          examId: row.examId,
          socketId: row.ownerSocket,
        });
    }
  }

  private async fromProctor(peer: RtcPeer, row: RtcLinkRow, msg: LiveClientMessage) {
    const refuse = (code: ErrorCode, message: string) => new RtcRefusal(code, message, row.id);
    if (row.proctorId !== peer.actor.userId) {
      throw refuse('RTC_NOT_ALLOWED', 'This live link is another proctor’s');
    }
    await this.recheckAccess(peer);
    if (msg.type === 'rtc.accept' || msg.type === 'rtc.decline') {
      throw refuse('RTC_NOT_ALLOWED', 'Only the student answers a call');
    }
    if (row.endedAt) throw refuse('RTC_LINK_ENDED', 'This live view or call has already ended');
    if (msg.type === 'rtc.end') {
      await this.links.endAndPublish({
        ids: [row.id],
        reason: 'hung_up',
        actorId: peer.actor.userId,
      });
      return;
    }
    if (!(await this.links.claim(row.id, peer.socketId))) {
      throw refuse('RTC_NOT_ALLOWED', 'Another window of yours is connected to this live link');
    }
    if (msg.type === 'rtc.state') {
      await this.links.reportState(row, msg.state, msg.reason, peer.actor.userId);
      return;
    }
    this.allowedSignal('proctor', msg.signal, row.id);
    await this.relay(row, 'proctor', msg.signal, { kind: 'session', sessionId: row.sessionId });
  }

  private allowedSignal(from: 'student' | 'proctor', signal: RtcSignal, linkId: string): void {
    if (!SIGNALS[from].includes(signal.kind)) {
      const who = from === 'proctor' ? 'The proctor' : 'The student';
      throw new RtcRefusal('RTC_NOT_ALLOWED', `${who} does not send an ${signal.kind}`, linkId);
    }
  }

  /**
   * A proctor socket keeps its exam only while its user is still assigned to it; when they
   * are not any more, their links there end at once (the media stops with the access).
   */
  private async recheckAccess(peer: RtcPeer): Promise<void> {
    const now = this.clock.now().getTime();
    const last = this.accessCheckedAt.get(peer.socketId);
    if (last !== undefined && now - last < ACCESS_RECHECK_MS) return;
    try {
      await loadExamFor(this.db, peer.actor, peer.examId, 'read');
    } catch (err) {
      if (err instanceof AppError) await this.links.accessRemoved(peer.actor.userId, peer.examId);
      throw err;
    }
    this.accessCheckedAt.set(peer.socketId, now);
  }

  private async relay(
    row: RtcLinkRow,
    from: 'student' | 'proctor',
    signal: RtcSignal,
    to: DirectTarget,
  ): Promise<void> {
    const message: LiveMessage = {
      id: 0,
      examId: row.examId,
      sessionId: row.sessionId,
      at: iso(this.clock.now()),
      topic: 'rtc.signal',
      data: { linkId: row.id, from, signal },
    };
    await this.bus.publish('live.direct', { to, message });
  }
}
