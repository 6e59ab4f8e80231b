import {
  ExamGradesRelease,
  type GradeBody,
  ScoredAnswers,
  StudentResult,
} from '@invigil/contracts';
import { api } from './client';

const enc = encodeURIComponent;
const session = (id: string) => `/api/sessions/${enc(id)}`;

/**
 * Hand grading and score release (the exam's instructors and admins), and the student's own
 * released result.
 */
export const gradingApi = {
  grade: (sessionId: string, questionId: string, body: GradeBody) =>
    api(`${session(sessionId)}/answers/${enc(questionId)}/grade`, {
      schema: ScoredAnswers,
      method: 'PUT',
      body,
    }),
  releaseSession: (sessionId: string) =>
    api(`${session(sessionId)}/score/release`, { schema: ScoredAnswers, method: 'POST' }),
  releaseExam: (examId: string) =>
    api(`/api/exams/${enc(examId)}/scores/release`, { schema: ExamGradesRelease, method: 'POST' }),
  result: (sessionId: string, signal?: AbortSignal) =>
    api(`${session(sessionId)}/result`, { schema: StudentResult, signal }),
};
