import type { DbOrTx } from '../../db/database.js';
import { admitToExam } from '../exams/admission.js';

/** What registering a platform's learner did. */
export type LearnerRegistration = 'added' | 'existing' | 'cancelled';

/**
 * Register a student for an exam on a platform's word (a launch, a roster sync), in `tx`,
 * with the rules of a student's own registration (admitToExam), the account allowed to take
 * exams checked after the exam's rules. Idempotent: an active registration is `existing`. A
 * registration the student cancelled is reopened, unless `keepCancelled` (a roster sync
 * respects the student's own cancellation): then `cancelled`.
 */
export async function registerLearner(
  tx: DbOrTx,
  examId: string,
  studentId: string,
  opts: { now: Date; actorId: string | null; via: 'launch' | 'roster'; keepCancelled?: boolean },
): Promise<LearnerRegistration> {
  const { now, actorId, via, keepCancelled } = opts;
  const admitted = await admitToExam(tx, examId, studentId, {
    now,
    checkAccount: true,
    keepCancelled,
    audit: { actorId, data: { method: 'lti', via, studentId }, at: now },
  });
  return admitted.outcome;
}
