import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  check,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { createdAt, tz } from './schema-columns.js';
import { examSessions, users } from './schema-core.js';

// The evidence of an attempt and what is judged from it: recording segments, snapshots,
// session events, the snapshot analysis queue, flags and the risk score. Re-exported by
// schema.ts, which drizzle-kit reads.

/** One independently playable recording segment of one track, stored in the blob store. */
export const mediaSegments = pgTable(
  'media_segments',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    sessionId: uuid('session_id')
      .notNull()
      .references(() => examSessions.id, { onDelete: 'cascade' }),
    track: text('track').notNull(),
    seq: integer('seq').notNull(),
    /** Client capture times, epoch milliseconds. */
    startMs: bigint('start_ms', { mode: 'number' }).notNull(),
    endMs: bigint('end_ms', { mode: 'number' }).notNull(),
    sizeBytes: integer('size_bytes').notNull(),
    /**
     * Bytes stored under this track of the session, this segment included: a running total
     * written under the track's upload lock, so the newest is the track's total (its quota).
     */
    trackBytes: bigint('track_bytes', { mode: 'number' }).notNull(),
    sha256: text('sha256').notNull(),
    /** The bare allow-listed media type (never parameters a client sent). */
    contentType: text('content_type').notNull(),
    /** Codec parameters for the player, from a fixed allow-list (e.g. `vp8,opus`); null if none. */
    codecs: text('codecs'),
    blobKey: text('blob_key').notNull(),
    receivedAt: tz('received_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('media_segments_session_track_seq_key').on(t.sessionId, t.track, t.seq),
    index('media_segments_session_time_idx').on(t.sessionId, t.track, t.startMs),
    index('media_segments_track_bytes_idx').on(t.sessionId, t.track, t.trackBytes),
    check('media_segments_time_check', sql`${t.endMs} >= ${t.startMs}`),
  ],
);

/** A still image: periodic webcam/screen snapshots and identity enrolment photos. */
export const snapshots = pgTable(
  'snapshots',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    sessionId: uuid('session_id')
      .notNull()
      .references(() => examSessions.id, { onDelete: 'cascade' }),
    kind: text('kind').notNull(),
    seq: integer('seq').notNull(),
    takenMs: bigint('taken_ms', { mode: 'number' }).notNull(),
    sizeBytes: integer('size_bytes').notNull(),
    /** Bytes stored under this kind of the session, this one included (see `track_bytes`). */
    kindBytes: bigint('kind_bytes', { mode: 'number' }).notNull(),
    sha256: text('sha256').notNull(),
    contentType: text('content_type').notNull(),
    blobKey: text('blob_key').notNull(),
    receivedAt: tz('received_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('snapshots_session_kind_seq_key').on(t.sessionId, t.kind, t.seq),
    index('snapshots_session_time_idx').on(t.sessionId, t.takenMs),
    index('snapshots_session_received_idx').on(t.sessionId, t.kind, t.receivedAt),
    index('snapshots_kind_bytes_idx').on(t.sessionId, t.kind, t.kindBytes),
  ],
);

/**
 * The detector a client event speaks for, in SQL (as `eventDetector` in the rules): a
 * `detect.state` event's `detector`, `tab_switch` for page visibility. Literals only, so a
 * query built with it matches `session_events_trusted_detector_idx`.
 */
export const eventDetectorSql = (type: unknown, data: unknown) =>
  sql<
    string | null
  >`(case when ${type} = 'detect.state' then ${data}->>'detector' else 'tab_switch' end)`;

/**
 * Trusted client events that speak for a detector: the rows of
 * `session_events_trusted_detector_idx` (a query repeats this condition to use the index).
 */
export const trustedDetectorEventSql = (source: unknown, untrustedReason: unknown, type: unknown) =>
  sql`${source} = 'client' and ${untrustedReason} is null and ${type} in ('detect.state', 'page.hidden', 'page.visible')`;

/**
 * Raw events of a session: integrity events from the browser (client) and, later, detector
 * results from the server. Client events are idempotent by (session, source, seq).
 */
export const sessionEvents = pgTable(
  'session_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    sessionId: uuid('session_id')
      .notNull()
      .references(() => examSessions.id, { onDelete: 'cascade' }),
    source: text('source').notNull(),
    seq: integer('seq').notNull(),
    type: text('type').notNull(),
    /** When it happened by the client's clock (epoch ms) and when the server stored it. */
    clientMs: bigint('client_ms', { mode: 'number' }),
    serverAt: tz('server_at').notNull().defaultNow(),
    data: jsonb('data').notNull().default({}),
    /**
     * Why a client event is kept as evidence but not used to judge flags (`late`: its client
     * time is far from when the server received it; `out_of_order`: older than an event of the
     * same detector already accepted; `future`: dated after it arrived). Null: used.
     */
    untrustedReason: text('untrusted_reason'),
  },
  (t) => [
    uniqueIndex('session_events_session_source_seq_key').on(t.sessionId, t.source, t.seq),
    index('session_events_session_time_idx').on(t.sessionId, t.clientMs),
    index('session_events_session_type_idx').on(t.sessionId, t.source, t.type, t.seq),
    // The newest trusted time per detector (event-arrival.ts), one index probe each.
    index('session_events_trusted_detector_idx')
      .on(t.sessionId, eventDetectorSql(t.type, t.data), t.clientMs)
      .where(trustedDetectorEventSql(t.source, t.untrustedReason, t.type)),
    // Untrusted events are rare: loading the newest and counting the rest stays cheap.
    index('session_events_untrusted_idx')
      .on(t.sessionId, t.serverAt, t.seq)
      .where(sql`${t.untrustedReason} is not null`),
    check('session_events_source_check', sql`${t.source} in ('client','server')`),
  ],
);

/**
 * The embedded queue of server-side snapshot analyses. One row per snapshot (never analysed
 * twice); at most one sampled snapshot per session and sampling bucket. A worker leases a
 * row (`locked_until`); a lease that runs out is taken over, and completing checks that the
 * lease is still ours, so a result is written once.
 */
export const analysisJobs = pgTable(
  'analysis_jobs',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    sessionId: uuid('session_id')
      .notNull()
      .references(() => examSessions.id, { onDelete: 'cascade' }),
    snapshotId: uuid('snapshot_id')
      .notNull()
      .references(() => snapshots.id, { onDelete: 'cascade' }),
    /** Why: `sample` (policy interval), `client_report` (near a browser detection), `enrolment`. */
    reason: text('reason').notNull(),
    /** For samples: floor(takenMs / interval), unique per session. */
    sampleBucket: bigint('sample_bucket', { mode: 'number' }),
    status: text('status').notNull().default('queued'),
    attempts: integer('attempts').notNull().default(0),
    runAt: tz('run_at').notNull().defaultNow(),
    lockedUntil: tz('locked_until'),
    lastError: text('last_error'),
    createdAt: createdAt(),
    updatedAt: tz('updated_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('analysis_jobs_snapshot_key').on(t.snapshotId),
    uniqueIndex('analysis_jobs_sample_key')
      .on(t.sessionId, t.sampleBucket)
      .where(sql`${t.sampleBucket} is not null`),
    index('analysis_jobs_due_idx').on(t.status, t.runAt),
    index('analysis_jobs_session_idx').on(t.sessionId, t.status, t.reason),
    check(
      'analysis_jobs_status_check',
      sql`${t.status} in ('queued','running','done','failed','shed')`,
    ),
  ],
);

/**
 * Flags: stretches of a session a proctor should look at. Re-derived from the session's
 * events by the rules; `key` identifies the same condition across re-derivations so a flag
 * is updated in place and keeps its review status.
 */
export const flags = pgTable(
  'flags',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    sessionId: uuid('session_id')
      .notNull()
      .references(() => examSessions.id, { onDelete: 'cascade' }),
    key: text('key').notNull(),
    type: text('type').notNull(),
    source: text('source').notNull(),
    startMs: bigint('start_ms', { mode: 'number' }).notNull(),
    endMs: bigint('end_ms', { mode: 'number' }),
    severity: text('severity').notNull(),
    confidence: doublePrecision('confidence').notNull(),
    detector: text('detector').notNull(),
    model: text('model').notNull(),
    evidence: jsonb('evidence').notNull(),
    message: text('message').notNull(),
    reviewStatus: text('review_status').notNull().default('open'),
    /** The reviewer's comment on confirming or dismissing, who decided and when. */
    reviewComment: text('review_comment'),
    reviewedBy: uuid('reviewed_by').references(() => users.id, { onDelete: 'set null' }),
    reviewedAt: tz('reviewed_at'),
    /** Live alert handling: the first proctor to acknowledge it, and who took it on. */
    acknowledgedBy: uuid('acknowledged_by').references(() => users.id, { onDelete: 'set null' }),
    acknowledgedAt: tz('acknowledged_at'),
    assignedTo: uuid('assigned_to').references(() => users.id, { onDelete: 'set null' }),
    assignedAt: tz('assigned_at'),
    createdAt: createdAt(),
    updatedAt: tz('updated_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('flags_session_key').on(t.sessionId, t.key),
    index('flags_session_time_idx').on(t.sessionId, t.startMs),
    check('flags_source_check', sql`${t.source} in ('client','server','rules')`),
    check('flags_severity_check', sql`${t.severity} in ('low','medium','high')`),
    check('flags_review_check', sql`${t.reviewStatus} in ('open','confirmed','dismissed')`),
  ],
);

/**
 * A session's current risk score and why. `recheck_at` is when the flags would change with
 * no new event (a detection still under way reaching its minimum duration); the flag
 * sweeper re-judges sessions whose time has come.
 */
export const sessionRisk = pgTable(
  'session_risk',
  {
    sessionId: uuid('session_id')
      .primaryKey()
      .references(() => examSessions.id, { onDelete: 'cascade' }),
    score: integer('score').notNull(),
    contributions: jsonb('contributions').notNull(),
    explanation: jsonb('explanation').notNull(),
    recheckAt: tz('recheck_at'),
    updatedAt: tz('updated_at').notNull().defaultNow(),
  },
  (t) => [index('session_risk_recheck_idx').on(t.recheckAt)],
);
