import { and, asc, eq, gt, inArray, isNull, sql, type SQL } from 'drizzle-orm';
import { CAMERA_DETECTORS, EVIDENCE_EVENTS, ProctoringPolicy } from '@invigil/contracts';
import { effectiveRules } from '@invigil/detection/rules';
import { EVIDENCE_LOCK, lockInTransaction } from '../../db/advisory-locks.js';
import type { Db, DbOrTx } from '../../db/database.js';
import {
  examSessions,
  exams,
  mediaSegments,
  registrations,
  sessionEvents,
  snapshots,
} from '../../db/schema.js';
import type { Clock } from '../../ports/clock.port.js';
import {
  FULLSCREEN_GRACE_MS,
  judgeEvidence,
  lastEndedMs,
  openAbsences,
  recordedUpTo,
  UPLOAD_BACKLOG_MS,
  WATCHES,
  type Receipt,
  type WatchFacts,
} from './evidence-watch.js';
import { checkEndedRecordings, EARLY_CHECK_WINDOW_MS } from '../recording/recording-check.js';
import { detectorAccommodationsOf } from '../exams/registrations.service.js';
import { appendServerEvents } from '../recording/session-events.service.js';

/** States in which the browser records: a proctor's pause does not stop the recording. */
export const WATCHED_STATES = ['in_progress', 'paused'] as const;

/** Client events that count as the browser's detector reports. */
export const DETECTOR_REPORT_TYPES = ['detect.state', 'detect.snapshot'] as const;

const EVIDENCE_TYPES = Object.values(EVIDENCE_EVENTS);

/** The page reported entering full screen (any such report ends "never entered"). */
const fullscreenEntered = and(
  eq(sessionEvents.source, 'client'),
  eq(sessionEvents.type, 'fullscreen.enter'),
);

/** What one sweep did. */
export interface EvidenceSweep {
  /** Running attempts looked at. */
  watched: number;
  /** Sessions whose evidence events changed (then re-judged). */
  changed: string[];
  /** Ended sessions whose recording was checked once uploads settled (then re-judged). */
  settled: string[];
}

/** Options of the watchdog. */
export interface EvidenceWatchdogOptions {
  /** How long after an attempt's end uploads are still taken (the ingest grace period). */
  ingestGraceMs?: number;
  /** Quiet time after the last upload before an ended attempt's recording is checked. */
  quietMs?: number;
  /**
   * How often it sweeps (EVIDENCE_SWEEP_SECONDS): an ended attempt gone quiet is looked at
   * early for at least two sweeps (see `checkEndedRecordings`).
   */
  sweepMs?: number;
  /** CONNECTION_LOST_SECONDS in ms: nothing at all from a running attempt's page this long. */
  connectionLostMs?: number;
  /**
   * UPLOAD_BACKLOG_SECONDS in ms: a heard page's recording this far behind the present
   * (default UPLOAD_BACKLOG_MS; 0: not watched).
   */
  uploadBacklogMs?: number;
  /**
   * When this process last heard the student's page on its live socket (a pong), epoch ms;
   * a page whose uploads stall but whose socket answers has not lost its connection.
   */
  lastHeardMs?: (sessionId: string) => number | null;
}

/**
 * A detector report of the session received from the browser. Any report, trusted or not, is
 * a sign that its detection runs (a clock that is off, or a backlog after a cut, makes reports
 * untrusted, not absent); only a trusted one (`trusted`: not refused as late or forged) ends a
 * silence already recorded.
 */
const detectorReport = (sessionId: SQL | string, trusted = false) =>
  and(
    sql`${sessionEvents.sessionId} = ${sessionId}`,
    eq(sessionEvents.source, 'client'),
    inArray(sessionEvents.type, [...DETECTOR_REPORT_TYPES]),
    trusted ? isNull(sessionEvents.untrustedReason) : undefined,
  );

/** `[receivedMs, seq]` of the newest row (by sequence number) matching `where`, as JSON. */
const newestReceipt = (
  table: typeof mediaSegments | typeof snapshots | typeof sessionEvents,
  at: unknown,
  where: SQL | undefined,
) =>
  sql<
    [number | string, number] | null
  >`(select json_build_array((extract(epoch from ${at}) * 1000)::bigint, ${table.seq}) from ${table} where ${where} order by ${table.seq} desc limit 1)`;

/**
 * `[receivedMs, endMs]` of a track's first or newest segment (by sequence number), as JSON:
 * what `recordedUpTo` needs.
 */
const segmentEdge = (session: SQL, track: 'webcam' | 'screen', order: 'asc' | 'desc') =>
  sql<
    [number | string, number | string] | null
  >`(select json_build_array((extract(epoch from ${mediaSegments.receivedAt}) * 1000)::bigint, ${mediaSegments.endMs}) from ${mediaSegments} where ${mediaSegments.sessionId} = ${session} and ${mediaSegments.track} = ${track} order by ${mediaSegments.seq} ${sql.raw(order)} limit 1)`;

/** `[receivedMs, seq, pendingMediaMs]` of the page's newest `upload.backlog` report, as JSON. */
const newestBacklogReport = (session: SQL) =>
  sql<unknown>`(select json_build_array((extract(epoch from ${sessionEvents.serverAt}) * 1000)::bigint, ${sessionEvents.seq}, ${sessionEvents.data}->>'pendingMediaMs') from ${sessionEvents} where ${sessionEvents.sessionId} = ${session} and ${sessionEvents.source} = 'client' and ${sessionEvents.type} = 'upload.backlog' order by ${sessionEvents.seq} desc limit 1)`;

/** A pair of numbers read back from JSON (null: none). */
const numbers = (v: unknown): number[] | null => {
  const arr = typeof v === 'string' ? (JSON.parse(v) as unknown) : v;
  if (!Array.isArray(arr)) return null;
  const out = arr.map(Number);
  return out.every(Number.isFinite) ? out : null;
};

/** The server-clock end of a track's newest segment (see `recordedUpTo`), or null. */
const recordedToOf = (first: unknown, newest: unknown): number | null => {
  const a = numbers(first);
  const b = numbers(newest);
  if (!a || !b || a.length < 2 || b.length < 2) return null;
  return recordedUpTo({ receivedMs: a[0]!, endMs: a[1]! }, { receivedMs: b[0]!, endMs: b[1]! });
};

const ms = (col: unknown) => sql<string>`(extract(epoch from ${col}) * 1000)::bigint`;

/** A live-socket heartbeat as a receipt (it has no sequence number). */
const heard = (atMs: number | null | undefined): Receipt | null =>
  atMs === null || atMs === undefined ? null : { atMs, seq: 0 };

/** The newest of several receipts (null: none). */
const newestOf = (receipts: readonly (Receipt | null)[]): Receipt | null =>
  receipts.reduce<Receipt | null>((a, b) => (b && (!a || b.atMs > a.atMs) ? b : a), null);

/**
 * The first thing the page sent after `fromMs` (a segment, a snapshot, a client event), or
 * `fallback` (the newest, e.g. a live heartbeat) when the uploads have not resumed yet.
 */
async function firstHeardAfter(
  db: DbOrTx,
  sessionId: string,
  fromMs: number,
  fallback: Receipt | null | undefined,
): Promise<Receipt | null> {
  const after = new Date(fromMs);
  const first = async (
    table: typeof mediaSegments | typeof snapshots | typeof sessionEvents,
    at: unknown,
    where?: SQL,
  ) => {
    const [row] = await db
      .select({ at: sql<string | null>`(extract(epoch from min(${at})) * 1000)::bigint` })
      .from(table)
      .where(and(sql`${table.sessionId} = ${sessionId}`, sql`${at} > ${after}`, where));
    return row?.at === null || row?.at === undefined ? null : Number(row.at);
  };
  const times = [
    await first(mediaSegments, mediaSegments.receivedAt),
    await first(snapshots, snapshots.receivedAt),
    await first(sessionEvents, sessionEvents.serverAt, eq(sessionEvents.source, 'client')),
  ].filter((v): v is number => v !== null);
  if (times.length === 0) return fallback ?? null;
  return { atMs: Math.min(...times), seq: 0 };
}

const toReceipt = (v: unknown): Receipt | null => {
  const pair = typeof v === 'string' ? (JSON.parse(v) as unknown) : v;
  if (!Array.isArray(pair) || pair.length !== 2) return null;
  return { atMs: Number(pair[0]), seq: Number(pair[1]) };
};

/**
 * The evidence watchdog: while an attempt runs (in progress or paused), the server expects
 * its required tracks, webcam snapshots and the browser's detector reports to keep
 * arriving, judged by when they were received on the server's clock. Each sweep records
 * absences that began or ended as `evidence.*` server events (see `judgeEvidence`), and
 * checks the recordings of attempts that ended once their uploads have settled
 * (`checkEndedRecordings`); the flags follow from those events when the session is
 * re-judged. Several processes may sweep at once: each session is judged under a lock.
 */
export class EvidenceWatchdog {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    /** Re-judge a session's flags after its evidence events changed; must not throw. */
    private readonly rederive: (sessionId: string) => Promise<void>,
    private readonly options: EvidenceWatchdogOptions = {},
  ) {}

  /** Judge every running attempt now, then check ended recordings whose uploads settled. */
  async sweep(): Promise<EvidenceSweep> {
    const now = this.clock.now();
    const running = await this.facts(this.db, now);
    const changed: string[] = [];
    for (const [sessionId, facts] of running) {
      if (judgeEvidence(facts).length === 0) continue;
      if (await this.record(sessionId, now)) {
        changed.push(sessionId);
        await this.rederive(sessionId);
      }
    }
    const settled = await checkEndedRecordings(this.db, now, {
      ...(this.options.ingestGraceMs !== undefined && { graceMs: this.options.ingestGraceMs }),
      ...(this.options.quietMs !== undefined && { quietMs: this.options.quietMs }),
      earlyWindowMs: Math.max(EARLY_CHECK_WINDOW_MS, 2 * (this.options.sweepMs ?? 0)),
    });
    for (const sessionId of settled) await this.rederive(sessionId);
    return { watched: running.size, changed, settled };
  }

  /** Judge one session again under its lock (another sweep may have just written) and record. */
  private async record(sessionId: string, now: Date): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      await lockInTransaction(tx, EVIDENCE_LOCK, sessionId);
      const facts = (await this.facts(tx, now, sessionId)).get(sessionId);
      if (!facts) return false;
      await this.resume(tx, sessionId, facts);
      const events = judgeEvidence(facts);
      await appendServerEvents(tx, sessionId, events);
      return events.length > 0;
    });
  }

  /**
   * The facts of running attempts (one, or all) in two queries whatever their number: the
   * newest receipt per watch is an index-backed "newest by sequence number" lookup. For an
   * open absence whose watch received something since, `resumed` holds that newest receipt
   * (`resume` replaces it with the first one, under the lock).
   */
  private async facts(db: DbOrTx, now: Date, only?: string): Promise<Map<string, WatchFacts>> {
    const of = (col: unknown) => sql`${col} = ${examSessions.id}`;
    const rows = await db
      .select({
        id: examSessions.id,
        startedAt: examSessions.startedAt,
        policy: exams.policy,
        acc: registrations.detectorAccommodations,
        webcam: newestReceipt(
          mediaSegments,
          mediaSegments.receivedAt,
          and(of(mediaSegments.sessionId), eq(mediaSegments.track, 'webcam')),
        ),
        screen: newestReceipt(
          mediaSegments,
          mediaSegments.receivedAt,
          and(of(mediaSegments.sessionId), eq(mediaSegments.track, 'screen')),
        ),
        snapshots: newestReceipt(
          snapshots,
          snapshots.receivedAt,
          and(of(snapshots.sessionId), eq(snapshots.kind, 'webcam')),
        ),
        detection: newestReceipt(
          sessionEvents,
          sessionEvents.serverAt,
          detectorReport(sql`${examSessions.id}`),
        ),
        trustedDetection: newestReceipt(
          sessionEvents,
          sessionEvents.serverAt,
          detectorReport(sql`${examSessions.id}`, true),
        ),
        // Signs of life besides the watched ones, read only when connections (or uploads
        // falling behind, judged only while the page is heard) are watched: screen snapshots
        // and any client event batch (index-backed, newest by seq).
        ...(this.hearsPages
          ? {
              screenSnapshot: newestReceipt(
                snapshots,
                snapshots.receivedAt,
                and(of(snapshots.sessionId), eq(snapshots.kind, 'screen')),
              ),
              anyEvent: newestReceipt(
                sessionEvents,
                sessionEvents.serverAt,
                and(of(sessionEvents.sessionId), eq(sessionEvents.source, 'client')),
              ),
            }
          : {}),
        // How far the recording has reached, and the browser's own word on its backlog.
        ...(this.backlogMs
          ? {
              webcamFirst: segmentEdge(sql`${examSessions.id}`, 'webcam', 'asc'),
              webcamNewest: segmentEdge(sql`${examSessions.id}`, 'webcam', 'desc'),
              screenFirst: segmentEdge(sql`${examSessions.id}`, 'screen', 'asc'),
              screenNewest: segmentEdge(sql`${examSessions.id}`, 'screen', 'desc'),
              backlogReport: newestBacklogReport(sql`${examSessions.id}`),
            }
          : {}),
        // Read only where the exam requires full screen (otherwise nothing is judged of it).
        fullscreenEnter: sql<unknown>`case when ${exams.policy}->>'requireFullscreen' = 'true' then ${newestReceipt(
          sessionEvents,
          sessionEvents.serverAt,
          and(of(sessionEvents.sessionId), fullscreenEntered),
        )} end`,
      })
      .from(examSessions)
      .innerJoin(exams, eq(exams.id, examSessions.examId))
      .innerJoin(registrations, eq(registrations.id, examSessions.registrationId))
      .where(
        and(
          inArray(examSessions.state, [...WATCHED_STATES]),
          only === undefined ? undefined : eq(examSessions.id, only),
        ),
      );
    const out = new Map<string, WatchFacts>();
    if (rows.length === 0) return out;
    const own = await db
      .select({
        sessionId: sessionEvents.sessionId,
        type: sessionEvents.type,
        data: sessionEvents.data,
      })
      .from(sessionEvents)
      .where(
        and(
          inArray(
            sessionEvents.sessionId,
            rows.map((r) => r.id),
          ),
          eq(sessionEvents.source, 'server'),
          inArray(sessionEvents.type, EVIDENCE_TYPES),
        ),
      )
      .orderBy(asc(sessionEvents.seq));
    for (const r of rows) {
      if (!r.startedAt) continue;
      const parsed = ProctoringPolicy.safeParse(r.policy ?? {});
      const policy = parsed.success ? parsed.data : ProctoringPolicy.parse({});
      const rules = effectiveRules(policy, detectorAccommodationsOf(r.acc));
      const newest: WatchFacts['newest'] = {
        webcam: toReceipt(r.webcam),
        screen: toReceipt(r.screen),
        snapshots: toReceipt(r.snapshots),
        detection: toReceipt(r.detection),
        fullscreen: toReceipt(r.fullscreenEnter),
      };
      if (this.hearsPages) {
        const extra = r as { screenSnapshot?: unknown; anyEvent?: unknown };
        newest.connection = newestOf([
          newest.webcam,
          newest.screen,
          newest.snapshots,
          newest.detection,
          toReceipt(extra.screenSnapshot),
          toReceipt(extra.anyEvent),
          heard(this.options.lastHeardMs?.(r.id)),
        ]);
      }
      const mine = own.filter((e) => e.sessionId === r.id);
      const open = openAbsences(mine);
      const resumed: WatchFacts['resumed'] = {};
      for (const w of WATCHES) {
        // Uploads catch up by the server's estimate, not by an item received (judgeUploads).
        if (w === 'uploads') continue;
        const o = open[w];
        // A silence of the detectors ends only with a trusted report.
        const n = w === 'detection' ? toReceipt(r.trustedDetection) : newest[w];
        if (o) resumed[w] = n && n.atMs > o.fromMs ? n : null;
      }
      out.set(r.id, {
        nowMs: now.getTime(),
        startedAtMs: r.startedAt.getTime(),
        policy,
        cameraDetection:
          CAMERA_DETECTORS.some((name) => rules[name].enabled) && rules.detection_silent.enabled,
        detectionSilenceMs: rules.detection_silent.minSeconds * 1000,
        ...(rules.connection_lost.enabled && {
          connectionLostMs: this.options.connectionLostMs ?? 0,
        }),
        ...(policy.requireFullscreen &&
          rules.fullscreen_exit.enabled && { fullscreenGraceMs: FULLSCREEN_GRACE_MS }),
        ...(rules.upload_backlog.enabled &&
          this.backlogMs > 0 && {
            uploadBacklogMs: this.backlogMs,
            ...this.backlogFacts(r, mine),
          }),
        newest,
        open,
        resumed,
      });
    }
    return out;
  }

  /** UPLOAD_BACKLOG_SECONDS in ms (0: uploads falling behind are not watched). */
  private get backlogMs(): number {
    return this.options.uploadBacklogMs ?? UPLOAD_BACKLOG_MS;
  }

  /** Whether the page's signs of life are read (for lost connections or upload backlogs). */
  private get hearsPages(): boolean {
    return Boolean(this.options.connectionLostMs) || this.backlogMs > 0;
  }

  /** The facts of the uploads watch from one row of `facts` and the session's own events. */
  private backlogFacts(
    row: Record<string, unknown>,
    own: readonly { type: string; data: unknown }[],
  ): Pick<WatchFacts, 'recordedTo' | 'backlogReport' | 'uploadsEndedMs'> {
    const report = numbers(row.backlogReport);
    return {
      recordedTo: {
        webcam: recordedToOf(row.webcamFirst, row.webcamNewest),
        screen: recordedToOf(row.screenFirst, row.screenNewest),
      },
      backlogReport:
        report && report.length === 3
          ? { atMs: report[0]!, seq: report[1]!, pendingMs: report[2]! }
          : null,
      uploadsEndedMs: lastEndedMs(own, 'uploads'),
    };
  }

  /** For each open absence that received something since: the first item after it began. */
  private async resume(db: DbOrTx, sessionId: string, facts: WatchFacts): Promise<void> {
    for (const w of WATCHES) {
      if (w === 'uploads') continue;
      const open = facts.open[w];
      if (!open || !facts.resumed[w]) continue;
      if (w === 'fullscreen') {
        const [first] = await db
          .select({ at: ms(sessionEvents.serverAt), seq: sessionEvents.seq })
          .from(sessionEvents)
          .where(
            and(
              eq(sessionEvents.sessionId, sessionId),
              fullscreenEntered,
              gt(sessionEvents.serverAt, new Date(open.fromMs)),
            ),
          )
          .orderBy(asc(sessionEvents.serverAt), asc(sessionEvents.seq))
          .limit(1);
        if (first) facts.resumed[w] = { atMs: Number(first.at), seq: first.seq };
        continue;
      }
      if (w === 'connection') {
        facts.resumed[w] = await firstHeardAfter(db, sessionId, open.fromMs, facts.resumed[w]);
        continue;
      }
      const after = new Date(open.fromMs);
      const [first] =
        w === 'webcam' || w === 'screen'
          ? await db
              .select({ at: ms(mediaSegments.receivedAt), seq: mediaSegments.seq })
              .from(mediaSegments)
              .where(
                and(
                  eq(mediaSegments.sessionId, sessionId),
                  eq(mediaSegments.track, w),
                  gt(mediaSegments.receivedAt, after),
                ),
              )
              .orderBy(asc(mediaSegments.receivedAt), asc(mediaSegments.seq))
              .limit(1)
          : w === 'snapshots'
            ? await db
                .select({ at: ms(snapshots.receivedAt), seq: snapshots.seq })
                .from(snapshots)
                .where(
                  and(
                    eq(snapshots.sessionId, sessionId),
                    eq(snapshots.kind, 'webcam'),
                    gt(snapshots.receivedAt, after),
                  ),
                )
                .orderBy(asc(snapshots.receivedAt), asc(snapshots.seq))
                .limit(1)
            : await db
                .select({ at: ms(sessionEvents.serverAt), seq: sessionEvents.seq })
                .from(sessionEvents)
                .where(and(detectorReport(sessionId, true), gt(sessionEvents.serverAt, after)))
                .orderBy(asc(sessionEvents.serverAt), asc(sessionEvents.seq))
                .limit(1);
      if (first) facts.resumed[w] = { atMs: Number(first.at), seq: first.seq };
    }
  }
}
