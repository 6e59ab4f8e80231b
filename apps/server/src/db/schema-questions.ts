import { sql } from 'drizzle-orm';
import {
  check,
  doublePrecision,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { tz } from './schema-columns.js';
import { examSessions, exams, users } from './schema-core.js';

// The built-in question set of an exam and what students answer in each attempt: questions,
// answers (with their grades) and marks for review. Re-exported by schema.ts, which
// drizzle-kit reads.

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
