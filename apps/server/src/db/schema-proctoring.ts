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
  text,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { createdAt, tz } from './schema-columns.js';
import { examSessions, exams, users } from './schema-core.js';

// The tables of live proctoring and what follows it: the live feed, interventions, notes,
// reviews and notifications. Re-exported by schema.ts, which drizzle-kit reads.

/**
 * The replayable feed behind the real-time gateway: every message a dashboard or a
 * student's page must not miss (flags, risk, states, interventions), with an increasing id
 * that staff clients resume from after a reconnect. Pruned after a day; heartbeats are not
 * kept. A student resumes from `student_seq` instead: the global id moves with staff-only
 * messages too, so showing it to a student would tell them something was just written
 * about them (a flag, a note).
 */
export const liveMessages = pgTable(
  'live_messages',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    examId: uuid('exam_id').notNull(),
    sessionId: uuid('session_id'),
    /**
     * Who may receive it: the exam's staff (`staff`), also the session's student (`student`),
     * or only the student (`student_only`: a per-session copy of an announcement, whose one
     * staff copy is stored apart so dashboards do not get one per student).
     */
    audience: text('audience').notNull(),
    /** Position among the session's student-audience messages (1, 2, …); null for staff-only ones. */
    studentSeq: bigint('student_seq', { mode: 'number' }),
    topic: text('topic').notNull(),
    data: jsonb('data').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    index('live_messages_exam_idx').on(t.examId, t.id),
    index('live_messages_session_idx').on(t.sessionId, t.id),
    uniqueIndex('live_messages_student_seq_idx').on(t.sessionId, t.studentSeq),
    index('live_messages_created_idx').on(t.createdAt),
    check('live_messages_audience_check', sql`${t.audience} in ('staff','student','student_only')`),
  ],
);

/**
 * The last `student_seq` handed out per session. Kept apart from `live_messages` so pruning
 * never makes a number come round again, and updated in the transaction that inserts the
 * messages, so the numbers a student sees are gap-free and in commit order.
 */
export const liveStudentCounters = pgTable('live_student_counters', {
  sessionId: uuid('session_id')
    .primaryKey()
    .references(() => examSessions.id, { onDelete: 'cascade' }),
  lastSeq: bigint('last_seq', { mode: 'number' }).notNull(),
});

/** What a proctor did to a running attempt: warn, pause, resume, terminate, ask for a room scan. */
export const interventions = pgTable(
  'interventions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    sessionId: uuid('session_id')
      .notNull()
      .references(() => examSessions.id, { onDelete: 'cascade' }),
    examId: uuid('exam_id')
      .notNull()
      .references(() => exams.id, { onDelete: 'cascade' }),
    kind: text('kind').notNull(),
    /** The warning text, the reason for terminating, or the note with a pause or room scan. */
    message: text('message'),
    actorId: uuid('actor_id').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    /** When the student confirmed seeing it (warnings, room scan requests). */
    acknowledgedAt: tz('acknowledged_at'),
    /** When the student finished the requested room scan. */
    completedAt: tz('completed_at'),
    /** When staff withdrew a request the student had not completed (it no longer applies). */
    cancelledAt: tz('cancelled_at'),
    cancelledBy: uuid('cancelled_by').references(() => users.id, { onDelete: 'set null' }),
    /** Minutes added by an `extend_time` action. */
    minutes: integer('minutes'),
  },
  (t) => [
    index('interventions_session_idx').on(t.sessionId, t.createdAt),
    check(
      'interventions_kind_check',
      sql`${t.kind} in ('warning','pause','resume','terminate','room_scan','re_enrol','extend_time','reopen','new_attempt')`,
    ),
  ],
);

/** A proctor's or reviewer's notes on a session, oldest first. */
export const sessionNotes = pgTable(
  'session_notes',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    sessionId: uuid('session_id')
      .notNull()
      .references(() => examSessions.id, { onDelete: 'cascade' }),
    authorId: uuid('author_id').references(() => users.id, { onDelete: 'set null' }),
    body: text('body').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('session_notes_session_idx').on(t.sessionId, t.createdAt)],
);

/**
 * The review of one finished attempt: the verdict and, once, the student's response. A
 * verdict is provisional while the student may still respond; a response reopens it and
 * the reviewer's next verdict is final.
 */
export const sessionReviews = pgTable(
  'session_reviews',
  {
    sessionId: uuid('session_id')
      .primaryKey()
      .references(() => examSessions.id, { onDelete: 'cascade' }),
    verdict: text('verdict'),
    reason: text('reason'),
    reviewerId: uuid('reviewer_id').references(() => users.id, { onDelete: 'set null' }),
    decidedAt: tz('decided_at'),
    /** Set when the verdict can no longer change (after the student's response was seen). */
    finalAt: tz('final_at'),
    response: text('response'),
    respondedAt: tz('responded_at'),
    updatedAt: tz('updated_at').notNull().defaultNow(),
  },
  (t) => [
    check(
      'session_reviews_verdict_check',
      sql`${t.verdict} is null or ${t.verdict} in ('clean','suspicious','violation')`,
    ),
  ],
);

/** Outgoing webhooks: signed POSTs of chosen events to an HTTPS endpoint. */
export const webhooks = pgTable('webhooks', {
  id: uuid('id').primaryKey().defaultRandom(),
  url: text('url').notNull(),
  /** HMAC-SHA256 key for the signature header; shown once on creation. */
  secret: text('secret').notNull(),
  /** Event names it receives (e.g. flag.high, verdict). */
  events: jsonb('events').notNull(),
  active: boolean('active').notNull().default(true),
  description: text('description'),
  createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
  createdAt: createdAt(),
  updatedAt: tz('updated_at').notNull().defaultNow(),
});

/**
 * The outbox of notifications beyond the browser: one row per webhook call or e-mail, sent
 * by a job with retries and backoff; the row is the delivery log.
 */
export const notificationDeliveries = pgTable(
  'notification_deliveries',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    channel: text('channel').notNull(),
    webhookId: uuid('webhook_id').references(() => webhooks.id, { onDelete: 'cascade' }),
    /** The e-mail address for e-mail; the URL (at the time) for webhooks. */
    target: text('target').notNull(),
    event: text('event').notNull(),
    examId: uuid('exam_id'),
    payload: jsonb('payload').notNull(),
    status: text('status').notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: tz('next_attempt_at').notNull().defaultNow(),
    lockedUntil: tz('locked_until'),
    lastStatusCode: integer('last_status_code'),
    lastError: text('last_error'),
    createdAt: createdAt(),
    deliveredAt: tz('delivered_at'),
  },
  (t) => [
    index('notification_deliveries_due_idx').on(t.status, t.nextAttemptAt),
    index('notification_deliveries_webhook_idx').on(t.webhookId, t.id),
    // One delivery per document and target, however many processes hear the event.
    uniqueIndex('notification_deliveries_document_target_key').on(
      sql`(${t.payload}->>'id')`,
      t.channel,
      sql`coalesce(${t.webhookId}::text, lower(${t.target}))`,
    ),
    check('notification_deliveries_channel_check', sql`${t.channel} in ('webhook','email')`),
    check(
      'notification_deliveries_status_check',
      sql`${t.status} in ('pending','sending','delivered','failed')`,
    ),
  ],
);
