import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  check,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

const tz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
const createdAt = () => tz('created_at').notNull().defaultNow();

/** People who use the system; role decides what they may do. */
export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    email: text('email').notNull(),
    name: text('name').notNull(),
    role: text('role').notNull(),
    passwordHash: text('password_hash').notNull(),
    disabled: boolean('disabled').notNull().default(false),
    lastLoginAt: tz('last_login_at'),
    passwordChangedAt: tz('password_changed_at').notNull().defaultNow(),
    /** An admin set the password: the user must choose their own before doing anything else. */
    mustChangePassword: boolean('must_change_password').notNull().default(false),
    /**
     * A self-signed-up account that may not take exams yet: 'email' until its address is
     * verified by a link, 'approval' until an admin approves it. Null for every other account.
     */
    signupPending: text('signup_pending'),
    createdAt: createdAt(),
    updatedAt: tz('updated_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('users_email_key').on(t.email),
    check('users_role_check', sql`${t.role} in ('student','proctor','instructor','admin')`),
    check('users_signup_pending_check', sql`${t.signupPending} in ('email','approval')`),
  ],
);

/** Server-side sign-in sessions; the cookie holds a secret whose SHA-256 is the id. */
export const authSessions = pgTable(
  'auth_sessions',
  {
    id: text('id').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    csrfToken: text('csrf_token').notNull(),
    createdAt: createdAt(),
    expiresAt: tz('expires_at').notNull(),
    lastSeenAt: tz('last_seen_at').notNull().defaultNow(),
    revokedAt: tz('revoked_at'),
    ip: text('ip'),
    userAgent: text('user_agent'),
    /** When this session last proved a second factor (sign-in, step-up); null: never. */
    secondFactorAt: tz('second_factor_at'),
  },
  (t) => [index('auth_sessions_user_idx').on(t.userId)],
);

/** Scoped API tokens for integrations; only the SHA-256 of the secret is stored. */
export const apiTokens = pgTable(
  'api_tokens',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    tokenHash: text('token_hash').notNull(),
    scopes: text('scopes').array().notNull(),
    createdAt: createdAt(),
    expiresAt: tz('expires_at'),
    lastUsedAt: tz('last_used_at'),
    revokedAt: tz('revoked_at'),
  },
  (t) => [
    uniqueIndex('api_tokens_hash_key').on(t.tokenHash),
    index('api_tokens_user_idx').on(t.userId),
  ],
);

/**
 * "Forgot password" links: only the SHA-256 of each link's secret is stored. A link works
 * once (`used_at`) until `expires_at`; a newer link or a completed reset revokes the others.
 */
export const passwordResets = pgTable(
  'password_resets',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    tokenHash: text('token_hash').notNull(),
    createdAt: tz('created_at').notNull(),
    expiresAt: tz('expires_at').notNull(),
    usedAt: tz('used_at'),
    revokedAt: tz('revoked_at'),
    /** The client address that asked for the link. */
    ip: text('ip'),
  },
  (t) => [
    uniqueIndex('password_resets_token_key').on(t.tokenHash),
    index('password_resets_user_idx').on(t.userId, t.createdAt),
  ],
);

/** Small key/value settings changed at run time by admins (e.g. self sign-up). */
export const settings = pgTable('settings', {
  key: text('key').primaryKey(),
  value: jsonb('value').notNull(),
  updatedAt: tz('updated_at').notNull().defaultNow(),
});

/** Exams with their window, capacity and proctoring policy. */
export const exams = pgTable(
  'exams',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    title: text('title').notNull(),
    description: text('description').notNull().default(''),
    status: text('status').notNull().default('draft'),
    opensAt: tz('opens_at').notNull(),
    closesAt: tz('closes_at').notNull(),
    durationMinutes: integer('duration_minutes').notNull(),
    capacity: integer('capacity').notNull(),
    registrationDeadline: tz('registration_deadline').notNull(),
    policy: jsonb('policy').notNull(),
    /** Optional external exam page opened beside the proctoring bar. */
    externalUrl: text('external_url'),
    /** How long its evidence is kept (ExamRetention); null: the institution's defaults. */
    retention: jsonb('retention'),
    /** A legal hold on every session of the exam: nothing of it is deleted while set. */
    legalHoldAt: tz('legal_hold_at'),
    legalHoldBy: uuid('legal_hold_by').references(() => users.id, { onDelete: 'set null' }),
    legalHoldReason: text('legal_hold_reason'),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    updatedAt: tz('updated_at').notNull().defaultNow(),
    archivedAt: tz('archived_at'),
  },
  (t) => [
    check('exams_status_check', sql`${t.status} in ('draft','published','archived')`),
    check('exams_window_check', sql`${t.closesAt} > ${t.opensAt}`),
    check('exams_capacity_check', sql`${t.capacity} > 0`),
    check('exams_duration_check', sql`${t.durationMinutes} > 0`),
    index('exams_status_idx').on(t.status),
  ],
);

/** Proctors and instructors assigned to an exam: the only staff who can see it. */
export const examStaff = pgTable(
  'exam_staff',
  {
    examId: uuid('exam_id')
      .notNull()
      .references(() => exams.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    role: text('role').notNull(),
    assignedAt: tz('assigned_at').notNull().defaultNow(),
    assignedBy: uuid('assigned_by').references(() => users.id, { onDelete: 'set null' }),
  },
  (t) => [
    primaryKey({ columns: [t.examId, t.userId] }),
    check('exam_staff_role_check', sql`${t.role} in ('proctor','instructor')`),
    index('exam_staff_user_idx').on(t.userId),
  ],
);

/** One row per student × exam; cancelling keeps the row so re-registering is idempotent. */
export const registrations = pgTable(
  'registrations',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    examId: uuid('exam_id')
      .notNull()
      .references(() => exams.id, { onDelete: 'cascade' }),
    studentId: uuid('student_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    status: text('status').notNull().default('active'),
    /** Accommodation: minutes added to the exam duration for this student. */
    extraTimeMinutes: integer('extra_time_minutes').notNull().default(0),
    /** Accommodation: per-detector changes for this student (DetectorAccommodations). */
    detectorAccommodations: jsonb('detector_accommodations').notNull().default({}),
    createdAt: createdAt(),
    cancelledAt: tz('cancelled_at'),
  },
  (t) => [
    uniqueIndex('registrations_exam_student_key').on(t.examId, t.studentId),
    index('registrations_student_idx').on(t.studentId),
    check('registrations_status_check', sql`${t.status} in ('active','cancelled')`),
  ],
);

/**
 * One exam attempt, moving through the session state machine. A registration has one current
 * attempt; staff may grant a new one, which supersedes the old (kept for the record).
 */
export const examSessions = pgTable(
  'exam_sessions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    registrationId: uuid('registration_id')
      .notNull()
      .references(() => registrations.id, { onDelete: 'cascade' }),
    examId: uuid('exam_id')
      .notNull()
      .references(() => exams.id, { onDelete: 'cascade' }),
    studentId: uuid('student_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    state: text('state').notNull().default('registered'),
    consentedAt: tz('consented_at'),
    startedAt: tz('started_at'),
    /** When the attempt must end: start + duration + extra time, capped by the exam's close. */
    deadlineAt: tz('deadline_at'),
    /** Total time spent paused, added to the deadline when the proctor resumes. */
    pausedMs: bigint('paused_ms', { mode: 'number' }).notNull().default(0),
    pausedAt: tz('paused_at'),
    endedAt: tz('ended_at'),
    score: integer('score'),
    maxScore: integer('max_score'),
    /** 1 for the first attempt of the registration, then 2, 3… for attempts granted by staff. */
    attempt: integer('attempt').notNull().default(1),
    /** When staff granted a new attempt in this one's place; null for the current attempt. */
    supersededAt: tz('superseded_at'),
    /** Minutes staff added to this attempt alone (the accommodation covers the registration). */
    extendedMinutes: integer('extended_minutes').notNull().default(0),
    /** When instructors released the score to the student; null while it is withheld. */
    scoreReleasedAt: tz('score_released_at'),
    /**
     * Face embedding from the identity photo, compared with later webcam snapshots. Kept
     * here rather than in an event because it is biometric data nobody needs to read.
     */
    enrolledEmbedding: jsonb('enrolled_embedding'),
    /** A legal hold on this session: nothing of it is deleted (retention, erasure) while set. */
    legalHoldAt: tz('legal_hold_at'),
    legalHoldBy: uuid('legal_hold_by').references(() => users.id, { onDelete: 'set null' }),
    legalHoldReason: text('legal_hold_reason'),
    createdAt: createdAt(),
    updatedAt: tz('updated_at').notNull().defaultNow(),
  },
  (t) => [
    // One current attempt per registration; superseded ones stay beside it.
    uniqueIndex('exam_sessions_registration_key')
      .on(t.registrationId)
      .where(sql`${t.supersededAt} is null`),
    uniqueIndex('exam_sessions_registration_attempt_key').on(t.registrationId, t.attempt),
    index('exam_sessions_exam_idx').on(t.examId),
    check(
      'exam_sessions_state_check',
      sql`${t.state} in ('registered','checking_in','in_progress','paused','submitted','terminated','under_review','reviewed')`,
    ),
  ],
);

/** Append-only, hash-chained record of every change that matters. A trigger forbids UPDATE/DELETE. */
export const auditLog = pgTable(
  'audit_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    at: tz('at').notNull().defaultNow(),
    actorId: uuid('actor_id'),
    action: text('action').notNull(),
    entityType: text('entity_type').notNull(),
    entityId: text('entity_id'),
    examId: uuid('exam_id'),
    data: jsonb('data').notNull().default({}),
    prevHash: text('prev_hash').notNull(),
    /** The entry's link: `alg` over the previous link and the entry (audit-chain.ts). */
    hash: text('hash').notNull(),
    /** `hmac-sha256` (keyed by the audit key `keyId`), or `sha256` for entries from before. */
    alg: text('alg').notNull().default('sha256'),
    keyId: text('key_id'),
  },
  (t) => [
    index('audit_log_exam_idx').on(t.examId),
    index('audit_log_entity_idx').on(t.entityType, t.entityId),
  ],
);

/** Questions of an exam's built-in question set. */
export const questions = pgTable(
  'questions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    examId: uuid('exam_id')
      .notNull()
      .references(() => exams.id, { onDelete: 'cascade' }),
    position: integer('position').notNull(),
    kind: text('kind').notNull(),
    prompt: text('prompt').notNull(),
    /** Choices of a multiple-choice question, in display order. */
    options: jsonb('options').notNull().default([]),
    /** Index into options of the right answer (single choice; true/false: 0 true, 1 false). */
    correctOption: integer('correct_option'),
    /** Indexes into options of the right answers (multiple choice only), ascending. */
    correctOptions: jsonb('correct_options'),
    /** The right value of a numeric question and its absolute tolerance. */
    numericAnswer: doublePrecision('numeric_answer'),
    numericTolerance: doublePrecision('numeric_tolerance'),
    points: integer('points').notNull().default(1),
  },
  (t) => [
    uniqueIndex('questions_exam_position_key').on(t.examId, t.position),
    check(
      'questions_kind_check',
      sql`${t.kind} in ('single_choice','multiple_choice','true_false','numeric','short_text','essay')`,
    ),
  ],
);

/** A student's answer to one question in one attempt; saved on every change. */
export const answers = pgTable(
  'answers',
  {
    sessionId: uuid('session_id')
      .notNull()
      .references(() => examSessions.id, { onDelete: 'cascade' }),
    questionId: uuid('question_id')
      .notNull()
      .references(() => questions.id, { onDelete: 'cascade' }),
    /** `{choice: n}`, `{choices: [n…]}`, `{number: x}` or `{text: "..."}`. */
    value: jsonb('value').notNull(),
    updatedAt: tz('updated_at').notNull().defaultNow(),
    /** An instructor's grade of a short-text or essay answer (null until graded). */
    gradePoints: integer('grade_points'),
    gradeComment: text('grade_comment'),
    gradedBy: uuid('graded_by').references(() => users.id, { onDelete: 'set null' }),
    gradedAt: tz('graded_at'),
  },
  (t) => [primaryKey({ columns: [t.sessionId, t.questionId] })],
);

/**
 * Questions the student marked for review in an attempt (a row while marked), kept apart from
 * `answers` so an unanswered question can be marked; reviewers see what the student doubted.
 */
export const questionMarks = pgTable(
  'question_marks',
  {
    sessionId: uuid('session_id')
      .notNull()
      .references(() => examSessions.id, { onDelete: 'cascade' }),
    questionId: uuid('question_id')
      .notNull()
      .references(() => questions.id, { onDelete: 'cascade' }),
    markedAt: tz('marked_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.sessionId, t.questionId] })],
);

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
