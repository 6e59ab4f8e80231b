import { and, asc, eq, inArray, isNotNull, lte, or, sql } from 'drizzle-orm';
import {
  ProctoringPolicy,
  SERVER_DETECT_EVENTS,
  type Flag,
  type FlagReviewStatus,
  type RiskScore,
} from '@invigil/contracts';
import {
  deriveFlags,
  effectiveRules,
  nextFlagChangeMs,
  nextRiskChangeMs,
  riskScore,
  type FlagDraft,
  type RuleEvent,
} from '@invigil/detection/rules';
import type { Db, Tx } from '../db/database.js';
import {
  examSessions,
  exams,
  flags,
  registrations,
  sessionEvents,
  sessionRisk,
  snapshots,
} from '../db/schema.js';
import { errors } from '../errors.js';
import type { Clock } from '../ports/clock.port.js';
import type { EventBus } from '../ports/event-bus.port.js';
import type { Actor } from './actor.js';
import { buildAlerts } from './alert-view.js';
import type { EmitLive, LiveInput } from './live-feed.service.js';
import { RULE_INPUT_EVENT_TYPES } from './detection-event-data.js';
import { auditRecordingView, sessionForRead } from './recording-access.js';
import { detectorAccommodationsOf } from './registrations.service.js';
import { iso } from './time.js';

type FlagRow = typeof flags.$inferSelect;
type SessionRow = typeof examSessions.$inferSelect;

/** Sessions re-judged per sweep at most, so one sweep stays short. */
const SWEEP_BATCH = 50;
/**
 * While a flag is open, look again at least this often: if the attempt ends without the
 * browser saying the condition ended, the flag is closed at the attempt's end.
 */
const OPEN_FLAG_RECHECK_MS = 30_000;

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

/** What one re-judgement changed, published after it commits. */
interface Changes {
  sessionId: string;
  examId: string;
  studentId: string;
  startedAt: Date | null;
  created: FlagRow[];
  updated: FlagRow[];
  removed: string[];
  risk: RiskScore | null;
}

/**
 * Flags and risk. `rederive` re-judges a session from its events under the student's
 * rules (exam policy + accommodations) and stores the result: flags are upserted by their
 * stable key, keep their review status, and open flags no longer derived are removed; the
 * risk score is stored with the moment it would next change on its own (`recheck_at`),
 * which the sweeper honours. Changes go out on the event bus and, as alerts, on the live feed.
 */
export class FlagService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly bus: EventBus,
    /** The live feed for proctors' dashboards (flag.* and session.risk, staff only). */
    private readonly live?: EmitLive,
  ) {}

  /** Re-judge one session's flags and risk now. */
  async rederive(sessionId: string): Promise<void> {
    const changes = await this.db.transaction(async (tx) => {
      // One re-judgement per session at a time, across processes too.
      await tx.execute(sql`select pg_advisory_xact_lock(742003, hashtext(${sessionId}))`);
      return this.rederiveIn(tx, sessionId);
    });
    if (changes) await this.publish(changes);
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

  private async rederiveIn(tx: Tx, sessionId: string): Promise<Changes | null> {
    const [ctx] = await tx
      .select({ s: examSessions, policy: exams.policy, acc: registrations.detectorAccommodations })
      .from(examSessions)
      .innerJoin(exams, eq(exams.id, examSessions.examId))
      .innerJoin(registrations, eq(registrations.id, examSessions.registrationId))
      .where(eq(examSessions.id, sessionId));
    if (!ctx) return null;
    const session = ctx.s;
    const policy = ProctoringPolicy.safeParse(ctx.policy ?? {});
    const rules = effectiveRules(
      policy.success ? policy.data : {},
      detectorAccommodationsOf(ctx.acc),
    );
    const events = await this.ruleEvents(tx, sessionId);
    const evidence = await tx
      .select({ id: snapshots.id, seq: snapshots.seq, takenMs: snapshots.takenMs })
      .from(snapshots)
      .where(and(eq(snapshots.sessionId, sessionId), eq(snapshots.kind, 'webcam')));
    const now = this.clock.now();
    const endedMs = session.endedAt?.getTime();
    const nowMs = Math.min(now.getTime(), endedMs ?? Infinity);
    const drafts = deriveFlags(events, rules, nowMs, {
      snapshots: evidence,
      ...(endedMs !== undefined && { sessionEndMs: endedMs }),
    });

    const existing = await tx.select().from(flags).where(eq(flags.sessionId, sessionId));
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
      removed: [],
      risk: null,
    };
    for (const d of drafts) {
      const row = byKey.get(d.key);
      byKey.delete(d.key);
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
        if (created) {
          changes.created.push(created);
          current.set(created.id, created);
        }
      } else if (differs(row, d)) {
        const [updated] = await tx
          .update(flags)
          .set(values)
          .where(eq(flags.id, row.id))
          .returning();
        if (updated) {
          changes.updated.push(updated);
          current.set(updated.id, updated);
        }
      }
    }
    // Flags that no longer follow from the events: reviewed ones stay as the record.
    const stale = [...byKey.values()].filter((f) => f.reviewStatus === 'open').map((f) => f.id);
    if (stale.length > 0) {
      await tx.delete(flags).where(inArray(flags.id, stale));
      changes.removed = stale;
      for (const id of stale) current.delete(id);
    }

    const currentFlags = [...current.values()].map((f) => toFlag(f, null));
    const risk = riskScore(currentFlags, nowMs);
    const contributions = risk.parts.map((p) => ({
      flagId: p.flag.id,
      type: p.flag.type,
      severity: p.flag.severity,
      points: p.points,
    }));
    const explanation = risk.parts.map((p) => p.explanation);
    const ended = endedMs !== undefined;
    const anyOpen = currentFlags.some((f) => f.endMs === null);
    const next = ended
      ? null
      : [
          nextFlagChangeMs(events, rules, nowMs),
          nextRiskChangeMs(currentFlags, nowMs),
          anyOpen ? nowMs + OPEN_FLAG_RECHECK_MS : null,
        ].reduce(minOrNull, null);
    const recheckAt = next === null ? null : new Date(Math.max(next, now.getTime()));
    const [before] = await tx
      .select()
      .from(sessionRisk)
      .where(eq(sessionRisk.sessionId, sessionId));
    const riskChanged =
      !before ||
      before.score !== risk.score ||
      JSON.stringify(before.contributions) !== JSON.stringify(contributions);
    const set = {
      score: risk.score,
      contributions,
      explanation,
      recheckAt,
      ...(riskChanged && { updatedAt: now }),
    };
    await tx
      .insert(sessionRisk)
      .values({ sessionId, ...set, updatedAt: now })
      .onConflictDoUpdate({ target: sessionRisk.sessionId, set });
    if (riskChanged) {
      changes.risk = {
        sessionId,
        score: risk.score,
        contributions,
        explanation,
        updatedAt: iso(now),
      };
    }
    return changes;
  }

  /** The events the rules read, as RuleEvents (client-clock times; server time if none). */
  private async ruleEvents(tx: Tx, sessionId: string): Promise<RuleEvent[]> {
    const rows = await tx
      .select({
        source: sessionEvents.source,
        type: sessionEvents.type,
        clientMs: sessionEvents.clientMs,
        serverAt: sessionEvents.serverAt,
        data: sessionEvents.data,
      })
      .from(sessionEvents)
      .where(
        and(
          eq(sessionEvents.sessionId, sessionId),
          or(
            and(
              eq(sessionEvents.source, 'client'),
              inArray(sessionEvents.type, [...RULE_INPUT_EVENT_TYPES]),
            ),
            and(
              eq(sessionEvents.source, 'server'),
              eq(sessionEvents.type, SERVER_DETECT_EVENTS.analysis),
            ),
          ),
        ),
      )
      .orderBy(asc(sessionEvents.clientMs), asc(sessionEvents.source), asc(sessionEvents.seq));
    return rows.map((r) => ({
      source: r.source as RuleEvent['source'],
      type: r.type,
      atMs: r.clientMs ?? r.serverAt.getTime(),
      data: r.data as Record<string, unknown>,
    }));
  }

  private async publish(c: Changes): Promise<void> {
    const withExam = (r: FlagRow) => ({ ...toFlag(r, c.startedAt), examId: c.examId });
    for (const r of c.created) await this.bus.publish('flag.created', withExam(r));
    for (const r of c.updated) await this.bus.publish('flag.updated', withExam(r));
    for (const id of c.removed) {
      await this.bus.publish('flag.removed', { id, sessionId: c.sessionId, examId: c.examId });
    }
    if (c.risk) await this.bus.publish('session.risk', { ...c.risk, examId: c.examId });
    if (this.live) await this.live(await this.liveInputs(c));
  }

  /** The same changes as live messages for the exam's staff (flags as alerts, with their handling). */
  private async liveInputs(c: Changes): Promise<LiveInput[]> {
    const address = { examId: c.examId, sessionId: c.sessionId, audience: 'staff' as const };
    const alerts = await buildAlerts(
      this.db,
      [...c.created, ...c.updated].map((row) => ({
        row,
        flag: toFlag(row, c.startedAt),
        studentId: c.studentId,
      })),
    );
    const created = new Set(c.created.map((r) => r.id));
    const inputs: LiveInput[] = alerts.map((data) => ({
      ...address,
      topic: created.has(data.flag.id) ? 'flag.created' : 'flag.updated',
      data,
    }));
    for (const id of c.removed) {
      inputs.push({ ...address, topic: 'flag.removed', data: { id, sessionId: c.sessionId } });
    }
    if (c.risk) inputs.push({ ...address, topic: 'session.risk', data: c.risk });
    return inputs;
  }
}

/** The earlier of two moments, either of which may be absent. */
function minOrNull(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.min(a, b);
}
