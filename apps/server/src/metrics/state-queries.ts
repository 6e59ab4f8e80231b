import { and, count, eq, gt, inArray, lte, sql, type SQL } from 'drizzle-orm';
import type { SessionState } from '@invigil/contracts';
import type { Db } from '../db/database.js';
import {
  analysisJobs,
  examSessions,
  exams,
  mediaSegments,
  notificationDeliveries,
  sessionEvents,
} from '../db/schema.js';
import type { MetricJobType } from './instruments.js';

/**
 * How many jobs of one type are in each state and how long the oldest due one has waited:
 * the shape of `JobQueue.counts` (ports/job-queue.port.ts), so a job queue can feed the same
 * gauges when it replaces these tables.
 */
export interface QueueCounts {
  /** Due now and not running. */
  waiting: number;
  /** Not yet due: backing off after a failure. */
  delayed: number;
  running: number;
  /** Given up: attempts exhausted or failed permanently. */
  dead: number;
  /** Milliseconds the oldest due job has waited since it became due; 0 when none waits. */
  oldestWaitingMs: number;
}

/** What the running attempts look like now, for alerts no single request can see. */
export interface RunningSessions {
  /** In progress, recording something, and no webcam or screen segment received for this long. */
  mediaStale: number;
  /** In progress, and their page reported an upload backlog recently. */
  backlogReported: number;
}

/** A running attempt without a new segment for this long has no media (at least 3 segments). */
export const MEDIA_STALE_MS = 2 * 60_000;
/** An upload.backlog report counts as current for this long (the browser reports once per backlog). */
export const BACKLOG_REPORT_MS = 5 * 60_000;

const num = (v: unknown): number => Number(v ?? 0) || 0;

/** Attempts per state (one grouped count; exam_sessions has a row per attempt ever made). */
export async function readSessionStates(db: Db): Promise<Map<SessionState, number>> {
  const rows = await db
    .select({ state: examSessions.state, n: count() })
    .from(examSessions)
    .groupBy(examSessions.state);
  return new Map(rows.map((r) => [r.state as SessionState, num(r.n)]));
}

/** The newest segment of a track of the outer session: an index-backed "newest by seq". */
const newestSegment = (track: 'webcam' | 'screen') =>
  sql`(select ${mediaSegments.receivedAt} from ${mediaSegments} where ${mediaSegments.sessionId} = ${examSessions.id} and ${mediaSegments.track} = ${track} order by ${mediaSegments.seq} desc limit 1)`;

/** Whether the exam records a track at all (policy defaults: everything on). */
const records = sql`(coalesce(${exams.policy}->>'webcam', 'true') = 'true' or coalesce(${exams.policy}->>'microphone', 'true') = 'true' or coalesce(${exams.policy}->>'screen', 'true') = 'true')`;

/**
 * Attempts in progress whose media stopped and whose page reported an upload backlog. Each
 * attempt costs three index lookups of one row (newest segment per track, newest backlog
 * report), however long it has run.
 */
export async function readRunningSessions(db: Db, now: Date): Promise<RunningSessions> {
  const staleBefore = new Date(now.getTime() - MEDIA_STALE_MS).toISOString();
  const reportedSince = new Date(now.getTime() - BACKLOG_REPORT_MS).toISOString();
  const newestMedia = sql`coalesce(greatest(${newestSegment('webcam')}, ${newestSegment('screen')}), ${examSessions.startedAt})`;
  const newestReport = sql`(select ${sessionEvents.serverAt} from ${sessionEvents} where ${sessionEvents.sessionId} = ${examSessions.id} and ${sessionEvents.source} = 'client' and ${sessionEvents.type} = 'upload.backlog' order by ${sessionEvents.seq} desc limit 1)`;
  const [row] = await db
    .select({
      mediaStale: sql<string>`count(*) filter (where ${records} and ${newestMedia} < ${staleBefore}::timestamptz)`,
      backlogReported: sql<string>`count(*) filter (where ${newestReport} >= ${reportedSince}::timestamptz)`,
    })
    .from(examSessions)
    .innerJoin(exams, eq(exams.id, examSessions.examId))
    .where(eq(examSessions.state, 'in_progress'));
  return { mediaStale: num(row?.mediaStale), backlogReported: num(row?.backlogReported) };
}

/** One grouped count over a queue table's live rows (its status index). */
async function countQueue(
  db: Db,
  table: typeof analysisJobs | typeof notificationDeliveries,
  states: { waiting: SQL; delayed: SQL; running: SQL; dead: SQL; dueAt: SQL },
  live: SQL | undefined,
  now: Date,
): Promise<QueueCounts> {
  const at = sql`${now.toISOString()}::timestamptz`;
  const [row] = await db
    .select({
      waiting: sql<string>`count(*) filter (where ${states.waiting})`,
      delayed: sql<string>`count(*) filter (where ${states.delayed})`,
      running: sql<string>`count(*) filter (where ${states.running})`,
      dead: sql<string>`count(*) filter (where ${states.dead})`,
      oldestMs: sql<string>`coalesce(max(extract(epoch from (${at} - ${states.dueAt})) * 1000) filter (where ${states.waiting}), 0)`,
    })
    .from(table)
    .where(live);
  return {
    waiting: num(row?.waiting),
    delayed: num(row?.delayed),
    running: num(row?.running),
    dead: num(row?.dead),
    oldestWaitingMs: Math.max(0, Math.round(num(row?.oldestMs))),
  };
}

/**
 * Both queue tables now. Analysis: `queued` (due or backing off), `running`, `failed` (dead);
 * `done` and `shed` rows are history and never read. Notifications: `pending`, `sending`,
 * `failed`; `delivered` is history. A running job whose lease ran out waits to be taken over.
 */
export async function readQueueCounts(
  db: Db,
  now: Date,
): Promise<Record<MetricJobType, QueueCounts>> {
  const a = analysisJobs;
  const n = notificationDeliveries;
  return {
    'analysis.snapshot': await countQueue(
      db,
      a,
      {
        waiting: sql`(${and(eq(a.status, 'queued'), lte(a.runAt, now))} or ${and(eq(a.status, 'running'), lte(a.lockedUntil, now))})`,
        delayed: sql`${and(eq(a.status, 'queued'), gt(a.runAt, now))}`,
        running: sql`${and(eq(a.status, 'running'), gt(a.lockedUntil, now))}`,
        dead: sql`${eq(a.status, 'failed')}`,
        dueAt: sql`case when ${a.status} = 'running' then ${a.lockedUntil} else ${a.runAt} end`,
      },
      inArray(a.status, ['queued', 'running', 'failed']),
      now,
    ),
    'notification.delivery': await countQueue(
      db,
      n,
      {
        waiting: sql`(${and(eq(n.status, 'pending'), lte(n.nextAttemptAt, now))} or ${and(eq(n.status, 'sending'), lte(n.lockedUntil, now))})`,
        delayed: sql`${and(eq(n.status, 'pending'), gt(n.nextAttemptAt, now))}`,
        running: sql`${and(eq(n.status, 'sending'), gt(n.lockedUntil, now))}`,
        dead: sql`${eq(n.status, 'failed')}`,
        dueAt: sql`case when ${n.status} = 'sending' then ${n.lockedUntil} else ${n.nextAttemptAt} end`,
      },
      inArray(n.status, ['pending', 'sending', 'failed']),
      now,
    ),
  };
}
