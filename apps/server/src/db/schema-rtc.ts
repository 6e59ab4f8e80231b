import { sql } from 'drizzle-orm';
import { boolean, check, index, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { tz } from './schema-columns.js';
import { examSessions, exams, users } from './schema-core.js';

// Live views and calls between a proctor's browser and a student's (WebRTC). Only the
// link's life is stored; the media and the signalling never touch the database.

/**
 * One live view or call. Open while `ended_at` is null. `owner_socket` is the proctor socket
 * that signalled it first (only it may signal it further); `owner_seen_at` and
 * `student_seen_at` are refreshed by the process holding those sockets, so a job can end
 * links whose side vanished with its process (restart, crash) whichever process runs it.
 */
export const rtcLinks = pgTable(
  'rtc_links',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    sessionId: uuid('session_id')
      .notNull()
      .references(() => examSessions.id, { onDelete: 'cascade' }),
    examId: uuid('exam_id')
      .notNull()
      .references(() => exams.id, { onDelete: 'cascade' }),
    kind: text('kind').notNull(),
    proctorId: uuid('proctor_id').references(() => users.id, { onDelete: 'set null' }),
    proctorCamera: boolean('proctor_camera').notNull().default(false),
    state: text('state').notNull(),
    /** When `state` last changed: the connect and ring timeouts count from it. */
    stateAt: tz('state_at').notNull().defaultNow(),
    startedAt: tz('started_at').notNull().defaultNow(),
    connectedAt: tz('connected_at'),
    endedAt: tz('ended_at'),
    endReason: text('end_reason'),
    /** A side's explanation when it failed or timed out. */
    detail: text('detail'),
    ownerSocket: text('owner_socket'),
    ownerSeenAt: tz('owner_seen_at'),
    studentSeenAt: tz('student_seen_at'),
  },
  (t) => [
    index('rtc_links_open_session_idx')
      .on(t.sessionId)
      .where(sql`${t.endedAt} is null`),
    index('rtc_links_open_exam_idx')
      .on(t.examId)
      .where(sql`${t.endedAt} is null`),
    index('rtc_links_session_idx').on(t.sessionId, t.startedAt),
    check('rtc_links_kind_check', sql`${t.kind} in ('view','call')`),
    check(
      'rtc_links_state_check',
      sql`${t.state} in ('ringing','connecting','live','reconnecting','ended')`,
    ),
    check(
      'rtc_links_end_reason_check',
      sql`${t.endReason} is null or ${t.endReason} in ('hung_up','student_hung_up','declined','viewer_left','student_left','timeout','failed','session_ended')`,
    ),
  ],
);
