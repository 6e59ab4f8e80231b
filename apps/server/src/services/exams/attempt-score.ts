import { eq } from 'drizzle-orm';
import type { AnswerValue } from '@invigil/contracts';
import type { DbOrTx } from '../../db/database.js';
import { answers } from '../../db/schema.js';
import { questionsOf } from './questions.service.js';
import { type AttemptScore, scoreAnswers } from './scoring.js';

/** A saved answer, with its grade once an instructor gave one (short text, essay). */
export interface StoredAnswer {
  value: AnswerValue;
  updatedAt: Date;
  grade: { points: number; comment: string | null; by: string | null; at: Date } | null;
}

/** The saved answers of one attempt, by question id. */
export async function answersOf(db: DbOrTx, sessionId: string): Promise<Map<string, StoredAnswer>> {
  const rows = await db.select().from(answers).where(eq(answers.sessionId, sessionId));
  return new Map(
    rows.map((r) => [
      r.questionId,
      {
        value: r.value as AnswerValue,
        updatedAt: r.updatedAt,
        grade:
          r.gradePoints !== null && r.gradedAt !== null
            ? { points: r.gradePoints, comment: r.gradeComment, by: r.gradedBy, at: r.gradedAt }
            : null,
      },
    ]),
  );
}

/** The values and grades of saved answers, as `scoreAnswers` takes them. */
export function scoringInput(saved: ReadonlyMap<string, StoredAnswer>) {
  const values = new Map([...saved].map(([id, a]) => [id, a.value]));
  const grades = new Map(
    [...saved].flatMap(([id, a]) => (a.grade ? [[id, a.grade.points] as const] : [])),
  );
  return { values, grades };
}

/** Score an attempt from the database, grades included (see `scoreAnswers` for the rules). */
export async function scoreSession(
  db: DbOrTx,
  examId: string,
  sessionId: string,
): Promise<AttemptScore> {
  const [qs, saved] = [await questionsOf(db, examId), await answersOf(db, sessionId)];
  const { values, grades } = scoringInput(saved);
  return scoreAnswers(qs, values, grades);
}
