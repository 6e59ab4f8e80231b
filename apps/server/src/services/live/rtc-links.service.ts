import { and, eq, inArray, isNull, lt, notInArray, or } from 'drizzle-orm';
import {
  type OpenRtcBody,
  type RtcEndReason,
  type RtcLink,
  type RtcPeerState,
  type SessionState,
} from '@invigil/contracts';
import type { Db } from '../../db/database.js';
import { examSessions, rtcLinks } from '../../db/schema.js';
import { AppError, errors } from '../../errors.js';
import type { Clock } from '../../ports/clock.port.js';
import type { Actor } from '../accounts/actor.js';
import { appendAudit } from '../audit/audit.service.js';
import { policyOf } from './communication-access.js';
import { sessionForStaffAction } from '../exams/exam-access.js';
import type { EmitLive } from './live-feed.service.js';
import { personById } from '../accounts/people.js';
import { sessionForRead } from '../sessions/session-access.js';
import { endLinks, openLinks, type RtcLinkRow, toRtcLinks } from './rtc-record.js';

/** Session states in which links may be open: the attempt is running (paused included). */
export const RTC_STATES: readonly SessionState[] = ['in_progress', 'paused'];

/** Limits and timeouts of links (RTC_* settings). */
export interface RtcLinkOptions {
  maxViewers: number;
  connectTimeoutMs: number;
  ringTimeoutMs: number;
  /**
   * A side whose process stopped refreshing its `*_seen_at` this long ago is gone (its
   * process restarted or died): the sweep ends its links. Several heartbeats long.
   */
  staleMs: number;
}

/** 403 RTC_NOT_ALLOWED with a message for people. */
export const rtcNotAllowed = (message: string) => new AppError(403, 'RTC_NOT_ALLOWED', message);

/** The detail of links ended because their proctor lost access to the exam. */
export const ACCESS_REMOVED = 'The proctor’s access to this exam was removed';

/** 409 RTC_LINK_ENDED. */
const linkEnded = (row: RtcLinkRow) =>
  errors.conflict('RTC_LINK_ENDED', 'This live view or call has already ended', {
    endedAt: row.endedAt?.toISOString() ?? null,
    endReason: row.endReason,
  });

/**
 * Live views and calls between a proctor's browser and a student's: opening them (limits:
 * RTC_MAX_VIEWERS proctors per session, one call at a time), their state as the sides report
 * it, and their end (by a side, a timeout, a side going away, the attempt stopping). Every
 * change is written first, then sent live as `rtc.link` (the student sees their links);
 * starts and ends are audited. Signalling itself never touches the database.
 */
export class RtcLinkService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly live: EmitLive,
    readonly options: RtcLinkOptions,
  ) {}

  /** POST /api/sessions/:id/rtc: the exam's proctors and admins open a view or call a student. */
  async open(actor: Actor, sessionId: string, body: OpenRtcBody): Promise<RtcLink> {
    if (actor.role !== 'proctor' && actor.role !== 'admin') {
      throw rtcNotAllowed('Only the exam’s proctors and admins open live views and calls');
    }
    const { row: session, actingAs } = await sessionForStaffAction(this.db, actor, sessionId);
    const now = this.clock.now();
    const replaced: string[] = [];
    const created = await this.db.transaction(async (tx) => {
      // The session row lock serialises opens, so two proctors never both take the last place.
      const [locked] = await tx
        .select({ state: examSessions.state })
        .from(examSessions)
        .where(eq(examSessions.id, sessionId))
        .for('update');
      const state = (locked?.state ?? session.state) as SessionState;
      if (!RTC_STATES.includes(state)) {
        throw errors.conflict(
          'SESSION_NOT_ACTIVE',
          `Live views and calls need a running attempt; this one is ${state}`,
          { state },
        );
      }
      const open = await openLinks(tx, { sessionId });
      // A proctor's new view (or call) replaces their previous one: a reloaded page starts over.
      const mine = open.filter((l) => l.proctorId === actor.userId && l.kind === body.kind);
      replaced.push(...mine.map((l) => l.id));
      const others = open.filter((l) => !replaced.includes(l.id));
      const call = others.find((l) => l.kind === 'call');
      if (body.kind === 'call' && call) {
        const who = await personById(tx, call.proctorId);
        throw errors.conflict(
          'RTC_CALL_BUSY',
          `${who?.name ?? 'Another proctor'} is already in a call with this student`,
          { linkId: call.id, proctor: who },
        );
      }
      const viewers = new Set(others.map((l) => l.proctorId));
      if (!viewers.has(actor.userId) && viewers.size >= this.options.maxViewers) {
        const names = await Promise.all([...viewers].map((id) => personById(tx, id)));
        throw errors.conflict(
          'RTC_VIEWERS_FULL',
          `${viewers.size} proctors are already watching this student (at most ` +
            `${this.options.maxViewers} at a time); try again when one of them closes their view`,
          { max: this.options.maxViewers, proctors: names.filter((n) => n !== null) },
        );
      }
      const [row] = await tx
        .insert(rtcLinks)
        .values({
          sessionId,
          examId: session.examId,
          kind: body.kind,
          proctorId: actor.userId,
          proctorCamera: body.kind === 'call' && body.camera,
          state: body.kind === 'call' ? 'ringing' : 'connecting',
          stateAt: now,
          startedAt: now,
          studentSeenAt: now,
        })
        .returning();
      if (!row) throw new Error('rtc link was not written');
      await appendAudit(
        tx,
        {
          actorId: actor.userId,
          action: body.kind === 'call' ? 'rtc.call_started' : 'rtc.view_started',
          entityType: 'rtc_link',
          entityId: row.id,
          examId: row.examId,
          data: {
            sessionId,
            studentId: session.studentId,
            ...(body.kind === 'call' && { camera: row.proctorCamera }),
            ...(actingAs === 'admin' && { actingAs }),
          },
        },
        now,
      );
      return row;
    });
    await this.endAndPublish({ ids: replaced, reason: 'hung_up', actorId: actor.userId });
    return (await this.publish([created]))[0] as RtcLink;
  }

  /**
   * Who may have ICE servers (TURN credentials) for a session: those who may open links on
   * it (its exam's proctors, admins; others of the exam 403 RTC_NOT_ALLOWED, the rest 404),
   * and its student while the attempt runs (else 409 SESSION_NOT_ACTIVE).
   */
  async mayUseIce(actor: Actor, sessionId: string): Promise<void> {
    if (actor.role === 'student') {
      const session = await sessionForRead(this.db, actor, sessionId);
      const state = session.state as SessionState;
      if (!RTC_STATES.includes(state)) {
        throw errors.conflict(
          'SESSION_NOT_ACTIVE',
          `Live views and calls need a running attempt; this one is ${state}`,
          { state },
        );
      }
      return;
    }
    if (actor.role !== 'proctor' && actor.role !== 'admin') {
      throw rtcNotAllowed('Only the exam’s proctors and admins open live views and calls');
    }
    await sessionForStaffAction(this.db, actor, sessionId);
  }

  /** GET /api/sessions/:id/rtc: the open links (the exam's staff, and the session's student). */
  async list(actor: Actor, sessionId: string): Promise<RtcLink[]> {
    const session = await sessionForRead(this.db, actor, sessionId);
    return toRtcLinks(this.db, await openLinks(this.db, { sessionId: session.id }));
  }

  /**
   * POST /api/rtc/:id/end: the proctor who opened it or an admin (`hung_up`); the student a
   * call only, where the policy lets them decline (`declined` while ringing, else
   * `student_hung_up`). Others 403 RTC_NOT_ALLOWED, or 404 when they may not see it at all.
   */
  async endByRequest(actor: Actor, linkId: string): Promise<RtcLink> {
    const row = await this.find(linkId);
    if (!row) throw errors.notFound('Live link');
    await sessionForRead(this.db, actor, row.sessionId).catch(() => {
      throw errors.notFound('Live link');
    });
    const reason = await this.mayEnd(actor, row);
    if (row.endedAt) throw linkEnded(row);
    const [ended] = await this.endAndPublish({ ids: [row.id], reason, actorId: actor.userId });
    if (!ended) {
      const again = await this.find(linkId);
      throw linkEnded(again ?? row);
    }
    return ended;
  }

  /** How `actor` may end `row` (the end reason), or 403 RTC_NOT_ALLOWED. */
  async mayEnd(actor: Actor, row: RtcLinkRow): Promise<RtcEndReason> {
    if (actor.role === 'student') {
      if (row.kind !== 'call') {
        throw rtcNotAllowed('A live view is closed by the proctor; you cannot end it');
      }
      if (!(await this.studentMayDecline(row))) {
        throw rtcNotAllowed('This exam does not let students decline or end a proctor’s call');
      }
      return row.state === 'ringing' ? 'declined' : 'student_hung_up';
    }
    if (row.proctorId !== actor.userId && actor.role !== 'admin') {
      throw rtcNotAllowed('Only the proctor who opened this link (or an admin) can end it');
    }
    return 'hung_up';
  }

  /** One link by id, open or ended. */
  async find(linkId: string): Promise<RtcLinkRow | undefined> {
    const [row] = await this.db.select().from(rtcLinks).where(eq(rtcLinks.id, linkId));
    return row;
  }

  /**
   * Make `socketId` the link's owner if it has none; true when it owns the link now. Only
   * the owner signals a link further, and the link ends when the owner's socket closes.
   */
  async claim(linkId: string, socketId: string): Promise<boolean> {
    const now = this.clock.now();
    const [taken] = await this.db
      .update(rtcLinks)
      .set({ ownerSocket: socketId, ownerSeenAt: now })
      .where(and(eq(rtcLinks.id, linkId), isNull(rtcLinks.ownerSocket), isNull(rtcLinks.endedAt)))
      .returning({ id: rtcLinks.id });
    if (taken) return true;
    return (await this.find(linkId))?.ownerSocket === socketId;
  }

  /** The student picked up a ringing call: it starts connecting (and its connect timeout). */
  async accept(row: RtcLinkRow): Promise<void> {
    if (row.state !== 'ringing') return;
    await this.changeState(row, ['ringing'], { state: 'connecting' });
  }

  /**
   * A side reports its peer connection: `live` (media flows; `connectedAt` set the first
   * time), `reconnecting` (an ICE restart, the connect timeout counts again), `connecting`
   * (nothing to change) or `failed` (the link ends, with the side's reason).
   */
  async reportState(
    row: RtcLinkRow,
    state: RtcPeerState,
    reason: string | undefined,
    actorId: string,
  ): Promise<void> {
    if (state === 'failed') {
      await this.endAndPublish({
        ids: [row.id],
        reason: 'failed',
        detail: reason ?? 'The connection failed',
        actorId,
      });
    } else if (state === 'live') {
      await this.changeState(row, ['connecting', 'reconnecting'], {
        state: 'live',
        ...(row.connectedAt === null && { connectedAt: this.clock.now() }),
      });
    } else if (state === 'reconnecting') {
      await this.changeState(row, ['live'], { state: 'reconnecting' });
    }
  }

  /** End links, then send them live; returns the links this call ended. */
  async endAndPublish(e: {
    ids: readonly string[];
    reason: RtcEndReason;
    detail?: string | null;
    actorId: string | null;
  }): Promise<RtcLink[]> {
    const ended = await endLinks(this.db, { ...e, at: this.clock.now() });
    return this.publish(ended);
  }

  /**
   * The proctor socket that owned these links closed: they have no owner now, so a new
   * socket of the same proctor (a reconnect after a brief drop) may claim them. Returns
   * their ids, for `ownerGone` after a grace period. `owner_seen_at` stays: should this
   * process stop before the grace ends, the sweep ends them as stale.
   */
  async releaseOwner(socketId: string): Promise<string[]> {
    const rows = await this.db
      .update(rtcLinks)
      .set({ ownerSocket: null })
      .where(and(eq(rtcLinks.ownerSocket, socketId), isNull(rtcLinks.endedAt)))
      .returning({ id: rtcLinks.id });
    return rows.map((r) => r.id);
  }

  /** The grace after `releaseOwner` passed: links nobody re-claimed end `viewer_left`. */
  async ownerGone(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    const rows = await this.db
      .select({ id: rtcLinks.id, proctorId: rtcLinks.proctorId })
      .from(rtcLinks)
      .where(and(inArray(rtcLinks.id, [...ids]), isNull(rtcLinks.ownerSocket)));
    for (const r of rows) {
      await this.endAndPublish({ ids: [r.id], reason: 'viewer_left', actorId: r.proctorId });
    }
  }

  /**
   * A proctor lost their access to the exam (assignment removed, account disabled): their
   * open links there end at once, so the media stops with the access.
   */
  async accessRemoved(proctorId: string, examId: string): Promise<void> {
    const rows = await this.db
      .select({ id: rtcLinks.id })
      .from(rtcLinks)
      .where(
        and(
          eq(rtcLinks.proctorId, proctorId),
          eq(rtcLinks.examId, examId),
          isNull(rtcLinks.endedAt),
        ),
      );
    await this.endAndPublish({
      ids: rows.map((r) => r.id),
      reason: 'hung_up',
      detail: ACCESS_REMOVED,
      actorId: null,
    });
  }

  /**
   * The student's page left (its last socket here closed at `since`, and a grace period
   * passed): end the session's links unless a socket of the student refreshed them since
   * (a reload, possibly reaching another server process).
   */
  async studentLeft(sessionId: string, since: Date): Promise<void> {
    const rows = await this.db
      .select({ id: rtcLinks.id })
      .from(rtcLinks)
      .where(
        and(
          eq(rtcLinks.sessionId, sessionId),
          isNull(rtcLinks.endedAt),
          or(isNull(rtcLinks.studentSeenAt), lt(rtcLinks.studentSeenAt, since)),
        ),
      );
    await this.endAndPublish({ ids: rows.map((r) => r.id), reason: 'student_left', actorId: null });
  }

  /** Sockets of this process still hold these links' sides: refresh their `*_seen_at`. */
  async touch(ownerSockets: readonly string[], studentSessions: readonly string[]): Promise<void> {
    const now = this.clock.now();
    if (ownerSockets.length > 0) {
      await this.db
        .update(rtcLinks)
        .set({ ownerSeenAt: now })
        .where(and(inArray(rtcLinks.ownerSocket, [...ownerSockets]), isNull(rtcLinks.endedAt)));
    }
    if (studentSessions.length > 0) {
      await this.db
        .update(rtcLinks)
        .set({ studentSeenAt: now })
        .where(and(inArray(rtcLinks.sessionId, [...studentSessions]), isNull(rtcLinks.endedAt)));
    }
  }

  /**
   * End what should not be open any more, from the database alone (so it holds after a
   * restart and across processes): links of attempts that stopped running, calls not
   * answered within the ring timeout, links not live within the connect timeout, and links
   * whose side's process stopped refreshing them. Returns how many ended.
   */
  async sweep(): Promise<number> {
    const now = this.clock.now().getTime();
    const before = (ms: number) => new Date(now - ms);
    const { ringTimeoutMs, connectTimeoutMs, staleMs } = this.options;
    const rows = await this.db
      .select({ link: rtcLinks, sessionState: examSessions.state })
      .from(rtcLinks)
      .innerJoin(examSessions, eq(examSessions.id, rtcLinks.sessionId))
      .where(
        and(
          isNull(rtcLinks.endedAt),
          or(
            notInArray(examSessions.state, [...RTC_STATES]),
            and(eq(rtcLinks.state, 'ringing'), lt(rtcLinks.stateAt, before(ringTimeoutMs))),
            and(
              inArray(rtcLinks.state, ['connecting', 'reconnecting']),
              lt(rtcLinks.stateAt, before(connectTimeoutMs)),
            ),
            // A released link (owner socket closed) counts too: its grace timer may be gone.
            lt(rtcLinks.ownerSeenAt, before(staleMs)),
            lt(rtcLinks.studentSeenAt, before(staleMs)),
          ),
        ),
      );
    let n = 0;
    for (const { link, sessionState } of rows) {
      const [reason, detail] = this.whyStale(link, sessionState, now);
      n += (await this.endAndPublish({ ids: [link.id], reason, detail, actorId: null })).length;
    }
    return n;
  }

  /** End the open links of a session whose attempt stopped running. */
  async sessionStopped(sessionId: string): Promise<void> {
    const rows = await openLinks(this.db, { sessionId });
    await this.endAndPublish({
      ids: rows.map((r) => r.id),
      reason: 'session_ended',
      actorId: null,
    });
  }

  private whyStale(
    link: RtcLinkRow,
    sessionState: string,
    now: number,
  ): [RtcEndReason, string | null] {
    if (!RTC_STATES.includes(sessionState as SessionState)) return ['session_ended', null];
    const since = now - link.stateAt.getTime();
    if (link.state === 'ringing' && since > this.options.ringTimeoutMs) {
      return [
        'timeout',
        `The student did not answer within ${seconds(this.options.ringTimeoutMs)} s`,
      ];
    }
    if (
      (link.state === 'connecting' || link.state === 'reconnecting') &&
      since > this.options.connectTimeoutMs
    ) {
      return [
        'timeout',
        `No connection within ${seconds(this.options.connectTimeoutMs)} s (a firewall may block it; a TURN server helps)`,
      ];
    }
    const stale = (at: Date | null) => at !== null && now - at.getTime() > this.options.staleMs;
    if (stale(link.ownerSeenAt)) return ['viewer_left', null];
    return ['student_left', null];
  }

  /** Move a link to a new state if it is still in one of `from` (else nothing happens). */
  private async changeState(
    row: RtcLinkRow,
    from: readonly string[],
    set: Partial<Pick<RtcLinkRow, 'state' | 'connectedAt'>>,
  ): Promise<void> {
    const now = this.clock.now();
    const changed = await this.db
      .update(rtcLinks)
      .set({ ...set, stateAt: now })
      .where(
        and(eq(rtcLinks.id, row.id), inArray(rtcLinks.state, [...from]), isNull(rtcLinks.endedAt)),
      )
      .returning();
    await this.publish(changed);
  }

  /** A call the exam's policy lets the student decline or end (never a view). */
  async studentMayDecline(row: RtcLinkRow): Promise<boolean> {
    return row.kind === 'call' && (await policyOf(this.db, row.examId)).studentMayDeclineCalls;
  }

  /** Send links live (stored, the student sees them); returns their API view. */
  private async publish(rows: readonly RtcLinkRow[]): Promise<RtcLink[]> {
    if (rows.length === 0) return [];
    const links = await toRtcLinks(this.db, rows);
    await this.live(
      links.map((link) => ({
        topic: 'rtc.link' as const,
        data: link,
        examId: link.examId,
        sessionId: link.sessionId,
        audience: 'student' as const,
      })),
    );
    return links;
  }
}

const seconds = (ms: number) => Math.round(ms / 1000);
