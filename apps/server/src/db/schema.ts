import { sql } from 'drizzle-orm';
import {
  bigserial,
  boolean,
  check,
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
    failedLogins: integer('failed_logins').notNull().default(0),
    lockedUntil: tz('locked_until'),
    lastLoginAt: tz('last_login_at'),
    passwordChangedAt: tz('password_changed_at').notNull().defaultNow(),
    createdAt: createdAt(),
    updatedAt: tz('updated_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('users_email_key').on(t.email),
    check('users_role_check', sql`${t.role} in ('student','proctor','instructor','admin')`),
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
    createdAt: createdAt(),
    cancelledAt: tz('cancelled_at'),
  },
  (t) => [
    uniqueIndex('registrations_exam_student_key').on(t.examId, t.studentId),
    index('registrations_student_idx').on(t.studentId),
    check('registrations_status_check', sql`${t.status} in ('active','cancelled')`),
  ],
);

/** One exam attempt per registration, moving through the session state machine. */
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
    startedAt: tz('started_at'),
    endedAt: tz('ended_at'),
    createdAt: createdAt(),
    updatedAt: tz('updated_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('exam_sessions_registration_key').on(t.registrationId),
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
    hash: text('hash').notNull(),
  },
  (t) => [
    index('audit_log_exam_idx').on(t.examId),
    index('audit_log_entity_idx').on(t.entityType, t.entityId),
  ],
);
