import { eq, sql, type SQL } from 'drizzle-orm';
import type { Db, DbOrTx } from '../../db/database.js';
import { preparedSql, preparedStatement, type RawRows } from '../../db/prepared-statement.js';
import { examSessions, exams, mediaSegments, registrations, snapshots } from '../../db/schema.js';
import type { SessionRow } from '../sessions/session-access.js';

/**
 * The statements of the upload hot path, built once per database (see prepared-statement.ts):
 * per upload one read before the bytes are written, then in the transaction one statement
 * that locks and one that reads the running total and inserts.
 */

/** What the upload path reads of a session (not the enrolled embedding nor the score). */
export const uploadSessionColumns = {
  id: examSessions.id,
  registrationId: examSessions.registrationId,
  examId: examSessions.examId,
  studentId: examSessions.studentId,
  state: examSessions.state,
  startedAt: examSessions.startedAt,
  endedAt: examSessions.endedAt,
  pausedMs: examSessions.pausedMs,
};

/** A session as uploads see it. */
export type UploadSession = Pick<SessionRow, keyof typeof uploadSessionColumns>;

/** Where one kind of upload is stored: segments by track, snapshots by kind. */
type Target = 'media' | 'snapshot';

const tables = {
  media: {
    table: mediaSegments,
    name: mediaSegments.track,
    seq: mediaSegments.seq,
    sessionId: mediaSegments.sessionId,
    sha256: mediaSegments.sha256,
    total: mediaSegments.trackBytes,
  },
  snapshot: {
    table: snapshots,
    name: snapshots.kind,
    seq: snapshots.seq,
    sessionId: snapshots.sessionId,
    sha256: snapshots.sha256,
    total: snapshots.kindBytes,
  },
} as const;

const p = (name: string) => sql.placeholder(name);

/** The result of the insert statement: the running total it read and the row it inserted. */
export interface InsertOutcome {
  /** Bytes stored in the track or kind before this upload (read under the quota lock). */
  usedBytes: number;
  /** The new row's id; undefined when the slot was taken or the quota refused it. */
  id: string | undefined;
}

/** Values of a new segment row. */
export interface SegmentValues {
  sessionId: string;
  track: string;
  seq: number;
  startMs: number;
  endMs: number;
  sizeBytes: number;
  sha256: string;
  contentType: string;
  codecs: string | null;
  blobKey: string;
  receivedAt: Date;
}

/** Values of a new snapshot row. */
export interface SnapshotValues {
  sessionId: string;
  kind: string;
  seq: number;
  takenMs: number;
  sizeBytes: number;
  sha256: string;
  contentType: string;
  blobKey: string;
  receivedAt: Date;
}

/** The prepared upload statements of one database. */
export class UploadStatements {
  private readonly contextOf;
  private readonly storedOf;
  private readonly lock;
  private readonly segmentInsert;
  private readonly snapshotInsert;

  constructor(private readonly db: Db) {
    this.contextOf = {
      media: contextStatement(db, 'media'),
      snapshot: contextStatement(db, 'snapshot'),
    };
    this.storedOf = {
      media: storedStatement(db, 'media'),
      snapshot: storedStatement(db, 'snapshot'),
    };
    this.lock = lockStatement(db);
    this.segmentInsert = preparedSql(db, 'upload_insert_segment', SEGMENT_INSERT);
    this.snapshotInsert = preparedSql(db, 'upload_insert_snapshot', SNAPSHOT_INSERT);
  }

  /**
   * Before any byte is written: the session (owner, state, attempt clock), its exam's
   * allowance, the hash already stored in the slot and the bytes used in the track or kind.
   * One row, or none when the session (or its exam or registration) does not exist.
   */
  async context(target: Target, v: { sessionId: string; name: string; seq: number }) {
    const [row] = await this.contextOf[target](this.db).execute(v);
    if (!row) return undefined;
    const { policy, durationMinutes, extraTimeMinutes, stored, used, ...session } = row;
    return {
      session,
      exam: { policy, durationMinutes, extraTimeMinutes },
      stored: stored ?? undefined,
      usedBytes: Number(used ?? 0),
    };
  }

  /** The hash stored in a slot, if any (after losing a race for it). */
  async stored(target: Target, v: { sessionId: string; name: string; seq: number }) {
    return (await this.storedOf[target](this.db).execute(v))[0]?.sha256;
  }

  /**
   * In a transaction: share-lock the session row (a concurrent state change waits for this
   * upload to commit) and take the advisory lock `lockClass` on `lockKey`, in one statement.
   * What the lock guards must be read in a LATER statement: under READ COMMITTED a statement
   * reads from the snapshot it started with, before it waited for either lock.
   */
  async lockSession(
    tx: DbOrTx,
    v: { sessionId: string; lockClass: number; lockKey: string },
  ): Promise<UploadSession | undefined> {
    const [row] = await this.lock(tx).execute(v);
    if (!row) return undefined;
    const { locked: _locked, ...session } = row;
    return session;
  }

  /**
   * In a transaction that holds the track's UPLOAD_QUOTA_LOCK: read the bytes stored in the
   * track and insert the segment with its running total, unless that total would pass
   * `maxBytes` (the quota's byte rule, `judgeUpload`) or the slot is taken.
   */
  async insertSegment(tx: DbOrTx, v: SegmentValues, maxBytes: number): Promise<InsertOutcome> {
    return outcome(
      await this.segmentInsert(tx).execute({
        ...v,
        receivedAt: v.receivedAt.toISOString(),
        maxBytes,
      }),
    );
  }

  /** As insertSegment, for a snapshot and its kind. */
  async insertSnapshot(tx: DbOrTx, v: SnapshotValues, maxBytes: number): Promise<InsertOutcome> {
    return outcome(
      await this.snapshotInsert(tx).execute({
        ...v,
        receivedAt: v.receivedAt.toISOString(),
        maxBytes,
      }),
    );
  }
}

/**
 * `used`: the running total before this upload; `inserted`: the row, when it fits under
 * `maxBytes` and its slot is free. One statement, run after the one that took the lock.
 */
function insertWithTotal(target: Target, columns: SQL, values: SQL, nameParam: string): SQL {
  const t = tables[target];
  return sql`with used as (
      select coalesce(max(${t.total}), 0)::bigint as n from ${t.table}
      where ${t.sessionId} = ${p('sessionId')}::uuid and ${t.name} = ${p(nameParam)}::text
    ), inserted as (
      insert into ${t.table} (${columns})
      select ${values} from used
      where used.n + ${p('sizeBytes')}::bigint <= ${p('maxBytes')}::bigint
      on conflict (session_id, ${sql.identifier(t.name.name)}, seq) do nothing
      returning id
    )
    select (select n from used) as used, (select id from inserted) as id`;
}

const SEGMENT_INSERT = insertWithTotal(
  'media',
  sql.raw(
    'session_id, track, seq, start_ms, end_ms, size_bytes, track_bytes, sha256, content_type, codecs, blob_key, received_at',
  ),
  sql`${p('sessionId')}::uuid, ${p('track')}::text, ${p('seq')}::integer, ${p('startMs')}::bigint,
    ${p('endMs')}::bigint, ${p('sizeBytes')}::integer, used.n + ${p('sizeBytes')}::bigint,
    ${p('sha256')}::text, ${p('contentType')}::text, ${p('codecs')}::text, ${p('blobKey')}::text,
    ${p('receivedAt')}::timestamptz`,
  'track',
);

const SNAPSHOT_INSERT = insertWithTotal(
  'snapshot',
  sql.raw(
    'session_id, kind, seq, taken_ms, size_bytes, kind_bytes, sha256, content_type, blob_key, received_at',
  ),
  sql`${p('sessionId')}::uuid, ${p('kind')}::text, ${p('seq')}::integer, ${p('takenMs')}::bigint,
    ${p('sizeBytes')}::integer, used.n + ${p('sizeBytes')}::bigint, ${p('sha256')}::text,
    ${p('contentType')}::text, ${p('blobKey')}::text, ${p('receivedAt')}::timestamptz`,
  'kind',
);

function outcome(result: RawRows<Record<string, unknown>>): InsertOutcome {
  const row = result.rows[0] ?? {};
  return {
    usedBytes: Number(row.used ?? 0),
    id: row.id === null || row.id === undefined ? undefined : String(row.id),
  };
}

function contextStatement(db: Db, target: Target) {
  const t = tables[target];
  const ofTrack = sql`${t.sessionId} = ${examSessions.id} and ${t.name} = ${p('name')}`;
  return preparedStatement(db, (d) =>
    d
      .select({
        ...uploadSessionColumns,
        policy: exams.policy,
        durationMinutes: exams.durationMinutes,
        extraTimeMinutes: registrations.extraTimeMinutes,
        stored: sql<string | null>`(select ${t.sha256} from ${t.table}
          where ${ofTrack} and ${t.seq} = ${p('seq')})`,
        // The highest running total: one index lookup however long the session.
        used: sql<
          string | number | null
        >`(select max(${t.total}) from ${t.table} where ${ofTrack})`,
      })
      .from(examSessions)
      .innerJoin(exams, eq(exams.id, examSessions.examId))
      .innerJoin(registrations, eq(registrations.id, examSessions.registrationId))
      .where(eq(examSessions.id, p('sessionId')))
      .prepare(`upload_context_${target}`),
  );
}

function storedStatement(db: Db, target: Target) {
  const t = tables[target];
  return preparedStatement(db, (d) =>
    d
      .select({ sha256: t.sha256 })
      .from(t.table)
      .where(
        sql`${t.sessionId} = ${p('sessionId')} and ${t.name} = ${p('name')} and ${t.seq} = ${p('seq')}`,
      )
      .prepare(`upload_stored_${target}`),
  );
}

function lockStatement(db: Db) {
  return preparedStatement(db, (d) =>
    d
      .select({
        ...uploadSessionColumns,
        locked: sql<unknown>`pg_advisory_xact_lock(${p('lockClass')}, hashtext(${p('lockKey')}))`,
      })
      .from(examSessions)
      .where(eq(examSessions.id, p('sessionId')))
      .for('share')
      .prepare('upload_lock_session'),
  );
}
