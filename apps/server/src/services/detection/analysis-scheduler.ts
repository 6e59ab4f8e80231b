import { and, desc, eq, gte, inArray, isNull, lt, lte, sql, type SQL } from 'drizzle-orm';
import {
  DetectSnapshotData,
  DetectStateData,
  ProctoringPolicy,
  SERVER_DETECT_EVENTS,
  type DetectShedData,
  type DetectSkippedData,
  type SnapshotKind,
} from '@invigil/contracts';
import type { Db, DbOrTx } from '../../db/database.js';
import { preparedStatement } from '../../db/prepared-statement.js';
import { analysisJobs, exams, examSessions, sessionEvents, snapshots } from '../../db/schema.js';
import type { Clock } from '../../ports/clock.port.js';
import { analysisBudget, type AnalysisBudget } from './analysis-budget.js';
import type { AnalysisJobInput, AnalysisQueue, ShedGroup } from './analysis-queue.js';
import {
  bucketStartMs,
  sampleBucket,
  samplePointMs,
  type SamplingOrigin,
} from './analysis-sampling.js';
import type { QueueBounds } from './analysis-shedding.js';
import type { StoredSnapshotInfo } from '../recording/recording.service.js';
import { loadSamplingKey } from './sampling-key.js';
import { appendServerEvents, type StoredClientEvent } from '../recording/session-events.service.js';

/** Snapshots this close (client clock) to a browser detection are always analysed. */
const NEAR_CLIENT_REPORT_MS = 10_000;
/** Snapshot kinds whose analysis enrols (or checks) the student's identity. */
const ENROLMENT_KINDS: ReadonlySet<SnapshotKind> = new Set<SnapshotKind>([
  'id_face',
  'id_document',
]);
/** Sequence numbers listed in one `detect.skipped` event at most (the count has them all). */
const MAX_LISTED_SEQS = 100;

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

/** What the scheduler is told to do besides queueing. */
export interface SchedulerOptions {
  /** The queue's bounds; past them the oldest routine samples are shed. */
  bounds: QueueBounds;
  /** Called after samples were shed (already recorded as `detect.shed`): log it. */
  onShed(shed: ShedGroup): void;
}

/** A job to queue, with what a `detect.skipped` event needs if the budget refuses it. */
type Candidate = AnalysisJobInput & { seq: number };

/** How a session is sampled. */
export interface SessionSampling {
  /** The exam's `serverAnalysisSeconds` in ms (0: no routine samples). */
  intervalMs: number;
  origin: SamplingOrigin;
}

/** How session `sessionId` is sampled (null when there is no such session). */
export async function loadSampling(db: DbOrTx, sessionId: string): Promise<SessionSampling | null> {
  const [row] = await db
    .select({
      policy: exams.policy,
      startedAt: examSessions.startedAt,
      createdAt: examSessions.createdAt,
    })
    .from(examSessions)
    .innerJoin(exams, eq(exams.id, examSessions.examId))
    .where(eq(examSessions.id, sessionId));
  return row ? samplingOf(row) : null;
}

/** What the scheduler needs to know of a session. */
interface SessionContext extends SessionSampling {
  budget: AnalysisBudget;
}

/**
 * Decides which snapshots the server analyses:
 * - the identity photo (its face becomes the reference);
 * - one webcam snapshot per `serverAnalysisSeconds` bucket, chosen on the server clock:
 *   buckets count from the attempt's start (before it, from the session's creation), and
 *   bucket b is sampled by the first webcam snapshot received at or after its start plus a
 *   secret offset (`samplingOffsetMs`). A bucket in which nothing arrived after the offset
 *   is sampled by its last snapshot once the next snapshot shows the bucket is over;
 * - every webcam snapshot within NEAR_CLIENT_REPORT_MS of a browser detection, whichever of
 *   the snapshot and the detection arrives first;
 * all within the session's server-clock budget (`analysisBudget`). What the budget refuses
 * is recorded as `detect.skipped`; what the queue's bounds shed, as `detect.shed`.
 */
export class AnalysisScheduler {
  private key: Promise<Buffer> | undefined;
  private readonly statements: ReturnType<typeof schedulerStatements>;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly queue: AnalysisQueue,
    private readonly options: SchedulerOptions,
  ) {
    this.statements = schedulerStatements(db);
  }

  /** Queue analyses for a snapshot just stored. */
  async snapshotStored(s: StoredSnapshotInfo): Promise<void> {
    if (ENROLMENT_KINDS.has(s.kind)) {
      const ctx = await this.sessionContext(s.sessionId);
      if (!ctx) return;
      const job: Candidate = { ...ids(s), seq: s.seq, reason: 'enrolment' };
      return this.queueWithin(s.sessionId, s.kind, ctx.budget.enrolment, [job]);
    }
    if (s.kind !== 'webcam') return;
    const ctx = await this.sessionContext(s.sessionId);
    if (!ctx) return;
    const jobs: Candidate[] = [];
    const sampling = ctx.intervalMs > 0 ? await this.sampling(s, ctx) : undefined;
    if (sampling?.previous) jobs.push(sampling.previous);
    if (sampling?.nearClientReport ?? (await this.nearClientReport(s))) {
      jobs.push({ ...ids(s), seq: s.seq, reason: 'client_report' });
    } else if (sampling?.current) {
      jobs.push(sampling.current);
    }
    await this.queueWithin(s.sessionId, s.kind, ctx.budget.webcam, jobs);
  }

  /** Queue the stored webcam snapshots near detections in newly stored client events. */
  async clientEventsStored(sessionId: string, events: readonly StoredClientEvent[]): Promise<void> {
    const times = events.filter(reportsSomething).map((e) => e.at);
    if (times.length === 0) return;
    const from = Math.min(...times) - NEAR_CLIENT_REPORT_MS;
    const to = Math.max(...times) + NEAR_CLIENT_REPORT_MS;
    const rows = await this.db
      .select({ id: snapshots.id, seq: snapshots.seq, takenMs: snapshots.takenMs })
      .from(snapshots)
      .leftJoin(analysisJobs, eq(analysisJobs.snapshotId, snapshots.id))
      .where(
        and(
          eq(snapshots.sessionId, sessionId),
          eq(snapshots.kind, 'webcam'),
          gte(snapshots.takenMs, from),
          lte(snapshots.takenMs, to),
          isNull(analysisJobs.id),
        ),
      )
      .orderBy(snapshots.seq);
    const near = rows.filter((r) =>
      times.some((t) => Math.abs(r.takenMs - t) <= NEAR_CLIENT_REPORT_MS),
    );
    if (near.length === 0) return;
    const ctx = await this.sessionContext(sessionId);
    if (!ctx) return;
    await this.queueWithin(
      sessionId,
      'webcam',
      ctx.budget.webcam,
      near.map((r) => ({ sessionId, snapshotId: r.id, seq: r.seq, reason: 'client_report' })),
    );
  }

  /**
   * The sample this snapshot makes, if it is the first at or after its bucket's sample
   * point; and the last snapshot of an earlier bucket that ended without a sample.
   */
  private async sampling(
    s: StoredSnapshotInfo,
    ctx: SessionContext,
  ): Promise<{ current?: Candidate; previous?: Candidate; nearClientReport?: boolean }> {
    const receivedMs = s.receivedAt?.getTime() ?? (await this.receivedMs(s.id));
    if (receivedMs === undefined) return {};
    const key = await this.samplingKey();
    const bucket = sampleBucket(receivedMs, ctx.origin, ctx.intervalMs);
    const bucketStart = bucketStartMs(bucket, ctx.origin, ctx.intervalMs);
    const webcam = and(eq(snapshots.sessionId, s.sessionId), eq(snapshots.kind, 'webcam'));
    // One read: the last bucket before this one that received anything (the newest snapshot's
    // before it), and the browser's detections near this snapshot.
    const [seen] = await this.statements.beforeAndNear(this.db).execute({
      sessionId: s.sessionId,
      bucketStart: new Date(bucketStart).toISOString(),
      from: s.takenMs - NEAR_CLIENT_REPORT_MS,
      to: s.takenMs + NEAR_CLIENT_REPORT_MS,
    });
    const beforeMs = seen?.beforeMs ?? null;
    const lastBucket =
      beforeMs === null ? undefined : sampleBucket(Number(beforeMs), ctx.origin, ctx.intervalMs);
    const sampled = await this.sampledBuckets(s.sessionId, [bucket, lastBucket ?? bucket]);
    const nearClientReport = (seen?.near ?? []).some(([type, data]) =>
      reportsSomething({ type, data }),
    );
    const out: { current?: Candidate; previous?: Candidate; nearClientReport?: boolean } = {
      nearClientReport,
    };
    if (lastBucket !== undefined && lastBucket !== bucket && !sampled.has(lastBucket)) {
      // Its last snapshot not analysed yet, looked for within that bucket's time only.
      const from = bucketStartMs(lastBucket, ctx.origin, ctx.intervalMs);
      const [last] = await this.db
        .select({ id: snapshots.id, seq: snapshots.seq })
        .from(snapshots)
        .leftJoin(analysisJobs, eq(analysisJobs.snapshotId, snapshots.id))
        .where(
          and(
            webcam,
            gte(snapshots.receivedAt, new Date(from)),
            lt(snapshots.receivedAt, new Date(Math.min(from + ctx.intervalMs, bucketStart))),
            isNull(analysisJobs.id),
          ),
        )
        .orderBy(desc(snapshots.receivedAt), desc(snapshots.seq))
        .limit(1);
      if (last) {
        out.previous = {
          sessionId: s.sessionId,
          snapshotId: last.id,
          seq: last.seq,
          reason: 'sample',
          sampleBucket: lastBucket,
        };
      }
    }
    const point = samplePointMs(key, s.sessionId, bucket, ctx.origin, ctx.intervalMs);
    if (receivedMs >= point && !sampled.has(bucket)) {
      out.current = { ...ids(s), seq: s.seq, reason: 'sample', sampleBucket: bucket };
    }
    return out;
  }

  /** Which of the two buckets (may be the same) already have a sample. */
  private async sampledBuckets(sessionId: string, [a, b]: [number, number]): Promise<Set<number>> {
    const rows = await this.statements.sampledBuckets(this.db).execute({ sessionId, a, b });
    return new Set(rows.map((r) => Number(r.bucket)));
  }

  /** When a snapshot was received (server clock), for a caller that did not say. */
  private async receivedMs(snapshotId: string): Promise<number | undefined> {
    const [row] = await this.db
      .select({ receivedAt: snapshots.receivedAt })
      .from(snapshots)
      .where(eq(snapshots.id, snapshotId));
    return row?.receivedAt.getTime();
  }

  /** Queue what the budget allows; record the rest as `detect.skipped`. */
  private async queueWithin(
    sessionId: string,
    kind: SnapshotKind,
    budget: number,
    jobs: readonly Candidate[],
  ): Promise<void> {
    if (jobs.length === 0) return;
    const allowed = jobs.slice(0, Math.max(0, budget));
    await this.add(
      sessionId,
      allowed.map(({ seq: _seq, ...job }) => job),
    );
    const refused = jobs.slice(allowed.length);
    const byReason = new Map<Candidate['reason'], Candidate[]>();
    for (const j of refused) byReason.set(j.reason, [...(byReason.get(j.reason) ?? []), j]);
    const skipped = [...byReason].map(([jobReason, list]) => {
      const data: DetectSkippedData = {
        reason: 'budget',
        jobReason,
        snapshotKind: kind,
        count: list.length,
        snapshotSeqs: list.slice(0, MAX_LISTED_SEQS).map((j) => j.seq),
      };
      return { type: SERVER_DETECT_EVENTS.skipped, data };
    });
    await appendServerEvents(this.db, sessionId, skipped);
  }

  private async add(sessionId: string, jobs: AnalysisJobInput[]): Promise<void> {
    if ((await this.queue.enqueue(jobs, this.clock.now())) === 0) return;
    await this.keepBounded(sessionId);
  }

  /** Shed the oldest routine samples when the session or the server is over its bound. */
  private async keepBounded(sessionId: string): Promise<void> {
    const { bounds } = this.options;
    const n = await this.queue.queuedCounts(sessionId);
    const sessionOver = n.sessionSamples > bounds.perSession;
    const serverOver = n.total > bounds.total && n.samples > 0;
    if (!sessionOver && !serverOver) return;
    const shed = await this.queue.shed(bounds, this.clock.now(), async (tx, groups) => {
      for (const g of groups) {
        const data: DetectShedData = {
          bound: g.bound,
          count: g.snapshotSeqs.length,
          snapshotSeqs: g.snapshotSeqs,
        };
        await appendServerEvents(tx, g.sessionId, [{ type: SERVER_DETECT_EVENTS.shed, data }]);
      }
    });
    for (const g of shed) this.options.onShed(g);
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

  /** The key is created once per database; a failed load is tried again next time. */
  private samplingKey(): Promise<Buffer> {
    this.key ??= loadSamplingKey(this.db).catch((error: unknown) => {
      this.key = undefined;
      throw error;
    });
    return this.key;
  }

  /**
   * The exam's sampling interval, the session's origin and what it may still get: one read
   * (as `loadSampling` plus the jobs the session already has that count against its budget).
   */
  private async sessionContext(sessionId: string): Promise<SessionContext | null> {
    const [row] = await this.statements.context(this.db).execute({ sessionId });
    if (!row) return null;
    const sampling = samplingOf(row);
    const { startedMs } = sampling.origin;
    return {
      ...sampling,
      budget: analysisBudget(startedMs === null ? null : new Date(startedMs), this.clock.now(), {
        enrolment: Number(row.enrolment ?? 0),
        webcam: Number(row.webcam ?? 0),
      }),
    };
  }
}

/** A session's sampling from its exam's policy and its times. */
function samplingOf(row: {
  policy: unknown;
  startedAt: Date | null;
  createdAt: Date;
}): SessionSampling {
  const policy = ProctoringPolicy.safeParse(row.policy ?? {});
  return {
    intervalMs: policy.success ? policy.data.serverAnalysisSeconds * 1000 : 0,
    origin: { startedMs: row.startedAt?.getTime() ?? null, createdMs: row.createdAt.getTime() },
  };
}

/** The scheduler's per-snapshot reads, built once (see prepared-statement.ts). */
function schedulerStatements(db: Db) {
  const p = (name: string) => sql.placeholder(name);
  const ofSession = sql`${analysisJobs.sessionId} = ${examSessions.id} and ${analysisJobs.status} <> 'shed'`;
  const isEnrolment = sql`${analysisJobs.reason} = 'enrolment'`;
  const used = (which: SQL) =>
    sql<
      string | number
    >`(select count(case when ${which} then 1 end) from ${analysisJobs} where ${ofSession})`;
  return {
    context: preparedStatement(db, (d) =>
      d
        .select({
          policy: exams.policy,
          startedAt: examSessions.startedAt,
          createdAt: examSessions.createdAt,
          enrolment: used(isEnrolment),
          webcam: used(sql`not (${isEnrolment})`),
        })
        .from(examSessions)
        .innerJoin(exams, eq(exams.id, examSessions.examId))
        .where(eq(examSessions.id, p('sessionId')))
        .prepare('analysis_session_context'),
    ),
    beforeAndNear: preparedStatement(db, (d) =>
      d
        .select({
          beforeMs: sql<
            string | number | null
          >`(select floor(extract(epoch from ${snapshots.receivedAt}) * 1000)
            from ${snapshots} where ${snapshots.sessionId} = ${p('sessionId')}
            and ${snapshots.kind} = 'webcam' and ${snapshots.receivedAt} < ${p('bucketStart')}::timestamptz
            order by ${snapshots.receivedAt} desc limit 1)`,
          near: sql<
            [string, unknown][] | null
          >`(select json_agg(json_build_array(${sessionEvents.type}, ${sessionEvents.data}))
            from ${sessionEvents} where ${sessionEvents.sessionId} = ${p('sessionId')}
            and ${sessionEvents.source} = 'client'
            and ${sessionEvents.type} in ('detect.state', 'detect.snapshot')
            and ${sessionEvents.clientMs} >= ${p('from')} and ${sessionEvents.clientMs} <= ${p('to')})`,
        })
        .from(sql`(select 1) as one`)
        .prepare('analysis_before_and_near'),
    ),
    sampledBuckets: preparedStatement(db, (d) =>
      d
        .select({ bucket: analysisJobs.sampleBucket })
        .from(analysisJobs)
        .where(
          and(
            eq(analysisJobs.sessionId, p('sessionId')),
            sql`${analysisJobs.sampleBucket} in (${p('a')}, ${p('b')})`,
          ),
        )
        .prepare('analysis_sampled_buckets'),
    ),
  };
}

const ids = (s: StoredSnapshotInfo) => ({ sessionId: s.sessionId, snapshotId: s.id });
