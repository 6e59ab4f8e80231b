import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  check,
  index,
  pgTable,
  primaryKey,
  text,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { tz } from './schema-columns.js';
import { examSessions, exams, users } from './schema-core.js';

// Live communication between a session's student and the exam's staff: chat, announcements,
// read marks and raised hands. Re-exported by schema.ts, which drizzle-kit reads.

/**
 * Chat messages (`session_id` set) and announcements to every student of an exam
 * (`session_id` null, always from staff). `seq` comes from one sequence, so it orders every
 * message of an exam, announcements included, and read marks count in it. Plain text, stored
 * as written (trimmed); kept with the session as part of its record.
 */
export const chatMessages = pgTable(
  'chat_messages',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    seq: bigserial('seq', { mode: 'number' }).notNull(),
    examId: uuid('exam_id')
      .notNull()
      .references(() => exams.id, { onDelete: 'cascade' }),
    sessionId: uuid('session_id').references(() => examSessions.id, { onDelete: 'cascade' }),
    authorId: uuid('author_id').references(() => users.id, { onDelete: 'set null' }),
    /** Who wrote it: the session's student or a member of the exam's staff. */
    side: text('side').notNull(),
    body: text('body').notNull(),
    createdAt: tz('created_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('chat_messages_seq_key').on(t.seq),
    index('chat_messages_session_idx').on(t.sessionId, t.seq),
    index('chat_messages_exam_idx').on(t.examId, t.seq),
    check('chat_messages_side_check', sql`${t.side} in ('student','staff')`),
    check(
      'chat_messages_announcement_check',
      sql`${t.sessionId} is not null or ${t.side} = 'staff'`,
    ),
  ],
);

/**
 * How far each side of a session's chat has read (a `seq`). The staff side is one mark
 * shared by all staff of the exam: a message one proctor read is no longer waiting.
 */
export const chatReadMarks = pgTable(
  'chat_read_marks',
  {
    sessionId: uuid('session_id')
      .notNull()
      .references(() => examSessions.id, { onDelete: 'cascade' }),
    side: text('side').notNull(),
    lastReadSeq: bigint('last_read_seq', { mode: 'number' }).notNull().default(0),
    updatedAt: tz('updated_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.sessionId, t.side] }),
    check('chat_read_marks_side_check', sql`${t.side} in ('student','staff')`),
  ],
);

/**
 * Raised hands: a student asks for help; a proctor takes it and resolves it, the student
 * lowers it, or it closes itself when the attempt ends. At most one open per session
 * (enforced by the partial unique index, so two concurrent raises cannot both succeed).
 */
export const helpRequests = pgTable(
  'help_requests',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    sessionId: uuid('session_id')
      .notNull()
      .references(() => examSessions.id, { onDelete: 'cascade' }),
    examId: uuid('exam_id')
      .notNull()
      .references(() => exams.id, { onDelete: 'cascade' }),
    studentId: uuid('student_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    message: text('message'),
    raisedAt: tz('raised_at').notNull().defaultNow(),
    takenBy: uuid('taken_by').references(() => users.id, { onDelete: 'set null' }),
    takenAt: tz('taken_at'),
    closedAt: tz('closed_at'),
    closedBy: uuid('closed_by').references(() => users.id, { onDelete: 'set null' }),
    closeReason: text('close_reason'),
  },
  (t) => [
    uniqueIndex('help_requests_open_key')
      .on(t.sessionId)
      .where(sql`${t.closedAt} is null`),
    index('help_requests_exam_idx').on(t.examId, t.raisedAt),
    index('help_requests_session_idx').on(t.sessionId, t.raisedAt),
    check(
      'help_requests_close_reason_check',
      sql`${t.closeReason} is null or ${t.closeReason} in ('resolved','lowered','session_ended')`,
    ),
  ],
);
