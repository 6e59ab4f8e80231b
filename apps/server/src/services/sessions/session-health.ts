import { inArray, sql } from 'drizzle-orm';
import type { LatestSnapshots, SessionHealth, SessionPresence } from '@invigil/contracts';
import type { DbOrTx } from '../../db/database.js';
import { examSessions, flags, mediaSegments, sessionEvents, snapshots } from '../../db/schema.js';
import type { Clock } from '../../ports/clock.port.js';
import type { EmitLive, LiveInput } from '../live/live-feed.service.js';
import { isoOrNull } from './time.js';

/** At most one upload-driven `session.health` message per session in this window. */
export const HEALTH_THROTTLE_MS = 5_000;

/** The latest snapshot of one kind: what a dashboard thumbnail loads. */
export interface LatestShot {
  seq: number;
  takenMs: number;
}

/** What the database says of a session's uploads. */
export interface StoredUploads {
  webcam: LatestShot | null;
  screen: LatestShot | null;
  /** Server time of the newest segment, snapshot or client event; null before any. */
  lastUploadAt: Date | null;
  /** Server time the newest webcam or screen segment (by seq) arrived; null before any. */
  lastVideoAt: Date | null;
  /** Server time the newest segment (by seq) of each track arrived; null before any. */
  videoAt: Record<VideoTrack, Date | null>;
  /** The session's `connection_lost` flag is open (the watchdog judged the page gone). */
  connectionLost: boolean;
}

/** The flag type whose open flag means the server judged the page gone. */
const CONNECTION_LOST = 'connection_lost';

/** The tracks recorded for the whole attempt, whose segments the dashboard watches. */
export type VideoTrack = 'webcam' | 'screen';
const VIDEO_TRACKS: readonly VideoTrack[] = ['webcam', 'screen'];

/** The later of two times (null: none). */
const later = (a: Date | null | undefined, b: Date | null | undefined): Date | null =>
  a && (!b || a > b) ? a : (b ?? null);

/** A session the tracker hears about: its id and exam (for addressing live messages). */
export interface TrackedSession {
  id: string;
  examId: string;
}

/**
 * Latest webcam and screen snapshots and the last upload time of several sessions, in one
 * query. Each value is an index-backed "newest by seq" lookup per session, so the cost grows
 * with the number of sessions, not with how much they uploaded.
 */
export async function storedUploads(
  db: DbOrTx,
  sessionIds: readonly string[],
): Promise<Map<string, StoredUploads>> {
  if (sessionIds.length === 0) return new Map();
  const newest = <T>(column: unknown, table: unknown, where: ReturnType<typeof sql>) =>
    sql<T>`(select ${column} from ${table} where ${where} order by seq desc limit 1)`;
  const ofSession = (col: unknown) => sql`${col} = ${examSessions.id}`;
  const shot = (kind: 'webcam' | 'screen', column: unknown) =>
    newest<string | number | null>(
      column,
      snapshots,
      sql`${ofSession(snapshots.sessionId)} and ${snapshots.kind} = ${kind}`,
    );
  const epochMs = (inner: ReturnType<typeof sql>) =>
    sql<string | null>`(extract(epoch from ${inner}) * 1000)::bigint`;
  const received = (track: 'webcam' | 'screen') =>
    newest(
      mediaSegments.receivedAt,
      mediaSegments,
      sql`${ofSession(mediaSegments.sessionId)} and ${mediaSegments.track} = ${track}`,
    );
  const rows = await db
    .select({
      id: examSessions.id,
      webcamSeq: shot('webcam', snapshots.seq),
      webcamTaken: shot('webcam', snapshots.takenMs),
      screenSeq: shot('screen', snapshots.seq),
      screenTaken: shot('screen', snapshots.takenMs),
      webcamVideoMs: epochMs(received('webcam')),
      screenVideoMs: epochMs(received('screen')),
      // greatest() skips nulls: the newest of segments, snapshots and client event batches.
      lastUploadMs: epochMs(
        sql`greatest(${received('webcam')}, ${received('screen')}, ${newest(
          snapshots.receivedAt,
          snapshots,
          ofSession(snapshots.sessionId),
        )}, ${newest(
          sessionEvents.serverAt,
          sessionEvents,
          sql`${ofSession(sessionEvents.sessionId)} and ${sessionEvents.source} = 'client'`,
        )})`,
      ),
      connectionLost: sql<boolean>`exists (select 1 from ${flags} where ${ofSession(
        flags.sessionId,
      )} and ${flags.type} = ${CONNECTION_LOST} and ${flags.endMs} is null)`,
    })
    .from(examSessions)
    .where(inArray(examSessions.id, [...sessionIds]));
  const latest = (seq: unknown, taken: unknown): LatestShot | null =>
    seq === null || seq === undefined ? null : { seq: Number(seq), takenMs: Number(taken) };
  const date = (ms: string | null) => (ms === null ? null : new Date(Number(ms)));
  return new Map(
    rows.map((r) => {
      const videoAt = { webcam: date(r.webcamVideoMs), screen: date(r.screenVideoMs) };
      return [
        r.id,
        {
          webcam: latest(r.webcamSeq, r.webcamTaken),
          screen: latest(r.screenSeq, r.screenTaken),
          lastUploadAt: date(r.lastUploadMs),
          lastVideoAt: later(videoAt.webcam, videoAt.screen),
          videoAt,
          // PGlite and node-postgres both give a boolean; be lenient with 't'/'f' anyway.
          connectionLost: r.connectionLost === true || String(r.connectionLost) === 't',
        },
      ];
    }),
  );
}

/**
 * Connection and upload health of students' pages. Whether a page is connected is known per
 * process (the gateway that holds its socket); with several server processes behind a
 * load balancer a dashboard sees the connection state of the process the student reached,
 * which every `session.health` message carries. Upload times come from the database.
 */
export class SessionHealthTracker {
  /** Open student sockets per session in this process. */
  private readonly sockets = new Map<string, number>();
  private readonly lastSeen = new Map<string, Date>();
  private readonly lastUpload = new Map<string, Date>();
  /** Newest webcam and screen segment stored by this process, per session and track. */
  private readonly lastVideo = new Map<string, Partial<Record<VideoTrack, Date>>>();
  private readonly lastEmitted = new Map<string, number>();
  /** The last database read of a session's uploads (see `stored`). */
  private readonly storedRead = new Map<string, { atMs: number; value: StoredUploads }>();
  /** Newest webcam and screen snapshot stored by this process, per session. */
  private readonly latest = new Map<string, Partial<LatestSnapshots>>();
  /** Each session's exam, as last heard with an upload or a connection. */
  private readonly examOf = new Map<string, string>();
  /** The watchdog's verdict per session as its flag messages told this process (see `presence`). */
  private readonly lost = new Map<string, boolean>();
  /** Set on shutdown: sockets closing then are not news, and the database is going away. */
  private stopped = false;

  constructor(
    private readonly db: DbOrTx,
    private readonly clock: Clock,
    private readonly live: EmitLive,
    private readonly throttleMs = HEALTH_THROTTLE_MS,
  ) {}

  /** The student's page opened its live socket. */
  async connected(session: TrackedSession): Promise<void> {
    this.examOf.set(session.id, session.examId);
    this.sockets.set(session.id, (this.sockets.get(session.id) ?? 0) + 1);
    this.seen(session.id);
    await this.emit(session);
  }

  /** The student's page closed its live socket (or it was dropped). */
  async disconnected(session: TrackedSession): Promise<void> {
    const left = (this.sockets.get(session.id) ?? 1) - 1;
    if (left > 0) this.sockets.set(session.id, left);
    else this.sockets.delete(session.id);
    this.seen(session.id);
    await this.emit(session);
  }

  /**
   * When this process last heard the page on its live socket (epoch ms; null: not heard),
   * while the socket is open — a closed socket tells nothing more about the connection.
   */
  lastHeardMs(sessionId: string): number | null {
    if (!this.sockets.has(sessionId)) return null;
    return this.lastSeen.get(sessionId)?.getTime() ?? null;
  }

  /** The student's page answered a ping. */
  seen(sessionId: string): void {
    this.lastSeen.set(sessionId, this.clock.now());
  }

  /**
   * A segment, snapshot or event batch arrived (`video`: the track of a webcam or screen
   * segment): tell the dashboard, at most every few seconds.
   */
  uploaded(session: TrackedSession, video?: VideoTrack): void {
    const now = this.clock.now();
    this.lastUpload.set(session.id, now);
    if (video) this.lastVideo.set(session.id, { ...this.lastVideo.get(session.id), [video]: now });
    this.examOf.set(session.id, session.examId);
    const last = this.lastEmitted.get(session.id);
    if (last !== undefined && now.getTime() - last < this.throttleMs) return;
    void this.emit(session);
  }

  /**
   * A webcam or screen snapshot was stored (after its upload was reported): told at once,
   * never throttled, so the dashboard's thumbnail follows.
   */
  snapshotStored(s: { sessionId: string; kind: string; seq: number; takenMs: number }): void {
    if (s.kind !== 'webcam' && s.kind !== 'screen') return;
    const known = this.latest.get(s.sessionId) ?? {};
    const current = known[s.kind];
    if (current && current.seq >= s.seq) return;
    this.latest.set(s.sessionId, { ...known, [s.kind]: { seq: s.seq, takenMs: s.takenMs } });
    const examId = this.examOf.get(s.sessionId);
    if (examId) void this.emit({ id: s.sessionId, examId });
  }

  /**
   * `emit`, also telling this tracker when a `connection_lost` flag opens or ends, so the
   * dashboard's presence follows the server's verdict at once (a `session.health` message).
   */
  watchingFlags(emit: EmitLive): EmitLive {
    return async (inputs) => {
      await emit(inputs);
      const list: readonly LiveInput[] = Array.isArray(inputs) ? inputs : [inputs as LiveInput];
      for (const m of list) {
        if (m.topic !== 'flag.created' && m.topic !== 'flag.updated') continue;
        const flag = m.data.flag;
        if (flag.type !== CONNECTION_LOST) continue;
        this.lost.set(flag.sessionId, flag.endMs === null);
        this.storedRead.delete(flag.sessionId);
        await this.emit({ id: flag.sessionId, examId: m.examId });
      }
    };
  }

  /**
   * The server's verdict: what this process heard from flag messages, else what the database
   * says (`stored`), else unknown.
   */
  private presence(sessionId: string, stored: StoredUploads | undefined): SessionPresence {
    const lost = this.lost.get(sessionId) ?? stored?.connectionLost;
    if (lost === undefined) return 'unknown';
    return lost ? 'offline' : 'online';
  }

  /** Health of sessions for a snapshot, given what the database says of their uploads. */
  healthOf(sessionId: string, stored: StoredUploads | undefined): SessionHealth {
    const latest = this.latest.get(sessionId);
    const video = this.lastVideo.get(sessionId) ?? {};
    const videoAt = Object.fromEntries(
      VIDEO_TRACKS.map((t) => [t, later(video[t], stored?.videoAt[t])]),
    ) as Record<VideoTrack, Date | null>;
    return {
      sessionId,
      connected: (this.sockets.get(sessionId) ?? 0) > 0,
      lastUploadAt: isoOrNull(later(this.lastUpload.get(sessionId), stored?.lastUploadAt)),
      lastVideoAt: isoOrNull(later(videoAt.webcam, videoAt.screen)),
      videoAt: { webcam: isoOrNull(videoAt.webcam), screen: isoOrNull(videoAt.screen) },
      lastSeenAt: isoOrNull(this.lastSeen.get(sessionId)),
      presence: this.presence(sessionId, stored),
      ...(latest && { latest }),
    };
  }

  /** Forget sessions without an open socket that were last heard of before `before`. */
  prune(before: Date): void {
    for (const map of [this.lastSeen, this.lastUpload]) {
      for (const [id, at] of map) {
        if (at < before && !this.sockets.has(id)) map.delete(id);
      }
    }
    for (const [id, tracks] of this.lastVideo) {
      const at = later(tracks.webcam, tracks.screen);
      if (at && at < before && !this.sockets.has(id)) this.lastVideo.delete(id);
    }
    for (const [id, read] of this.storedRead) {
      if (read.atMs < before.getTime()) this.storedRead.delete(id);
    }
    for (const map of [this.latest, this.examOf, this.lost]) {
      for (const id of map.keys()) {
        if (!this.lastUpload.has(id) && !this.sockets.has(id)) map.delete(id);
      }
    }
    for (const [id, at] of this.lastEmitted) {
      if (at < before.getTime()) this.lastEmitted.delete(id);
    }
  }

  /** What the database says of a session's uploads, read again after the throttle window. */
  private async stored(sessionId: string): Promise<StoredUploads | undefined> {
    const nowMs = this.clock.now().getTime();
    const read = this.storedRead.get(sessionId);
    if (read && nowMs - read.atMs < this.throttleMs) return read.value;
    const value = (
      await storedUploads(this.db, [sessionId]).catch(() => new Map<string, StoredUploads>())
    ).get(sessionId);
    if (value) this.storedRead.set(sessionId, { atMs: nowMs, value });
    // Flag messages keep it current from here on; the database only seeds it.
    if (value && !this.lost.has(sessionId)) this.lost.set(sessionId, value.connectionLost);
    return value;
  }

  /** Stop emitting (the server is shutting down). */
  stop(): void {
    this.stopped = true;
  }

  private async emit(session: TrackedSession): Promise<void> {
    if (this.stopped) return;
    this.lastEmitted.set(session.id, this.clock.now().getTime());
    // Uploads before this process started are in the database; a failed read only leaves
    // lastUploadAt empty in this one message (the next snapshot reads it again). Video of a
    // track this process has not stored is looked up too (a page sending only events is not
    // recording), at most once per throttle window.
    const video = this.lastVideo.get(session.id) ?? {};
    const known =
      this.lastUpload.has(session.id) &&
      VIDEO_TRACKS.every((t) => video[t]) &&
      this.lost.has(session.id);
    const stored = known ? undefined : await this.stored(session.id);
    await this.live({
      topic: 'session.health',
      data: this.healthOf(session.id, stored),
      examId: session.examId,
      sessionId: session.id,
      audience: 'staff',
    });
  }
}
