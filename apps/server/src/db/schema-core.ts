import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { createdAt, tz } from './schema-columns.js';

// The core tables the other schema files refer to: accounts and their sign-in, settings,
// exams with their staff and registrations, exam attempts, and the audit log. Re-exported by
// schema.ts, which drizzle-kit reads.

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
