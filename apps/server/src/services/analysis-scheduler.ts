import { and, count, eq, gte, inArray, lte, ne } from 'drizzle-orm';
import { DetectSnapshotData, DetectStateData, ProctoringPolicy } from '@invigil/contracts';
import type { Db } from '../db/database.js';
import { analysisJobs, exams, examSessions, sessionEvents, snapshots } from '../db/schema.js';
import type { Clock } from '../ports/clock.port.js';
import type { AnalysisJobInput, AnalysisQueue } from './analysis-queue.js';
import type { StoredSnapshotInfo } from './recording.service.js';
import type { StoredClientEvent } from './session-events.service.js';

/** Snapshots this close (client clock) to a browser detection are always analysed. */
const NEAR_CLIENT_REPORT_MS = 10_000;

/**
 * Snapshot times and detections come from the browser's clock, so a tampered client could
 * ask for an analysis of every snapshot. The server's own clock caps it: per session, one
 * analysis per this many seconds since the attempt started, plus a start allowance.
 */
const MIN_SECONDS_PER_ANALYSIS = 2;
const BUDGET_ALLOWANCE_JOBS = 30;

/**
 * How many more analyses a session may get: the server-clock budget minus the jobs it
 * already has (the identity photo does not count).
 */
export function analysisBudget(startedAt: Date | null, now: Date, jobsSoFar: number): number {
  const elapsedS = startedAt ? Math.max(0, (now.getTime() - startedAt.getTime()) / 1000) : 0;
  return Math.floor(elapsedS / MIN_SECONDS_PER_ANALYSIS) + BUDGET_ALLOWANCE_JOBS - jobsSoFar;
}

/**
 * Whether a client event reports something worth checking: a detector's condition starting,
 * or a snapshot report that is not "one face, nothing else".
 */
export function reportsSomething(e: { type: string; data: unknown }): boolean {
  if (e.type === 'detect.state') {
    const d = DetectStateData.safeParse(e.data);
    return d.success && d.data.active;
  }
  if (e.type === 'detect.snapshot') {
    const d = DetectSnapshotData.safeParse(e.data);
    if (!d.success) return false;
    const r = d.data;
    return r.faces !== 1 || r.headTurned || r.phone || r.book || r.persons > 1;
  }
  return false;
}

/**
 * Decides which snapshots the server analyses: the identity photo (its face becomes the
 * reference), one webcam snapshot per `serverAnalysisSeconds` of the exam's policy, and
 * every webcam snapshot within NEAR_CLIENT_REPORT_MS of a browser detection — whichever
 * of the snapshot and the detection arrives first — within the session's server-clock
 * budget (see MIN_SECONDS_PER_ANALYSIS).
 */
export class AnalysisScheduler {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly queue: AnalysisQueue,
    /** Called when jobs were added, so the runner starts at once instead of at its next poll. */
    private readonly onQueued: () => void,
  ) {}

  /** Queue analyses for a snapshot just stored. */
  async snapshotStored(s: StoredSnapshotInfo): Promise<void> {
    if (s.kind === 'id_face') {
      return this.add([{ sessionId: s.sessionId, snapshotId: s.id, reason: 'enrolment' }]);
    }
    if (s.kind !== 'webcam') return;
    const ctx = await this.sessionContext(s.sessionId);
    if (!ctx || ctx.budget <= 0) return;
    if (await this.nearClientReport(s)) {
      return this.add([{ sessionId: s.sessionId, snapshotId: s.id, reason: 'client_report' }]);
    }
    if (ctx.samplingSeconds === 0) return;
    const sampleBucket = Math.floor(s.takenMs / (ctx.samplingSeconds * 1000));
    await this.add([{ sessionId: s.sessionId, snapshotId: s.id, reason: 'sample', sampleBucket }]);
  }

  /** Queue the stored webcam snapshots near detections in newly stored client events. */
  async clientEventsStored(sessionId: string, events: readonly StoredClientEvent[]): Promise<void> {
    const times = events.filter(reportsSomething).map((e) => e.at);
    if (times.length === 0) return;
    const from = Math.min(...times) - NEAR_CLIENT_REPORT_MS;
    const to = Math.max(...times) + NEAR_CLIENT_REPORT_MS;
    const rows = await this.db
      .select({ id: snapshots.id, takenMs: snapshots.takenMs })
      .from(snapshots)
      .where(
        and(
          eq(snapshots.sessionId, sessionId),
          eq(snapshots.kind, 'webcam'),
          gte(snapshots.takenMs, from),
          lte(snapshots.takenMs, to),
        ),
      );
    const near = rows.filter((r) =>
      times.some((t) => Math.abs(r.takenMs - t) <= NEAR_CLIENT_REPORT_MS),
    );
    const budget = (await this.sessionContext(sessionId))?.budget ?? 0;
    await this.add(
      near
        .slice(0, Math.max(0, budget))
        .map((r) => ({ sessionId, snapshotId: r.id, reason: 'client_report' as const })),
    );
  }

  private async add(jobs: AnalysisJobInput[]): Promise<void> {
    if ((await this.queue.enqueue(this.db, jobs, this.clock.now())) > 0) this.onQueued();
  }

  private async nearClientReport(s: StoredSnapshotInfo): Promise<boolean> {
    const rows = await this.db
      .select({ type: sessionEvents.type, data: sessionEvents.data })
      .from(sessionEvents)
      .where(
        and(
          eq(sessionEvents.sessionId, s.sessionId),
          eq(sessionEvents.source, 'client'),
          inArray(sessionEvents.type, ['detect.state', 'detect.snapshot']),
          gte(sessionEvents.clientMs, s.takenMs - NEAR_CLIENT_REPORT_MS),
          lte(sessionEvents.clientMs, s.takenMs + NEAR_CLIENT_REPORT_MS),
        ),
      );
    return rows.some(reportsSomething);
  }

  /** The exam's sampling interval and the analyses the session may still get. */
  private async sessionContext(
    sessionId: string,
  ): Promise<{ samplingSeconds: number; budget: number } | null> {
    const [row] = await this.db
      .select({ policy: exams.policy, startedAt: examSessions.startedAt })
      .from(examSessions)
      .innerJoin(exams, eq(exams.id, examSessions.examId))
      .where(eq(examSessions.id, sessionId));
    if (!row) return null;
    const [jobs] = await this.db
      .select({ n: count() })
      .from(analysisJobs)
      .where(and(eq(analysisJobs.sessionId, sessionId), ne(analysisJobs.reason, 'enrolment')));
    const policy = ProctoringPolicy.safeParse(row.policy ?? {});
    return {
      samplingSeconds: policy.success ? policy.data.serverAnalysisSeconds : 0,
      budget: analysisBudget(row.startedAt, this.clock.now(), jobs?.n ?? 0),
    };
  }
}
