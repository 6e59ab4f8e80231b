import { and, asc, eq, isNull, lte, ne } from 'drizzle-orm';
import type {
  Intervention,
  InterventionBody,
  InterventionKind,
  SessionState,
} from '@invigil/contracts';
import type { Db, Tx } from '../../db/database.js';
import { examSessions, interventions } from '../../db/schema.js';
import { errors } from '../../errors.js';
import type { Clock } from '../../ports/clock.port.js';
import { type Actor, requireRole } from '../accounts/actor.js';
import { appendAudit } from '../audit/audit.service.js';
import { sessionForStaffAction } from '../exams/exam-access.js';
import { requireIdentityPhotosSince, requireRoomScanSince } from './intervention-evidence.js';
import {
  type InterventionRow,
  recordIntervention,
  toIntervention,
  toInterventions,
} from './intervention-record.js';
import type { EmitLive } from './live-feed.service.js';
import { sessionForRead } from '../sessions/session-access.js';
import { expireIfDue, type SessionService } from '../sessions/sessions.service.js';

/** The state each state-changing intervention moves the session to. */
const TARGET_STATE: Partial<Record<InterventionKind, SessionState>> = {
  pause: 'paused',
  resume: 'in_progress',
  terminate: 'terminated',
};

/** States in which an intervention that does not change the state may be sent. */
const ACTIVE_STATES: Partial<Record<InterventionKind, readonly SessionState[]>> = {
  warning: ['in_progress', 'paused'],
  room_scan: ['in_progress'],
  // Also while paused: a proctor who doubts the student's identity may pause to check it.
  re_enrol: ['in_progress', 'paused'],
};

/** How each request that does not change the state is named in a refusal. */
const REQUEST_WORDS: Partial<Record<InterventionKind, string>> = {
  warning: 'A warning',
  room_scan: 'A room scan request',
  re_enrol: 'A request for new identity photos',
};

/** Kinds the student confirms having seen. */
const ACKNOWLEDGEABLE: readonly InterventionKind[] = ['warning', 'room_scan', 're_enrol'];

/** Kinds the student reports done, once the server holds what was asked for. */
const COMPLETABLE: readonly InterventionKind[] = ['room_scan', 're_enrol'];

/**
 * What a proctor does to a running attempt (warn, pause, resume, terminate, ask for a room
 * scan or for new identity photos) and the student's answers to it (acknowledge, done). Every change is
 * audited in its transaction and, once committed, sent on the live feed as an
 * `intervention` message the student's page and the exam's staff receive.
 */
export class InterventionService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly sessions: SessionService,
    /** Sends committed interventions live; never throws (see `EmitLive`). */
    private readonly live: EmitLive,
  ) {}

  /**
   * Send an intervention (the session's assigned proctors, and admins on any exam). Pause,
   * resume and terminate go through the session state machine in the same transaction as
   * the intervention row.
   */
  async create(actor: Actor, sessionId: string, body: InterventionBody): Promise<Intervention> {
    requireRole(actor, ['proctor', 'admin']);
    const { row, actingAs } = await sessionForStaffAction(this.db, actor, sessionId);
    const message = 'message' in body && body.message ? body.message : null;
    const to = TARGET_STATE[body.kind];
    let created: InterventionRow | undefined;
    const record = async (tx: Tx) => {
      created = await recordIntervention(tx, {
        actor,
        actingAs,
        session: row,
        kind: body.kind,
        message,
        at: this.clock.now(),
      });
    };

    if (to) {
      // Only a paused attempt resumes: checking_in → in_progress is the student's own start.
      if (body.kind === 'resume' && row.state !== 'paused') {
        throw errors.conflict(
          'ILLEGAL_TRANSITION',
          `A session cannot be resumed from ${row.state}`,
          {
            from: row.state,
            to,
          },
        );
      }
      await this.sessions.transition(actor, sessionId, to, message ?? undefined, (tx) =>
        record(tx),
      );
    } else {
      const current = await expireIfDue(this.db, row, this.clock.now(), this.live);
      await this.db.transaction(async (tx) => {
        const [locked] = await tx
          .select({ state: examSessions.state })
          .from(examSessions)
          .where(eq(examSessions.id, sessionId))
          .for('update');
        const state = (locked?.state ?? current.state) as SessionState;
        const allowed = ACTIVE_STATES[body.kind] ?? [];
        if (!allowed.includes(state)) {
          throw errors.conflict(
            'SESSION_NOT_ACTIVE',
            `${REQUEST_WORDS[body.kind] ?? 'This intervention'} needs a session ` +
              `${allowed.join(' or ')}; this one is ${state}`,
            { state },
          );
        }
        await record(tx);
      });
    }
    if (!created) throw new Error('intervention row was not written');
    return this.publish(await toIntervention(this.db, created));
  }

  /** A session's interventions, oldest first: for the exam's staff and the session's student. */
  async list(actor: Actor, sessionId: string): Promise<Intervention[]> {
    const session = await sessionForRead(this.db, actor, sessionId);
    const rows = await this.db
      .select()
      .from(interventions)
      .where(eq(interventions.sessionId, session.id))
      .orderBy(asc(interventions.createdAt), asc(interventions.id));
    return toInterventions(this.db, rows);
  }

  /** The student confirms a warning, a room scan request or a re-enrolment request (idempotent). */
  async acknowledge(
    actor: Actor,
    sessionId: string,
    interventionId: string,
  ): Promise<Intervention> {
    return this.studentAnswer(actor, sessionId, interventionId, 'acknowledge');
  }

  /**
   * The student did what was asked (idempotent): a room scan needs a room_scan segment
   * recorded and received after the request (409 ROOM_SCAN_MISSING); new identity photos need
   * a face photo and an ID document photo taken and received after it (409
   * IDENTITY_PHOTOS_MISSING), and also answer any earlier open re-enrolment request.
   */
  async complete(actor: Actor, sessionId: string, interventionId: string): Promise<Intervention> {
    return this.studentAnswer(actor, sessionId, interventionId, 'complete');
  }

  private async studentAnswer(
    actor: Actor,
    sessionId: string,
    interventionId: string,
    what: 'acknowledge' | 'complete',
  ): Promise<Intervention> {
    requireRole(actor, ['student']);
    const session = await sessionForRead(this.db, actor, sessionId);
    const result = await this.db.transaction(async (tx) => {
      const [row] = await tx
        .select()
        .from(interventions)
        .where(and(eq(interventions.id, interventionId), eq(interventions.sessionId, session.id)))
        .for('update');
      if (!row) throw errors.notFound('Intervention');
      const kind = row.kind as InterventionKind;
      const applicable = (what === 'complete' ? COMPLETABLE : ACKNOWLEDGEABLE).includes(kind);
      if (!applicable) {
        throw errors.conflict(
          'INTERVENTION_NOT_APPLICABLE',
          what === 'complete'
            ? 'Only room scan and new identity photo requests can be completed'
            : 'Only warnings and requests are acknowledged',
          { kind },
        );
      }
      const done = what === 'complete' ? row.completedAt : row.acknowledgedAt;
      // A withdrawn request asks nothing any more: answering it changes nothing, and the
      // copy returned tells the page to close its dialog.
      if (done || row.cancelledAt) return { rows: [row], changed: false };
      let evidence: Record<string, unknown> = {};
      if (what === 'complete' && kind === 'room_scan') {
        await requireRoomScanSince(tx, session.id, row.createdAt);
      } else if (what === 'complete') {
        const photos = await requireIdentityPhotosSince(tx, session.id, row.createdAt);
        evidence = { idFaceSeq: photos.id_face.seq, idDocumentSeq: photos.id_document.seq };
      }
      const now = this.clock.now();
      // New identity photos answer every open re-enrolment request up to this one, so none is
      // left open to let identity photos in later.
      const answered =
        what === 'complete' && kind === 're_enrol'
          ? await tx
              .select()
              .from(interventions)
              .where(
                and(
                  eq(interventions.sessionId, session.id),
                  eq(interventions.kind, 're_enrol'),
                  isNull(interventions.completedAt),
                  lte(interventions.createdAt, row.createdAt),
                  ne(interventions.id, row.id),
                ),
              )
              .for('update')
          : [];
      const rows: InterventionRow[] = [];
      for (const target of [row, ...answered]) {
        const [updated] = await tx
          .update(interventions)
          .set(
            what === 'complete'
              ? { completedAt: now, acknowledgedAt: target.acknowledgedAt ?? now }
              : { acknowledgedAt: now },
          )
          .where(eq(interventions.id, target.id))
          .returning();
        if (!updated) throw errors.notFound('Intervention');
        await appendAudit(tx, {
          actorId: actor.userId,
          action: `intervention.${what}`,
          entityType: 'intervention',
          entityId: target.id,
          examId: target.examId,
          data: { sessionId: session.id, kind, ...evidence },
        });
        rows.push(updated);
      }
      return { rows, changed: true };
    });
    const views = await toInterventions(this.db, result.rows);
    if (result.changed) for (const view of views) await this.publish(view);
    const [first] = views;
    if (!first) throw errors.notFound('Intervention');
    return first;
  }

  /**
   * Send the committed intervention to the student's page and the exam's staff. A failure
   * must not turn a committed action into an error (the proctor would repeat it), so the
   * emitter only logs; the student's page also fetches the list when it (re)loads.
   */
  async publish(intervention: Intervention): Promise<Intervention> {
    await this.live({
      topic: 'intervention',
      data: intervention,
      examId: intervention.examId,
      sessionId: intervention.sessionId,
      audience: 'student',
    });
    return intervention;
  }
}
