import { eq } from 'drizzle-orm';
import type { AnswerValue } from '@invigil/contracts';
import type { DbOrTx } from '../db/database.js';
import { answers } from '../db/schema.js';
import { questionsOf } from './questions.service.js';
import { type AttemptScore, scoreAnswers } from './scoring.js';

/** A saved answer. */
export interface StoredAnswer {
  value: AnswerValue;
  updatedAt: Date;
}

/** The saved answers of one attempt, by question id. */
export async function answersOf(db: DbOrTx, sessionId: string): Promise<Map<string, StoredAnswer>> {
  const rows = await db.select().from(answers).where(eq(answers.sessionId, sessionId));
  return new Map(
    rows.map((r) => [r.questionId, { value: r.value as AnswerValue, updatedAt: r.updatedAt }]),
  );
}

/** Auto-score an attempt from the database (see `scoreAnswers` for the rules). */
export async function scoreSession(
  db: DbOrTx,
  examId: string,
  sessionId: string,
): Promise<AttemptScore> {
  const [qs, saved] = [await questionsOf(db, examId), await answersOf(db, sessionId)];
  const values = new Map([...saved].map(([id, a]) => [id, a.value]));
  return scoreAnswers(qs, values);
}
