import { and, asc, eq, isNotNull, lte } from 'drizzle-orm';
import {
  ProctoringPolicy,
  type DetectorAccommodations,
  type Flag,
  type FlagReviewStatus,
  type RiskScore,
} from '@invigil/contracts';
import {
  deriveFlags,
  effectiveRules,
  nextFlagChangeMs,
  type DeriveContext,
  type FlagDraft,
} from '@invigil/detection/rules';
import { lockInTransaction, SESSION_FLAGS_LOCK } from '../../db/advisory-locks.js';
import type { Db, Tx } from '../../db/database.js';
import {
  examSessions,
  exams,
  flags,
  registrations,
  sessionRisk,
  snapshots,
} from '../../db/schema.js';
import { errors } from '../../errors.js';
import type { Clock } from '../../ports/clock.port.js';
import type { EventBus } from '../../ports/event-bus.port.js';
import type { Actor } from '../accounts/actor.js';
import { buildAlerts, mergeConditions } from '../live/alert-view.js';
import { appendAudit } from '../audit/audit.service.js';
import { loadClockSamples, loadRuleEvents, storedFlagOf } from './flag-inputs.js';
import type { EmitLive, LiveInput } from '../live/live-feed.service.js';
import { auditRecordingView, sessionForRead } from '../sessions/session-access.js';
import { detectorAccommodationsOf } from '../exams/registrations.service.js';
import { storeSessionRisk } from './session-risk.js';
import { iso } from '../sessions/time.js';

type FlagRow = typeof flags.$inferSelect;
type SessionRow = typeof examSessions.$inferSelect;

/** Sessions re-judged per sweep at most, so one sweep stays short. */
const SWEEP_BATCH = 50;

/**
 * Serialise re-judging one session's flags (across processes too). Take it before any row
 * lock of the session, as the review and accommodation changes do, so they never deadlock.
 */
export async function lockSessionFlags(tx: Tx, sessionId: string): Promise<void> {
  await lockInTransaction(tx, SESSION_FLAGS_LOCK, sessionId);
}

/** A stored flag as the API shows it. */
export function toFlag(r: FlagRow, startedAt: Date | null): Flag {
  const offset = (ms: number | null) =>
    ms === null || !startedAt ? null : ms - startedAt.getTime();
  return {
    id: r.id,
    sessionId: r.sessionId,
    type: r.type as Flag['type'],
    source: r.source as Flag['source'],
    startMs: r.startMs,
    endMs: r.endMs,
    startOffsetMs: offset(r.startMs),
    endOffsetMs: offset(r.endMs),
    severity: r.severity as Flag['severity'],
    confidence: r.confidence,
    detector: r.detector,
    model: r.model,
    evidence: r.evidence as Flag['evidence'],
    message: r.message,
    reviewStatus: r.reviewStatus as FlagReviewStatus,
    createdAt: iso(r.createdAt),
    updatedAt: iso(r.updatedAt),
  };
}

/** Whether a stored flag differs from a fresh draft of the same condition. */
function differs(row: FlagRow, d: FlagDraft): boolean {
  return (
    row.startMs !== d.startMs ||
    row.endMs !== d.endMs ||
    row.severity !== d.severity ||
    row.confidence !== d.confidence ||
    row.model !== d.model ||
    row.message !== d.message ||
    JSON.stringify(row.evidence) !== JSON.stringify(d.evidence)
  );
}

/**
 * An audited staff change to a student's detector rules (an accommodation granted or taken
 * back), re-judged in the change's own transaction: open flags that no longer follow because
 * of it are withdrawn, in the staff member's name.
 */
export interface DetectorRulesChange {
  sessionId: string;
  examId: string;
  actorId: string;
  /** The student's detector accommodations before the change (the new ones are stored). */
  previous: DetectorAccommodations;
  /** The audited action that made the change, and what it changed. */
  action: string;
  entityType: string;
  entityId: string;
  /** Words for the withdrawn flags' review comment, e.g. "no_face switched off". */
  description: string;
}

/** What one re-judgement changed, published after it commits. */
interface Changes {
  sessionId: string;
  examId: string;
  studentId: string;
  startedAt: Date | null;
  created: FlagRow[];
  updated: FlagRow[];
  risk: RiskScore | null;
}

/**
 * Flags and risk. `rederive` re-judges a session from its events under the student's rules
 * (exam policy + accommodations) and stores the result append-only: flags are upserted by
 * their stable key, keep their review status, and never shrink or disappear — a condition
 * that no longer follows leaves its flag as it was. Only a reviewer's decision, or an audited
 * staff change (`judgeRulesChange`), closes a flag. The risk score is stored with the moment it
 * would next change on its own (`recheck_at`), which the sweeper honours. Changes go out on
 * the event bus and, as alerts, on the live feed.
 */
export class FlagService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly bus: EventBus,
    /** The live feed for proctors' dashboards (flag.* and session.risk, staff only). */
    private readonly live?: EmitLive,
    /** Told of the flags each re-judgement created, once committed (metrics); must not throw. */
    private readonly onCreated?: (created: readonly { type: string; severity: string }[]) => void,
  ) {}

  /** Re-judge one session's flags and risk now. */
  async rederive(sessionId: string): Promise<void> {
    const changes = await this.db.transaction(async (tx) => {
      await lockSessionFlags(tx, sessionId);
      return this.rederiveIn(tx, sessionId);
    });
    if (changes) await this.publish(changes);
  }

  /**
   * Re-judge a session inside a staff change's transaction (the caller has taken
   * lockSessionFlags first). Open flags that followed under the previous rules and no longer
   * do are withdrawn: dismissed with a comment naming the change, reviewed by the staff
   * member, each audited as `flag.withdraw` — nothing is deleted. Returns what to publish
   * once the transaction has committed.
   */
  async judgeRulesChange(tx: Tx, change: DetectorRulesChange): Promise<() => Promise<void>> {
    await lockSessionFlags(tx, change.sessionId);
    const changes = await this.rederiveIn(tx, change.sessionId, change);
    return async () => {
      if (changes) await this.publish(changes);
    };
  }

  /** Re-judge the sessions whose flags would change with time (a pending minSeconds). */
  async sweep(): Promise<number> {
    const due = await this.db
      .select({ sessionId: sessionRisk.sessionId })
      .from(sessionRisk)
      .where(and(isNotNull(sessionRisk.recheckAt), lte(sessionRisk.recheckAt, this.clock.now())))
      .orderBy(asc(sessionRisk.recheckAt))
      .limit(SWEEP_BATCH);
    for (const { sessionId } of due) await this.rederive(sessionId);
    return due.length;
  }

  /** A session's flags in time order, for the exam's staff (audited as a recording view). */
  async list(actor: Actor, sessionId: string): Promise<Flag[]> {
    const session = await this.staffSession(actor, sessionId);
    await auditRecordingView(this.db, actor, session, 'flags', this.clock.now());
    const rows = await this.db
      .select()
      .from(flags)
      .where(eq(flags.sessionId, sessionId))
      .orderBy(asc(flags.startMs), asc(flags.key));
    return rows.map((r) => toFlag(r, session.startedAt));
  }

  /** A session's risk score (0 with no explanation before anything was judged). */
  async risk(actor: Actor, sessionId: string): Promise<RiskScore> {
    await this.staffSession(actor, sessionId);
    const [row] = await this.db
      .select()
      .from(sessionRisk)
      .where(eq(sessionRisk.sessionId, sessionId));
    if (!row) {
      return {
        sessionId,
        score: 0,
        contributions: [],
        explanation: [],
        updatedAt: iso(this.clock.now()),
      };
    }
    return {
      sessionId,
      score: row.score,
      contributions: row.contributions as RiskScore['contributions'],
      explanation: row.explanation as string[],
      updatedAt: iso(row.updatedAt),
    };
  }

  /** Students do not see flags yet: their own session answers 404 like anyone else's. */
  private async staffSession(actor: Actor, sessionId: string): Promise<SessionRow> {
    if (actor.role === 'student') throw errors.notFound('Session');
    return sessionForRead(this.db, actor, sessionId);
  }

  private async rederiveIn(
    tx: Tx,
    sessionId: string,
    change?: DetectorRulesChange,
  ): Promise<Changes | null> {
    const [ctx] = await tx
      .select({ s: examSessions, policy: exams.policy, acc: registrations.detectorAccommodations })
      .from(examSessions)
      .innerJoin(exams, eq(exams.id, examSessions.examId))
      .innerJoin(registrations, eq(registrations.id, examSessions.registrationId))
      .where(eq(examSessions.id, sessionId));
    if (!ctx) return null;
    const session = ctx.s;
    const parsed = ProctoringPolicy.safeParse(ctx.policy ?? {});
    const policy = parsed.success ? parsed.data : {};
    const rules = effectiveRules(policy, detectorAccommodationsOf(ctx.acc));
    const { events, untrustedTallies } = await loadRuleEvents(tx, sessionId);
    const now = this.clock.now();
    const endedMs = session.endedAt?.getTime();
    const nowMs = Math.min(now.getTime(), endedMs ?? Infinity);
    const existing = await tx.select().from(flags).where(eq(flags.sessionId, sessionId));
    const context: DeriveContext = {
      snapshots: await tx
        .select({ id: snapshots.id, seq: snapshots.seq, takenMs: snapshots.takenMs })
        .from(snapshots)
        .where(and(eq(snapshots.sessionId, sessionId), eq(snapshots.kind, 'webcam'))),
      stored: existing.map((f) => storedFlagOf(f, nowMs)),
      clockSamples: await loadClockSamples(tx, sessionId),
      untrustedTallies,
      ...(endedMs !== undefined && { sessionEndMs: endedMs }),
    };
    const drafts = deriveFlags(events, rules, nowMs, context);

    const byKey = new Map(existing.map((f) => [f.key, f]));
    // The session's flags as they stand after this re-judgement, by id.
    const current = new Map(existing.map((f) => [f.id, f]));
    const changes: Changes = {
      sessionId,
      examId: session.examId,
      studentId: session.studentId,
      startedAt: session.startedAt,
      created: [],
      updated: [],
      risk: null,
    };
    const keep = (row: FlagRow, list: FlagRow[]) => {
      list.push(row);
      current.set(row.id, row);
    };
    for (const d of drafts) {
      const row = byKey.get(d.key);
      const values = {
        type: d.type,
        source: d.source,
        startMs: d.startMs,
        endMs: d.endMs,
        severity: d.severity,
        confidence: d.confidence,
        detector: d.detector,
        model: d.model,
        evidence: d.evidence,
        message: d.message,
        updatedAt: now,
      };
      if (!row) {
        const [created] = await tx
          .insert(flags)
          .values({ sessionId, key: d.key, ...values, createdAt: now })
          .returning();
        if (created) keep(created, changes.created);
      } else if (d.endMs === null || differs(row, d)) {
        // Still open: written anyway, so updated_at records that the server saw it open now.
        const [updated] = await tx
          .update(flags)
          .set(values)
          .where(eq(flags.id, row.id))
          .returning();
        if (updated && differs(row, d)) keep(updated, changes.updated);
        else if (updated) current.set(updated.id, updated);
      }
    }
    if (change) {
      const before = deriveFlags(
        events,
        effectiveRules(policy, change.previous),
        nowMs,
        context,
      ).map((d) => d.key);
      const followedBefore = new Set(before);
      const followsNow = new Set(drafts.map((d) => d.key));
      const moot = existing.filter(
        (f) => f.reviewStatus === 'open' && followedBefore.has(f.key) && !followsNow.has(f.key),
      );
      for (const f of moot) {
        const withdrawn = await this.withdraw(tx, current.get(f.id) ?? f, change);
        if (withdrawn) keep(withdrawn, changes.updated);
      }
    }
    // Nothing is deleted: flags that no longer follow stay as they were, with their review.

    changes.risk = await storeSessionRisk(
      tx,
      session,
      [...current.values()].map((f) => toFlag(f, null)),
      now,
      nextFlagChangeMs(events, rules, nowMs, context),
    );
    return changes;
  }

  /** Withdraw one open flag for a staff change: dismissed in their name, audited. */
  private async withdraw(
    tx: Tx,
    flag: FlagRow,
    change: DetectorRulesChange,
  ): Promise<FlagRow | undefined> {
    const at = this.clock.now();
    const comment = `Withdrawn by a staff change (${change.action}): ${change.description}.`;
    const [row] = await tx
      .update(flags)
      .set({
        reviewStatus: 'dismissed',
        reviewComment: comment,
        reviewedBy: change.actorId,
        reviewedAt: at,
      })
      .where(and(eq(flags.id, flag.id), eq(flags.reviewStatus, 'open')))
      .returning();
    if (!row) return undefined;
    await appendAudit(
      tx,
      {
        actorId: change.actorId,
        action: 'flag.withdraw',
        entityType: 'flag',
        entityId: row.id,
        examId: change.examId,
        data: {
          sessionId: row.sessionId,
          type: row.type,
          key: row.key,
          change: {
            action: change.action,
            entityType: change.entityType,
            entityId: change.entityId,
          },
          comment,
        },
      },
      at,
    );
    return row;
  }

  private async publish(c: Changes): Promise<void> {
    if (c.created.length > 0) this.onCreated?.(c.created);
    const withExam = (r: FlagRow) => ({ ...toFlag(r, c.startedAt), examId: c.examId });
    for (const r of c.created) await this.bus.publish('flag.created', withExam(r));
    for (const r of c.updated) await this.bus.publish('flag.updated', withExam(r));
    if (c.risk) await this.bus.publish('session.risk', { ...c.risk, examId: c.examId });
    if (this.live) await this.live(await this.liveInputs(c));
  }

  /**
   * The same changes as live messages for the exam's staff: flags as alerts, with their
   * handling, one per condition — a flag that joins another source's alert of the same
   * condition (see `mergeConditions`) updates that alert instead of raising a second one.
   */
  private async liveInputs(c: Changes): Promise<LiveInput[]> {
    const address = { examId: c.examId, sessionId: c.sessionId, audience: 'staff' as const };
    const changed = [...c.created, ...c.updated];
    const inputs: LiveInput[] = [];
    if (changed.length > 0) {
      const all = await this.db.select().from(flags).where(eq(flags.sessionId, c.sessionId));
      const fresh = new Map(changed.map((r) => [r.id, r]));
      const rows = all.map((r) => fresh.get(r.id) ?? r);
      const groups = mergeConditions(rows).filter((g) =>
        [g.primary, ...g.related].some((f) => fresh.has(f.id)),
      );
      const alerts = await buildAlerts(
        this.db,
        groups.map((g) => ({
          row: g.primary,
          flag: toFlag(g.primary, c.startedAt),
          studentId: c.studentId,
          related: g.related.map((f) => toFlag(f, c.startedAt)),
        })),
      );
      const created = new Set(c.created.map((r) => r.id));
      for (const data of alerts) {
        inputs.push({
          ...address,
          topic: created.has(data.flag.id) ? 'flag.created' : 'flag.updated',
          data,
        });
      }
    }
    if (c.risk) inputs.push({ ...address, topic: 'session.risk', data: c.risk });
    return inputs;
  }
}
