import { count, eq, sql } from 'drizzle-orm';
import type { SessionState } from '@invigil/contracts';
import type { Db } from '../db/database.js';
import { examSessions, exams, mediaSegments, sessionEvents } from '../db/schema.js';

/**
 * How many jobs of one type are in each state and how long the oldest due one has waited, as
 * `JobQueue.counts` (ports/job-queue.port.ts) reports them for the queue gauges.
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
